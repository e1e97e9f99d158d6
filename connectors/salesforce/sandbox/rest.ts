/**
 * REST resources under /services/data/vNN.N: query/queryAll with cursors, describe, single records,
 * sObject Collections, Get Updated/Deleted, limits and the Tooling CustomField resource.
 */
import type { IncomingMessage } from 'node:http';
import type { Edition, SandboxBehaviours } from './behaviours.js';
import { formatDateTime, formatValue, parseDateTime } from './format.js';
import { type Out, parseJson, readBody } from './http.js';
import { opaque, parseId } from './ids.js';
import { describe, type FieldDef, SCHEMAS } from './schema.js';
import { type CompiledQuery, compileQuery, materialize, runQuery, type TableLookup } from './soql.js';
import type { CustomFieldSpec, OrgStore } from './store.js';
import type { Table, Value } from './table.js';
import { ownerErrors } from './users.js';
import { coerceFields, RequestError, type SaveError, validateValues } from './writes.js';

const DAY = 86_400_000;

interface Cursor {
  query: CompiledQuery;
  rows: Int32Array;
  batchSize: number;
  expiresAt: number;
}

export interface RestContext {
  store: OrgStore;
  behaviours: SandboxBehaviours;
  edition: Edition;
  now: () => number;
  identityUrl: string;
  apiUsage: () => number;
  allowance: () => number;
  /** Injected per-record failures, keyed by 15-character id. */
  recordFailures: Map<string, SaveError>;
}

export interface RestApi {
  route(req: IncomingMessage, url: URL, version: string, rest: string): Promise<Out>;
  openCursors(): number;
}

export function createRestApi(ctx: RestContext): RestApi {
  const { store, behaviours, edition, now } = ctx;
  const cursors = new Map<string, Cursor>();
  // The API user's view: an object without Read permission is not served at all (query, describe, writes).
  // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/obj_ref_data_access.htm
  const permitted = (table: Table | undefined) => (table?.access === 'none' ? undefined : table);
  const api: TableLookup = {
    table: (name) => permitted(store.table(name)),
    tableByPrefix: (prefix) => permitted(store.tableByPrefix(prefix)),
  };

  const methodNotAllowed = (method: string, allowed: string): never => {
    throw new RequestError(
      405,
      'METHOD_NOT_ALLOWED',
      `HTTP Method '${method}' not allowed. Allowed are ${allowed}`,
    );
  };

  const batchSizeOf = (req: IncomingMessage): number => {
    const header = String(req.headers['sforce-query-options'] ?? '');
    const m = /batchSize\s*=\s*(\d+)/i.exec(header);
    const requested = m ? Number(m[1]) : behaviours.queryBatchDefault;
    return Math.min(behaviours.queryBatchMax, Math.max(behaviours.queryBatchMin, requested));
  };

  const page = (cursorId: string, cursor: Cursor, offset: number, batchSize: number, version: string) => {
    const end = Math.min(cursor.rows.length, offset + batchSize);
    const records = [];
    for (let k = offset; k < end; k++)
      records.push(materialize(cursor.query, cursor.rows[k] as number, version));
    const done = end >= cursor.rows.length;
    if (done) cursors.delete(cursorId);
    else cursor.expiresAt = now() + behaviours.cursorTtlMs;
    return {
      totalSize: cursor.rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${cursorId}-${end}` }),
      records,
    };
  };

  const runSoql = (req: IncomingMessage, url: URL, version: string, includeDeleted: boolean): Out => {
    const q = url.searchParams.get('q');
    if (q === null) throw new RequestError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const compiled = compileQuery(q, api, now());
    const rows = runQuery(compiled, includeDeleted);
    if (compiled.countOnly) return { status: 200, body: { totalSize: rows.length, done: true, records: [] } };
    const cursorId = `01g5g${opaque(Math.random, 13)}`;
    const cursor: Cursor = {
      query: compiled,
      rows,
      batchSize: batchSizeOf(req),
      expiresAt: now() + behaviours.cursorTtlMs,
    };
    // Expired cursors are dropped; the sandbox also keeps at most 200 open (memory), oldest first.
    const t = now();
    for (const [id, c] of cursors) if (c.expiresAt <= t) cursors.delete(id);
    while (cursors.size >= 200) cursors.delete(cursors.keys().next().value as string);
    cursors.set(cursorId, cursor);
    return { status: 200, body: page(cursorId, cursor, 0, cursor.batchSize, version) };
  };

  const queryMore = (req: IncomingMessage, locator: string, version: string): Out => {
    const m = /^(.+)-(\d+)$/.exec(locator);
    const cursor = m ? cursors.get(m[1] as string) : undefined;
    if (!m || !cursor || cursor.expiresAt <= now()) {
      throw new RequestError(
        behaviours.invalidLocatorStatus,
        'INVALID_QUERY_LOCATOR',
        'invalid query locator',
      );
    }
    const header = req.headers['sforce-query-options'] ? batchSizeOf(req) : cursor.batchSize;
    return { status: 200, body: page(m[1] as string, cursor, Number(m[2]), header, version) };
  };

  const replicationWindow = (url: URL, days: number) => {
    const startText = url.searchParams.get('start');
    const endText = url.searchParams.get('end');
    if (!startText || !endText) throw new RequestError(400, 'MISSING_ARGUMENT', 'start and end are required');
    const start = parseDateTime(startText);
    const end = parseDateTime(endText);
    if (start === undefined || end === undefined) {
      throw new RequestError(
        400,
        'INVALID_PARAMETER_VALUE',
        `Bad date/time format: ${start === undefined ? startText : endText}`,
      );
    }
    // Seconds are truncated: 12:30:15 becomes 12:30:00 (sObject Get Updated, start/end parameters).
    const s = Math.floor(start / 60_000) * 60_000;
    const e = Math.floor(end / 60_000) * 60_000;
    if (s >= e)
      throw new RequestError(
        400,
        'INVALID_REPLICATION_DATE',
        'startDate must chronologically precede endDate',
      );
    const earliest = Math.floor((now() - days * DAY) / 60_000) * 60_000;
    if (s < earliest)
      throw new RequestError(
        400,
        'INVALID_REPLICATION_DATE',
        `startDate cannot be more than ${days} days ago`,
      );
    return { start: s, end: e, earliest, latest: Math.min(e, Math.floor(now() / 60_000) * 60_000) };
  };

  const writeRecord = (table: Table, row: number, values: Map<FieldDef, Value>): SaveError[] => {
    const injected = ctx.recordFailures.get(table.id(row).slice(0, 15));
    if (injected) return [injected];
    if (table.get(row, 'IsDeleted') === true)
      return [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }];
    if (table.def.name === 'Lead' && table.get(row, 'IsConverted') === true) {
      return [
        {
          statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD',
          message: 'cannot reference converted lead',
          fields: [],
        },
      ];
    }
    return [...validateValues(table, values), ...ownerErrors(store, table, values)];
  };

  const applyValues = (table: Table, row: number, values: Map<FieldDef, Value>) => {
    for (const [f, v] of values) table.set(row, f.name, v);
    if (values.has(table.field('FirstName') as FieldDef) || values.has(table.field('LastName') as FieldDef)) {
      if (table.field('Name')?.updateable === false && table.def.fieldMap.has('firstname')) {
        table.set(
          row,
          'Name',
          [table.get(row, 'FirstName'), table.get(row, 'LastName')].filter(Boolean).join(' '),
        );
      }
    }
    store.touch(table, row);
  };

  const rolledBack = {
    statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
    message:
      'Record rolled back because not all records were valid and the request was using AllOrNone header',
    fields: [],
  };

  /** sObject Collections create: no ids, at most 200 records, one SaveResult per record. */
  const collectionCreate = async (req: IncomingMessage): Promise<Out> => {
    const raw = await readBody(req);
    const body = parseJson(raw) as { allOrNone?: boolean; records?: Record<string, unknown>[] };
    if (!body || !Array.isArray(body.records))
      throw new RequestError(400, 'JSON_PARSER_ERROR', 'records is required');
    if (body.records.length > behaviours.collectionMaxRecords) {
      throw new RequestError(
        behaviours.collectionLimitStatus,
        'EXCEEDED_ID_LIMIT',
        `record limit reached. cannot submit more than ${behaviours.collectionMaxRecords} records into this call`,
      );
    }
    const prepared = body.records.map((record) => {
      const type = (record.attributes as { type?: string } | undefined)?.type;
      const table = type ? api.table(type) : undefined;
      if (!type || !table)
        throw new RequestError(
          400,
          'INVALID_TYPE',
          type ? `sObject type '${type}' is not supported.` : 'Must specify type for each sObject',
        );
      const { values, errors } = coerceFields(
        table,
        record,
        raw,
        () => 0,
        behaviours.unknownFieldInCollection,
      );
      const all =
        record.id || record.Id
          ? [{ statusCode: 'INVALID_FIELD', message: 'cannot specify Id in an insert call', fields: ['Id'] }]
          : [];
      return { record, table, errors: [...all, ...errors, ...validateValues(table, values, 'create')] };
    });
    const failed = prepared.some((p) => p.errors.length > 0);
    if (body.allOrNone && failed) {
      return {
        status: behaviours.allOrNoneRollbackStatus,
        body: prepared.map((p) => ({
          success: false,
          errors: p.errors.length > 0 ? p.errors : [rolledBack],
        })),
      };
    }
    return {
      status: 200,
      body: prepared.map((p) => {
        if (p.errors.length > 0) return { success: false, errors: p.errors };
        const { attributes: _a, ...fields } = p.record;
        return { id: store.createRecord(p.table.def.name, fields), success: true, errors: [] };
      }),
    };
  };

  /** sObject Collections delete: DELETE ?ids=a,b&allOrNone=; deleted rows go to the recycle bin (IsDeleted). */
  const collectionDelete = (url: URL): Out => {
    const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
    if (ids.length > behaviours.collectionMaxRecords) {
      throw new RequestError(
        behaviours.collectionLimitStatus,
        'EXCEEDED_ID_LIMIT',
        `record limit reached. cannot submit more than ${behaviours.collectionMaxRecords} records into this call`,
      );
    }
    const results = ids.map((id) => {
      const parsed = parseId(id);
      const table = parsed ? store.tableByPrefix(parsed.prefix) : undefined;
      if (!parsed || !table?.exists(parsed.row)) {
        return {
          result: {
            id,
            success: false,
            errors: [{ statusCode: 'MALFORMED_ID', message: `malformed id ${id}`, fields: [] }],
          },
        };
      }
      if (table.get(parsed.row, 'IsDeleted') === true) {
        return {
          result: {
            id,
            success: false,
            errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }],
          },
        };
      }
      return { result: { id: table.id(parsed.row), success: true, errors: [] }, table, row: parsed.row };
    });
    if (url.searchParams.get('allOrNone') === 'true' && results.some((r) => !r.result.success)) {
      return {
        status: behaviours.allOrNoneRollbackStatus,
        body: results.map((r) =>
          r.result.success ? { id: r.result.id, success: false, errors: [rolledBack] } : r.result,
        ),
      };
    }
    for (const r of results) {
      if (r.table && r.row !== undefined) {
        r.table.set(r.row, 'IsDeleted', true);
        store.touch(r.table, r.row);
      }
    }
    return { status: 200, body: results.map((r) => r.result) };
  };

  /** sObject Collections retrieve: records in id order, null for ids that do not resolve. */
  const collectionRetrieve = async (
    req: IncomingMessage,
    url: URL,
    type: string,
    version: string,
  ): Promise<Out> => {
    const table = api.table(type);
    if (!table) throw new RequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    let ids: string[];
    let names: string[];
    if (req.method === 'POST') {
      const body = parseJson(await readBody(req)) as { ids?: string[]; fields?: string[] };
      ids = body.ids ?? [];
      names = body.fields ?? [];
    } else {
      ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
      names = (url.searchParams.get('fields') ?? '').split(',').filter(Boolean);
    }
    // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_retrieve.htm
    if (ids.length > 2000)
      throw new RequestError(400, 'EXCEEDED_ID_LIMIT', 'Cannot retrieve more than 2000 records');
    if (names.length === 0) throw new RequestError(400, 'MALFORMED_QUERY', 'fields is required');
    const fields = names.map((n) => {
      const f = table.field(n);
      if (!f) {
        throw new RequestError(
          400,
          'INVALID_FIELD',
          `No such column '${n}' on entity '${table.def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      return f;
    });
    const records = ids.map((id) => {
      const parsed = parseId(id);
      if (
        !parsed ||
        parsed.prefix !== table.def.keyPrefix ||
        !table.exists(parsed.row) ||
        table.get(parsed.row, 'IsDeleted') === true
      )
        return null;
      const record: Record<string, unknown> = {
        attributes: {
          type: table.def.name,
          url: `/services/data/v${version}/sobjects/${table.def.name}/${table.id(parsed.row)}`,
        },
      };
      for (const f of fields) record[f.name] = formatValue(f.type, table.get(parsed.row, f.name));
      return record;
    });
    return { status: 200, body: records };
  };

  const collectionUpdate = async (req: IncomingMessage): Promise<Out> => {
    const raw = await readBody(req);
    const body = parseJson(raw) as { allOrNone?: boolean; records?: Record<string, unknown>[] };
    if (!body || !Array.isArray(body.records))
      throw new RequestError(400, 'JSON_PARSER_ERROR', 'records is required');
    // At most 200 records per call. https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm
    if (body.records.length > behaviours.collectionMaxRecords) {
      throw new RequestError(
        behaviours.collectionLimitStatus,
        'EXCEEDED_ID_LIMIT',
        `record limit reached. cannot submit more than ${behaviours.collectionMaxRecords} records into this call`,
      );
    }
    const occurrences = new Map<string, number>();
    const prepared = body.records.map((record) => {
      const type = (record.attributes as { type?: string } | undefined)?.type;
      const table = type ? api.table(type) : undefined;
      if (!type || !table)
        throw new RequestError(
          400,
          'INVALID_TYPE',
          type ? `sObject type '${type}' is not supported.` : 'Must specify type for each sObject',
        );
      const keys = Object.keys(record);
      const nth = new Map<string, number>();
      for (const k of keys) {
        nth.set(k, occurrences.get(k) ?? 0);
        occurrences.set(k, (occurrences.get(k) ?? 0) + 1);
      }
      const coerced = coerceFields(
        table,
        record,
        raw,
        (k) => nth.get(k) ?? 0,
        behaviours.unknownFieldInCollection,
      );
      return { record, table, ...coerced };
    });
    const results: Record<string, unknown>[] = [];
    const pending: { table: Table; row: number; values: Map<FieldDef, Value> }[] = [];
    let anyFailure = false;
    for (const p of prepared) {
      const id = (p.record.id ?? p.record.Id) as string | undefined;
      if (!id) {
        anyFailure = true;
        results.push({
          success: false,
          errors: [
            { statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] },
          ],
        });
        continue;
      }
      const parsed = parseId(id);
      if (!parsed || parsed.prefix !== p.table.def.keyPrefix) {
        anyFailure = true;
        results.push({
          success: false,
          errors: [
            {
              statusCode: 'MALFORMED_ID',
              message: `${p.table.def.label} ID: id value of incorrect type: ${id}`,
              fields: ['Id'],
            },
          ],
        });
        continue;
      }
      if (!p.table.exists(parsed.row)) {
        anyFailure = true;
        results.push({
          id,
          success: false,
          errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }],
        });
        continue;
      }
      // Read without Edit on the object: each record fails (UNVERIFIED code, BEHAVIOR 28).
      const denied =
        p.table.access === 'read'
          ? [
              {
                statusCode: 'INSUFFICIENT_ACCESS_OR_READONLY',
                message: 'insufficient access rights on object id',
                fields: [],
              },
            ]
          : [];
      const errors = [
        ...denied,
        ...p.errors,
        ...(denied.length > 0 ? [] : writeRecord(p.table, parsed.row, p.values)),
      ];
      if (errors.length > 0) {
        anyFailure = true;
        results.push({ id: p.table.id(parsed.row), success: false, errors });
        continue;
      }
      results.push({ id: p.table.id(parsed.row), success: true, errors: [] });
      pending.push({ table: p.table, row: parsed.row, values: p.values });
    }
    if (body.allOrNone && anyFailure) {
      // ◐ Rolled-back records report ALL_OR_NONE_OPERATION_ROLLED_BACK; the call itself still returns 200.
      for (const r of results) {
        if (r.success === true) {
          r.success = false;
          r.errors = [
            {
              statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
              message:
                'Record rolled back because not all records were valid and the request was using AllOrNone header',
              fields: [],
            },
          ];
        }
      }
      return { status: behaviours.allOrNoneRollbackStatus, body: results };
    }
    for (const p of pending) applyValues(p.table, p.row, p.values);
    return { status: 200, body: results };
  };

  const route = async (req: IncomingMessage, url: URL, version: string, rest: string): Promise<Out> => {
    const method = req.method ?? 'GET';
    const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
    const [head, second, third] = parts;
    if (rest === '/') {
      const base = `/services/data/v${version}`;
      return {
        status: 200,
        body: {
          ...Object.fromEntries(
            ['sobjects', 'query', 'queryAll', 'limits', 'composite', 'tooling'].map((k) => [
              k,
              `${base}/${k}`,
            ]),
          ),
          identity: ctx.identityUrl,
        },
      };
    }
    if (head === 'limits' && parts.length === 1) {
      if (method !== 'GET') methodNotAllowed(method, 'GET,HEAD');
      // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_limits.htm
      return {
        status: 200,
        body: {
          ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
          ConcurrentSyncReportRuns: { Max: 20, Remaining: 20 },
          DailyApiRequests: {
            Max: ctx.allowance(),
            Remaining: Math.max(0, ctx.allowance() - ctx.apiUsage()),
          },
          DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
          DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
          DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
          DailyStreamingApiEvents: { Max: 1000000, Remaining: 1000000 },
          DataStorageMB: {
            Max: edition === 'developer' ? 5 : 10240,
            Remaining: edition === 'developer' ? 4 : 9000,
          },
          FileStorageMB: {
            Max: edition === 'developer' ? 20 : 10240,
            Remaining: edition === 'developer' ? 20 : 10000,
          },
          HourlyODataCallout: { Max: 10000, Remaining: 10000 },
          MassEmail: { Max: 5000, Remaining: 5000 },
          SingleEmail: { Max: 5000, Remaining: 5000 },
        },
      };
    }
    if (head === 'query' || head === 'queryAll') {
      if (method !== 'GET') methodNotAllowed(method, 'GET,HEAD');
      // jsforce replays every locator under /query/, even for queryAll.
      if (second) return queryMore(req, second, version);
      return runSoql(req, url, version, head === 'queryAll');
    }
    if (head === 'composite' && second === 'sobjects' && parts.length === 2) {
      if (method === 'PATCH') return collectionUpdate(req);
      if (method === 'POST') return collectionCreate(req);
      if (method === 'DELETE') return collectionDelete(url);
      methodNotAllowed(method, 'DELETE,PATCH,POST');
    }
    if (head === 'composite' && second === 'sobjects' && third && parts.length === 3) {
      if (method !== 'GET' && method !== 'POST') methodNotAllowed(method, 'GET,HEAD,POST');
      return collectionRetrieve(req, url, third, version);
    }
    if (head === 'tooling' && second === 'sobjects' && third === 'CustomField' && parts.length === 3) {
      if (method !== 'POST') methodNotAllowed(method, 'GET,HEAD,POST');
      // https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_customfield.htm
      const body = parseJson(await readBody(req)) as {
        FullName?: string;
        Metadata?: Record<string, unknown>;
      };
      const meta = body.Metadata ?? {};
      if (!body.FullName || typeof meta.type !== 'string') {
        throw new RequestError(
          400,
          'REQUIRED_FIELD_MISSING',
          'Required fields are missing: [FullName, Metadata.type]',
        );
      }
      const id = store.createCustomField(
        {
          fullName: body.FullName,
          type: meta.type as CustomFieldSpec['type'],
          label: typeof meta.label === 'string' ? meta.label : undefined,
          length: typeof meta.length === 'number' ? meta.length : undefined,
          precision: typeof meta.precision === 'number' ? meta.precision : undefined,
          scale: typeof meta.scale === 'number' ? meta.scale : undefined,
        },
        behaviours.newCustomFieldVisible,
      );
      return { status: 201, body: { id, success: true, errors: [], warnings: [], infos: [] } };
    }
    if (head === 'sobjects') {
      if (!second) {
        return {
          status: 200,
          body: {
            encoding: 'UTF-8',
            maxBatchSize: 200,
            sobjects: SCHEMAS.map((s) => ({
              name: s.name,
              label: s.label,
              labelPlural: s.labelPlural,
              keyPrefix: s.keyPrefix,
              custom: false,
              queryable: true,
              urls: { sobject: `/services/data/v${version}/sobjects/${s.name}` },
            })),
          },
        };
      }
      if (second === 'FieldPermissions' && parts.length === 2 && method === 'POST') {
        const body = parseJson(await readBody(req)) as { Field?: string; PermissionsRead?: boolean };
        if (!body.Field || !store.grantFieldAccess(body.Field)) {
          throw new RequestError(
            400,
            'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
            `Field: bad value for restricted picklist field: ${body.Field}`,
            ['Field'],
          );
        }
        return { status: 201, body: { id: store.metadataId('01k'), success: true, errors: [] } };
      }
      const table = api.table(second);
      if (!table) throw new RequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (parts.length === 2) {
        if (method === 'POST') {
          const raw = await readBody(req);
          const record = parseJson(raw) as Record<string, unknown>;
          const { values, errors } = coerceFields(table, record, raw, () => 0, 'request');
          const all = [
            ...errors,
            ...validateValues(table, values, 'create'),
            ...ownerErrors(store, table, values),
          ];
          if (all.length > 0) {
            const first = all[0] as SaveError;
            throw new RequestError(400, first.statusCode, first.message, first.fields);
          }
          const id = store.createRecord(table.def.name, record);
          return { status: 201, body: { id, success: true, errors: [] } };
        }
        return {
          status: 200,
          body: { objectDescribe: describe(table.def, table.fields, version, table.access), recentItems: [] },
        };
      }
      if (third === 'describe' && parts.length === 3) {
        if (method !== 'GET') methodNotAllowed(method, 'GET,HEAD');
        return { status: 200, body: describe(table.def, table.fields, version, table.access) };
      }
      if ((third === 'updated' || third === 'deleted') && parts.length === 3) {
        if (method !== 'GET') methodNotAllowed(method, 'GET,HEAD');
        const updated = third === 'updated';
        // Get Updated: 30 days; Get Deleted: 15 days; at most 600,000 ids.
        // https://developer.salesforce.com/docs/platform/api-rest/guide/resources-getupdated.html
        const w = replicationWindow(
          url,
          updated ? behaviours.updatedWindowDays : behaviours.deletedWindowDays,
        );
        const ids: string[] = [];
        const deletedRecords: { id: string; deletedDate: string }[] = [];
        for (let r = 0; r < table.rows; r++) {
          const stamp = table.get(r, 'SystemModstamp') as number;
          if (stamp < w.start || stamp >= w.end) continue;
          const deleted = table.get(r, 'IsDeleted') === true;
          if (updated && !deleted) ids.push(table.id(r));
          if (!updated && deleted)
            deletedRecords.push({ id: table.id(r), deletedDate: formatDateTime(stamp) });
        }
        if (ids.length + deletedRecords.length > behaviours.replicationIdLimit) {
          throw new RequestError(
            400,
            'EXCEEDED_ID_LIMIT',
            'too many ids: choose start and end dates that are closer together',
          );
        }
        return {
          status: 200,
          body: updated
            ? { ids, latestDateCovered: formatDateTime(w.latest) }
            : {
                deletedRecords,
                earliestDateAvailable: formatDateTime(w.earliest),
                latestDateCovered: formatDateTime(w.latest),
              },
        };
      }
      if (parts.length === 3 && third) {
        const { row } = store.resolveRecord(table.def.name, third);
        if (method === 'GET') {
          if (table.get(row, 'IsDeleted') === true)
            throw new RequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
          const wanted = url.searchParams.get('fields');
          const fields = wanted
            ? wanted.split(',').map((n) => {
                const f = table.field(n.trim());
                if (!f)
                  throw new RequestError(
                    400,
                    'INVALID_FIELD',
                    `No such column '${n.trim()}' on entity '${table.def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
                  );
                return f;
              })
            : table.fields;
          const record: Record<string, unknown> = {
            attributes: {
              type: table.def.name,
              url: `/services/data/v${version}/sobjects/${table.def.name}/${table.id(row)}`,
            },
          };
          for (const f of fields) record[f.name] = formatValue(f.type, table.get(row, f.name));
          return { status: 200, body: record };
        }
        if (method === 'PATCH') {
          const raw = await readBody(req);
          const record = parseJson(raw) as Record<string, unknown>;
          const { values, errors } = coerceFields(table, record, raw, () => 0, 'request');
          const all = [...errors, ...writeRecord(table, row, values)];
          if (all.length > 0) {
            const first = all[0] as SaveError;
            const status =
              first.statusCode === 'CANNOT_UPDATE_CONVERTED_LEAD'
                ? behaviours.convertedLeadUpdateStatus
                : first.statusCode === 'ENTITY_IS_DELETED'
                  ? 404
                  : 400;
            throw new RequestError(status, first.statusCode, first.message, first.fields);
          }
          applyValues(table, row, values);
          return { status: 204, body: null };
        }
        if (method === 'DELETE') {
          if (table.get(row, 'IsDeleted') === true)
            throw new RequestError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
          table.set(row, 'IsDeleted', true);
          store.touch(table, row);
          return { status: 204, body: null };
        }
        methodNotAllowed(method, 'GET,HEAD,PATCH,DELETE');
      }
    }
    throw new RequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
  };

  return { route, openCursors: () => cursors.size };
}
