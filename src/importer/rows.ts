import {
  type AttributeValue,
  type EngagementEvent,
  EVENT_TYPES,
  type EventType,
  type LeadRecord,
} from '../crm/vocabulary.js';
import { rowProblem } from './problems.js';
import type { ImportKind, ImportProblem, RowContext, RowResult } from './types.js';
import {
  attributeValueSchema,
  check,
  companySizeSchema,
  emailShapeSchema,
  eventTypeSchema,
  isBlank,
  jsonObjectSchema,
  show,
  textSchema,
  timestampSchema,
} from './values.js';

/**
 * Pure per-row parsing shared by the JSONL and CSV readers: a raw row (keys as in the file) becomes a
 * LeadRecord or EngagementEvent plus row problems. Bad values on a record are left out and noted; a bad
 * event is refused, because a half-known event would score wrongly.
 */

const RECORD_TEXT_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'company',
  'industry',
  'title',
  'country',
  'ownerId',
  'lifecycleStage',
] as const;
const RECORD_FIELDS = new Set<string>(['id', ...RECORD_TEXT_FIELDS, 'companySize', 'createdAt', 'updatedAt']);
const EVENT_FIELDS = new Set<string>(['id', 'recordId', 'type', 'occurredAt']);

/** Alternative column/key names, documented in docs/import-format.md. */
export const ALIASES: Readonly<Record<ImportKind, Readonly<Record<string, string>>>> = {
  records: {
    externalId: 'id',
    first_name: 'firstName',
    last_name: 'lastName',
    company_size: 'companySize',
    owner_id: 'ownerId',
    lifecycle_stage: 'lifecycleStage',
    created_at: 'createdAt',
    updated_at: 'updatedAt',
  },
  events: {
    sourceId: 'id',
    recordExternalId: 'recordId',
    record_id: 'recordId',
    occurred_at: 'occurredAt',
  },
};

export const REQUIRED_COLUMNS: Readonly<Record<ImportKind, readonly string[]>> = {
  records: ['id'],
  events: ['id', 'recordId', 'type', 'occurredAt'],
};

/** A JSONL key holding an object of extra values, merged with the other top-level keys. */
const CONTAINER: Record<ImportKind, string> = { records: 'properties', events: 'attributes' };

/** Events more than this far after `now` are refused: clocks drift, but not by this much. */
const SCALARS_ONLY = 'dropped; values must be text, numbers, true/false or null';

export const FUTURE_TOLERANCE_MS = 5 * 60_000;

const fieldsOf = (kind: ImportKind) => (kind === 'records' ? RECORD_FIELDS : EVENT_FIELDS);

export function canonicalName(kind: ImportKind, name: string): string {
  return Object.hasOwn(ALIASES[kind], name) ? ALIASES[kind][name]! : name;
}

/** File-level problems with a CSV header (names as written), or [] when it is usable. */
export function headerProblems(kind: ImportKind, names: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  names.forEach((name, index) => {
    if (name === '') {
      problems.push(`column ${index + 1} of the header has no name`);
      return;
    }
    const canonical = fieldsOf(kind).has(canonicalName(kind, name)) ? canonicalName(kind, name) : name;
    const earlier = seen.get(canonical);
    if (earlier === undefined) seen.set(canonical, name);
    else if (earlier === name) problems.push(`column "${name}" appears twice in the header`);
    else problems.push(`columns "${earlier}" and "${name}" both give ${canonical}`);
  });
  const missing = REQUIRED_COLUMNS[kind].filter((field) => !seen.has(field));
  if (missing.length > 0) {
    const alias = (field: string) =>
      Object.entries(ALIASES[kind])
        .filter(([, target]) => target === field)
        .map(([from]) => from);
    const described = missing.map((field) => [field, ...alias(field)].map((n) => `"${n}"`).join(' or '));
    problems.push(`the header has no ${described.join(', no ')} column (required for ${kind})`);
  }
  return problems;
}

interface Split {
  /** Known fields by canonical name, with the key they were found under. */
  fields: Map<string, { key: string; value: unknown }>;
  /** Everything else: properties (records) or attributes (events), before value checks. */
  extras: Map<string, unknown>;
  problems: ImportProblem[];
}

function split(kind: ImportKind, raw: Record<string, unknown>, ctx: RowContext): Split {
  const fields = new Map<string, { key: string; value: unknown }>();
  const extras = new Map<string, unknown>();
  const problems: ImportProblem[] = [];
  let container: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(raw)) {
    const canonical = canonicalName(kind, key);
    if (fieldsOf(kind).has(canonical)) {
      const earlier = fields.get(canonical);
      if (earlier === undefined) {
        fields.set(canonical, { key, value });
        continue;
      }
      const [kept, dropped] =
        earlier.key === canonical ? [earlier, { key, value }] : [{ key, value }, earlier];
      fields.set(canonical, kept);
      if (show(kept.value) !== show(dropped.value)) {
        problems.push(
          rowProblem(
            ctx.file,
            ctx.line,
            'warning',
            'a field is given under two names',
            `${kept.key} and ${dropped.key} are both given; used ${kept.key}`,
          ),
        );
      }
    } else if (key === CONTAINER[kind] && jsonObjectSchema.safeParse(value).success) {
      container = value as Record<string, unknown>;
    } else {
      extras.set(key, value);
    }
  }
  if (container !== undefined) {
    for (const [key, value] of Object.entries(container)) {
      if (extras.has(key) && show(extras.get(key)) !== show(value)) {
        problems.push(
          rowProblem(
            ctx.file,
            ctx.line,
            'warning',
            `a key is given both at top level and in ${CONTAINER[kind]}`,
            `"${key}" is given both at top level and in ${CONTAINER[kind]}; used ${CONTAINER[kind]}.${key}`,
          ),
        );
      }
      extras.set(key, value);
    }
  }
  return { fields, extras, problems };
}

/** `line N: <field> <value> <reason>[; detail]`; the kind leaves out the value so problems can be counted. */
function fieldProblem(
  ctx: RowContext,
  severity: ImportProblem['severity'],
  field: string,
  value: unknown,
  reason: string,
  detail?: string,
  kindField = field,
): ImportProblem {
  const tail = detail === undefined ? '' : `; ${detail}`;
  return rowProblem(
    ctx.file,
    ctx.line,
    severity,
    `${kindField} ${reason}`,
    `${field} ${show(value)} ${reason}${tail}`,
  );
}

function missing(ctx: RowContext, field: string): ImportProblem {
  return rowProblem(ctx.file, ctx.line, 'error', `${field} is missing`, `${field} is missing; row skipped`);
}

/** Required text (ids): problems are errors. */
function requiredText(
  ctx: RowContext,
  split: Split,
  field: string,
  problems: ImportProblem[],
): string | undefined {
  const entry = split.fields.get(field);
  if (entry === undefined || isBlank(entry.value)) {
    problems.push(missing(ctx, field));
    return undefined;
  }
  const result = check(textSchema, entry.value);
  if (!result.ok) {
    problems.push(fieldProblem(ctx, 'error', entry.key, entry.value, result.reason, 'row skipped', field));
    return undefined;
  }
  return result.value;
}

/** Property/attribute values must be scalars; anything else is dropped with a warning. */
function extraValues(
  ctx: RowContext,
  extras: Map<string, unknown>,
  label: 'property' | 'attribute',
  problems: ImportProblem[],
  notes?: string[],
): Record<string, AttributeValue> {
  const kept: [string, AttributeValue][] = [];
  for (const [key, value] of extras) {
    if (value === undefined) continue;
    const result = check(attributeValueSchema, value);
    if (result.ok) {
      kept.push([key, result.value]);
      continue;
    }
    problems.push(
      fieldProblem(ctx, 'warning', `${label} "${key}"`, value, result.reason, SCALARS_ONLY, label),
    );
    notes?.push(`${key}: ${show(value)} ${result.reason}`);
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays plain data.
  return Object.fromEntries(kept);
}

export function parseRecordRow(raw: Record<string, unknown>, ctx: RowContext): RowResult<LeadRecord> {
  const parts = split('records', raw, ctx);
  const problems = parts.problems;
  const externalId = requiredText(ctx, parts, 'id', problems);
  if (externalId === undefined) return { ok: false, problems };

  const notes: string[] = [];
  const flag = (entry: { key: string; value: unknown }, field: string, reason: string, detail: string) => {
    problems.push(fieldProblem(ctx, 'warning', entry.key, entry.value, reason, detail, field));
    notes.push(`${field}: ${show(entry.value)} ${reason}`);
  };
  const fields: Omit<LeadRecord, 'source' | 'externalId' | 'properties'> = {};

  for (const field of RECORD_TEXT_FIELDS) {
    const entry = parts.fields.get(field);
    if (entry === undefined || isBlank(entry.value)) continue;
    const text = check(textSchema, entry.value);
    if (!text.ok) {
      flag(entry, field, text.reason, 'left empty');
      continue;
    }
    fields[field] = text.value;
    if (field === 'email') {
      const shape = check(emailShapeSchema, text.value);
      if (!shape.ok) flag(entry, field, shape.reason, 'kept');
    }
  }

  const size = parts.fields.get('companySize');
  if (size !== undefined && !isBlank(size.value)) {
    const result = check(companySizeSchema, size.value);
    if (result.ok) fields.companySize = result.value;
    else flag(size, 'companySize', result.reason, 'left empty');
  }

  for (const field of ['createdAt', 'updatedAt'] as const) {
    const entry = parts.fields.get(field);
    if (entry === undefined || isBlank(entry.value)) continue;
    const result = check(timestampSchema, entry.value);
    if (result.ok) fields[field] = result.value;
    else flag(entry, field, result.reason, 'left empty');
  }

  const properties = extraValues(ctx, parts.extras, 'property', problems, notes);
  const record: LeadRecord = { source: ctx.source, externalId, ...fields, properties };
  if (notes.length > 0) record.dataQuality = notes;
  return { ok: true, value: record, problems };
}

export function parseEventRow(raw: Record<string, unknown>, ctx: RowContext): RowResult<EngagementEvent> {
  const parts = split('events', raw, ctx);
  const problems = parts.problems;
  const sourceId = requiredText(ctx, parts, 'id', problems);
  const recordExternalId = requiredText(ctx, parts, 'recordId', problems);

  let type: EventType | undefined;
  const typeEntry = parts.fields.get('type');
  if (typeEntry === undefined || isBlank(typeEntry.value)) problems.push(missing(ctx, 'type'));
  else {
    const result = check(eventTypeSchema, typeEntry.value);
    if (result.ok) type = result.value;
    else {
      problems.push(
        fieldProblem(
          ctx,
          'error',
          typeEntry.key,
          typeEntry.value,
          'is not an event type',
          expectedTypes(),
          'type',
        ),
      );
    }
  }

  let occurredAt: number | undefined;
  const at = parts.fields.get('occurredAt');
  if (at === undefined || isBlank(at.value)) problems.push(missing(ctx, 'occurredAt'));
  else {
    const result = check(timestampSchema, at.value);
    if (!result.ok)
      problems.push(fieldProblem(ctx, 'error', at.key, at.value, result.reason, 'row skipped', 'occurredAt'));
    else if (result.value > ctx.now + FUTURE_TOLERANCE_MS) {
      const detail = `more than 5 minutes after now (${new Date(ctx.now).toISOString()}); row skipped`;
      problems.push(fieldProblem(ctx, 'error', at.key, at.value, 'is in the future', detail, 'occurredAt'));
    } else occurredAt = result.value;
  }

  const attributes = extraValues(ctx, parts.extras, 'attribute', problems);
  if (
    sourceId === undefined ||
    recordExternalId === undefined ||
    type === undefined ||
    occurredAt === undefined
  ) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    value: { source: ctx.source, sourceId, recordExternalId, type, occurredAt, attributes },
    problems,
  };
}

function expectedTypes(): string {
  return `expected one of ${EVENT_TYPES.join(', ')}; row skipped`;
}
