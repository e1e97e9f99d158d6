/**
 * Field writes with Salesforce's validation: request-level JSON errors (400 JSON_PARSER_ERROR /
 * INVALID_FIELD) versus per-record save errors (statusCode + message + fields).
 * Error codes: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#statuscode
 */
import { parseDate, parseDateTime } from './format.js';
import type { FieldDef } from './schema.js';
import type { Table, Value } from './table.js';

export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** A request-level failure: the whole call returns 400 with this error array. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
  }
}

const JSON_TYPES: Partial<Record<FieldDef['type'], string>> = {
  int: 'int',
  double: 'double',
  currency: 'double',
  boolean: 'boolean',
  datetime: 'datetime',
  date: 'date',
};

function tokenName(value: unknown): string {
  if (typeof value === 'string') return 'VALUE_STRING';
  if (typeof value === 'number') return Number.isInteger(value) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  if (typeof value === 'boolean') return value ? 'VALUE_TRUE' : 'VALUE_FALSE';
  if (Array.isArray(value)) return 'START_ARRAY';
  return 'START_OBJECT';
}

/** Column of `"Field":` for a record in a compact JSON body (jsforce sends JSON.stringify output). UNVERIFIED exactness. */
function columnOf(body: string, field: string, nth: number): number {
  let from = 0;
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = body.indexOf(`"${field}":`, from);
    if (at < 0) return body.length;
    from = at + 1;
  }
  const valueStart = at + field.length + 3;
  const rest = body.slice(valueStart);
  const m = /^("(?:\\.|[^"\\])*"|[^,}\]]*)/.exec(rest);
  return valueStart + (m ? m[0].length : 0);
}

/**
 * Converts JSON values to stored values. Throws RequestError for what the JSON deserializer rejects
 * (unknown fields, wrong JSON types) since those fail before any record is processed.
 */
export function coerceFields(
  table: Table,
  record: Record<string, unknown>,
  rawBody: string,
  occurrence: (key: string) => number,
  unknownField: 'request' | 'record',
): { values: Map<FieldDef, Value>; errors: SaveError[] } {
  const values = new Map<FieldDef, Value>();
  const errors: SaveError[] = [];
  for (const [key, raw] of Object.entries(record)) {
    if (key === 'attributes' || key === 'Id' || key === 'id') continue;
    const field = table.field(key);
    if (!field) {
      const message = `No such column '${key}' on sobject of type ${table.def.name}`;
      if (unknownField === 'request') throw new RequestError(400, 'INVALID_FIELD', message);
      errors.push({ statusCode: 'INVALID_FIELD', message, fields: [key] });
      continue;
    }
    if (raw === null) {
      values.set(field, null);
      continue;
    }
    const expected = JSON_TYPES[field.type] ?? 'string';
    const parserError = () =>
      new RequestError(
        400,
        'JSON_PARSER_ERROR',
        `Cannot deserialize instance of ${expected} from ${tokenName(raw)} value ${
          typeof raw === 'object' ? (Array.isArray(raw) ? '[' : '{') : String(raw)
        } or request may be missing a required field at [line:1, column:${columnOf(rawBody, key, occurrence(key))}]`,
      );
    switch (field.type) {
      case 'int':
      case 'double':
      case 'currency': {
        const n =
          typeof raw === 'number'
            ? raw
            : typeof raw === 'string' && raw.trim() !== ''
              ? Number(raw)
              : Number.NaN;
        if (!Number.isFinite(n)) throw parserError();
        values.set(field, field.type === 'int' ? Math.trunc(n) : n);
        break;
      }
      case 'boolean':
        if (typeof raw === 'boolean') values.set(field, raw);
        else if (raw === 'true' || raw === 'false') values.set(field, raw === 'true');
        else throw parserError();
        break;
      case 'datetime': {
        const ms =
          typeof raw === 'string'
            ? (parseDateTime(raw) ?? parseDateTime(raw.replace(/(\+|-)(\d{2})(\d{2})$/, '$1$2:$3')))
            : undefined;
        if (ms === undefined) throw parserError();
        values.set(field, ms);
        break;
      }
      case 'date': {
        const ms = typeof raw === 'string' ? parseDate(raw.slice(0, 10)) : undefined;
        if (ms === undefined) throw parserError();
        values.set(field, ms);
        break;
      }
      default:
        if (typeof raw === 'object') throw parserError();
        values.set(field, String(raw));
    }
  }
  return { values, errors };
}

/** Per-record validation of coerced values (after the request parsed). */
export function validateValues(
  table: Table,
  values: Map<FieldDef, Value>,
  mode: 'create' | 'update' = 'update',
): SaveError[] {
  const errors: SaveError[] = [];
  const writable = (f: FieldDef) => (mode === 'create' ? f.createable : f.updateable);
  const readOnly = [...values.keys()].filter((f) => !writable(f)).map((f) => f.name);
  if (readOnly.length > 0) {
    errors.push({
      statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      message: `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      fields: readOnly,
    });
  }
  if (mode === 'create') {
    // Fields the platform fills on insert (owner, booleans, lead status) are not required from the caller.
    const defaulted = new Set(['OwnerId', 'Status', 'Priority']);
    const missing = table.fields
      .filter(
        (f) =>
          f.createable && !f.nillable && f.type !== 'boolean' && !defaulted.has(f.name) && !values.has(f),
      )
      .map((f) => f.name);
    if (missing.length > 0) {
      errors.push({
        statusCode: 'REQUIRED_FIELD_MISSING',
        message: `Required fields are missing: [${missing.join(', ')}]`,
        fields: missing,
      });
    }
  }
  for (const [field, value] of values) {
    if (!writable(field)) continue;
    if (value === null) {
      if (!field.nillable && field.type !== 'boolean') {
        errors.push({
          statusCode: 'REQUIRED_FIELD_MISSING',
          message: `Required fields are missing: [${field.name}]`,
          fields: [field.name],
        });
      }
      continue;
    }
    if (typeof value === 'string' && field.length > 0 && value.length > field.length) {
      errors.push({
        statusCode: 'STRING_TOO_LONG',
        message: `${field.label}: data value too large: ${value.slice(0, 80)} (max length=${field.length})`,
        fields: [field.name],
      });
    }
    if (
      field.type === 'email' &&
      typeof value === 'string' &&
      value !== '' &&
      !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)
    ) {
      errors.push({
        statusCode: 'INVALID_EMAIL_ADDRESS',
        message: `${field.label}: invalid email address: ${value}`,
        fields: [field.name],
      });
    }
    if (
      (field.type === 'double' || field.type === 'currency') &&
      typeof value === 'number' &&
      field.precision !== undefined
    ) {
      const intDigits = Math.abs(Math.trunc(value)).toString().length;
      if (intDigits > field.precision - (field.scale ?? 0)) {
        errors.push({
          statusCode: 'NUMBER_OUTSIDE_VALID_RANGE',
          message: `${field.label}: value outside of valid range on numeric field: ${value}`,
          fields: [field.name],
        });
      }
    }
    if (
      field.picklistValues &&
      field.name === 'TaskSubtype' &&
      !field.picklistValues.includes(String(value))
    ) {
      errors.push({
        statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        message: `${field.label}: bad value for restricted picklist field: ${value}`,
        fields: [field.name],
      });
    }
  }
  return errors;
}
