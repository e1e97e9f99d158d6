import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  type CrmReader,
  type CrmWriter,
  emptyPage,
  type PulledPage,
  type PullStream,
  RateLimitedError,
  type RecordWrite,
  type WriteField,
  type WriteOutcome,
  type WriteOutcomeBody,
} from '../../src/crm/ports.js';
import type { AttributeValue, EngagementEvent, LeadRecord } from '../../src/crm/vocabulary.js';
import { LeadscoreError } from '../../src/errors.js';
import { type PlannedChange, planChanges } from '../../src/sync/writeback.js';
import { chunk } from '../../src/util/chunk.js';
import { SalesforceApiError, type SalesforceClient } from './client.js';
import { idsPerQuery, PAGE_SIZES } from './limits.js';
import {
  CAMPAIGN_MEMBER_FIELDS,
  type CampaignKindPatterns,
  CONTACT_FIELDS,
  campaignMemberToEvent,
  customFieldName,
  DEFAULT_CAMPAIGN_KINDS,
  EMAIL_MESSAGE_FIELDS,
  EVENT_FIELDS,
  earliestWonByContact,
  emailMessageToEvents,
  eventToEvents,
  KEY_PREFIX,
  LEAD_FIELDS,
  OPPORTUNITY_FIELDS,
  optOutEvent,
  parseSfDateTime,
  rowToRecord,
  SALESFORCE_SOURCE,
  type SalesforceObject,
  soqlDateTime,
  soqlString,
  TASK_FIELDS,
  taskToEvent,
  toSalesforceValues,
  type WhoResolver,
  WRITE_FIELD_TYPES,
} from './mapping.js';
import {
  type CampaignMemberRow,
  type ContactRow,
  campaignMemberRowSchema,
  contactRowSchema,
  convertedLeadRowSchema,
  createResultSchema,
  type DescribeResult,
  deletedRowSchema,
  describeSchema,
  type EmailMessageRow,
  type EventRow,
  emailMessageRowSchema,
  eventRowSchema,
  type LeadRow,
  leadRowSchema,
  type OpportunityRow,
  opportunityRowSchema,
  parseResponse,
  queryResultSchema,
  type SaveResult,
  saveResultsSchema,
  type TaskRow,
  taskRowSchema,
} from './schemas.js';

/**
 * The Salesforce adapter: CrmReader streams and readRecords, CrmWriter ensureFields and write, an access check
 * and the dry-run plan. Every stream walks one SOQL query ordered by (SystemModstamp, Id) (BEHAVIOR 13) with an
 * inclusive lower bound and the Id as tie-breaker; the cursor after each page is saved with it by the pipeline.
 */

export type SalesforceStreamName =
  | 'records'
  | 'deletes'
  | 'tasks'
  | 'events'
  | 'campaign-members'
  | 'email-messages'
  | 'won-opportunities';

export interface SalesforceConnectorOptions {
  client: SalesforceClient;
  object: SalesforceObject;
  /** The fields leadscore writes (writeFieldsFor(...)); names without `__c` become `PascalCase__c`. */
  writeFields: WriteField[];
  logger?: Logger;
  now?: () => number;
  /** Create missing write fields through the Tooling API (default true); false: stop with setup steps. */
  createFields?: boolean;
  /**
   * The permission set (for a profile: its profile-owned permission set) that FieldPermissions grants new fields
   * to. Without it leadscore looks up the integration user's profile permission set.
   */
  permissionSetId?: string;
  campaignKinds?: CampaignKindPatterns;
  /** More record fields to pull (custom fields for fit rules); ones the org lacks are left out. */
  extraFields?: string[];
  disabledStreams?: SalesforceStreamName[];
}

export interface SalesforceConnector {
  reader: CrmReader;
  writer: CrmWriter;
  /** What the integration user cannot read or edit (objects, fields), empty when all is well. */
  checkAccess(): Promise<{ missing: string[] }>;
  planWrites(
    batch: RecordWrite[],
    current?: ReadonlyMap<string, Record<string, AttributeValue>>,
  ): Promise<PlannedChange[]>;
}

/** {systemModstamp, lastId}: the last row handed out; `locator` while a query is still being walked. */
export interface StampCursor {
  systemModstamp: string;
  lastId: string;
  locator?: string;
}

export function parseStampCursor(cursor: string | undefined): StampCursor | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value = JSON.parse(cursor) as Partial<StampCursor>;
    if (
      typeof value.systemModstamp === 'string' &&
      typeof value.lastId === 'string' &&
      !Number.isNaN(Date.parse(value.systemModstamp))
    ) {
      return {
        systemModstamp: value.systemModstamp,
        lastId: value.lastId,
        ...(typeof value.locator === 'string' ? { locator: value.locator } : {}),
      };
    }
  } catch {
    // A cursor that does not parse falls back to a full walk.
  }
  return undefined;
}

/** True when the row sorts after the cursor in (SystemModstamp, Id) order: the inclusive bound's dedupe. */
export function isAfter(stampMs: number, id: string, cursor: StampCursor | undefined): boolean {
  if (!cursor) return true;
  const at = Date.parse(cursor.systemModstamp);
  return stampMs > at || (stampMs === at && id > cursor.lastId);
}

/** Per-record SaveResult statusCodes: a skip is final (the record cannot take the write), a validation error will fail again. */
const SKIP_CODES = new Set(['CANNOT_UPDATE_CONVERTED_LEAD', 'ENTITY_IS_DELETED']);
const FINAL_CODES = new Set([
  'INVALID_FIELD_FOR_INSERT_UPDATE',
  'STRING_TOO_LONG',
  'NUMBER_OUTSIDE_VALID_RANGE',
  'REQUIRED_FIELD_MISSING',
  'INVALID_EMAIL_ADDRESS',
  'MALFORMED_ID',
  'INVALID_FIELD',
  'INVALID_TYPE_ON_FIELD_IN_RECORD',
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'FIELD_INTEGRITY_EXCEPTION',
  'INVALID_CROSS_REFERENCE_KEY',
  'INSUFFICIENT_ACCESS_OR_READONLY',
]);

export function createSalesforceConnector(options: SalesforceConnectorOptions): SalesforceConnector {
  const { client, object, logger } = options;
  const now = options.now ?? Date.now;
  const kinds = options.campaignKinds ?? DEFAULT_CAMPAIGN_KINDS;
  const apiNames = new Map(options.writeFields.map((field) => [field.name, customFieldName(field.name)]));
  const writeTypes = new Map(options.writeFields.map((field) => [field.name, field.type]));
  const aliases = new Map([...apiNames].filter(([name, apiName]) => name !== apiName));
  const disabled = new Set(options.disabledStreams ?? []);

  // --- describe ---------------------------------------------------------------------------------------------

  let described: Promise<DescribeResult> | undefined;
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
  function describeObject(sobject: string = object, fresh = false): Promise<DescribeResult> {
    const load = async () => {
      const endpoint = `GET /sobjects/${sobject}/describe`;
      return parseResponse(
        describeSchema,
        await client.request(endpoint, { method: 'GET', url: `/sobjects/${sobject}/describe` }),
        endpoint,
      );
    };
    if (sobject !== object) return load();
    if (!described || fresh) {
      described = load();
      described.catch(() => {
        described = undefined;
      });
    }
    return described;
  }

  /** The record fields to select: standard ones, plus write-back and extra fields that exist (a missing one fails the query, BEHAVIOR 10). */
  async function recordFields(): Promise<string[]> {
    const base = object === 'Lead' ? LEAD_FIELDS : CONTACT_FIELDS;
    const existing = new Set((await describeObject()).fields.map((field) => field.name.toLowerCase()));
    const optional = [...apiNames.values(), ...(options.extraFields ?? [])].filter((name) =>
      existing.has(name.toLowerCase()),
    );
    return [...new Set([...base, ...optional])];
  }

  // --- query walking ----------------------------------------------------------------------------------------

  async function queryPage<S extends z.ZodType>(
    endpoint: string,
    url: string,
    row: S,
    batchSize: number = PAGE_SIZES.query,
  ) {
    const raw = await client.request(endpoint, {
      method: 'GET',
      url,
      // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm
      headers: { 'Sforce-Query-Options': `batchSize=${batchSize}` },
    });
    return parseResponse(queryResultSchema(row), raw, endpoint);
  }

  interface WalkSpec<S extends z.ZodType> {
    name: string;
    sobject: string;
    fields: readonly string[] | (() => Promise<readonly string[]>);
    where?: string;
    /** queryAll: archived activities (BEHAVIOR 25) and deleted rows (BEHAVIOR 9). */
    scanAll?: boolean;
    row: S;
    toPage(
      rows: z.output<S>[],
    ): Omit<PulledPage, 'cursor' | 'done'> | Promise<Omit<PulledPage, 'cursor' | 'done'>>;
  }

  /**
   * One stream over `SELECT … FROM sobject WHERE SystemModstamp >= :cursor ORDER BY SystemModstamp, Id`, paged by
   * nextRecordsUrl (never built by hand, BEHAVIOR 7). Rows at or before the cursor (the inclusive bound and the
   * seconds the literal drops) are skipped. A stale locator (2 days, BEHAVIOR 8) re-queries from the watermark.
   */
  function walk<S extends z.ZodType>(spec: WalkSpec<S>): PullStream {
    const endpoint = `GET /${spec.scanAll ? 'queryAll' : 'query'} ${spec.sobject}`;
    async function firstPage(cursor: StampCursor | undefined) {
      const conditions = [
        spec.where,
        cursor ? `SystemModstamp >= ${soqlDateTime(Date.parse(cursor.systemModstamp))}` : undefined,
      ].filter(Boolean);
      const fields = typeof spec.fields === 'function' ? await spec.fields() : spec.fields;
      const soql = `SELECT ${fields.join(', ')} FROM ${spec.sobject}${conditions.length > 0 ? ` WHERE ${conditions.map((c) => (conditions.length > 1 ? `(${c})` : c)).join(' AND ')}` : ''} ORDER BY SystemModstamp ASC, Id ASC`;
      // https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query.md (queryAll: resources_queryall.htm)
      return queryPage(
        endpoint,
        `/${spec.scanAll ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`,
        spec.row,
      );
    }
    return {
      name: spec.name,
      async pull(raw) {
        const cursor = parseStampCursor(raw);
        let result: Awaited<ReturnType<typeof firstPage>>;
        if (cursor?.locator) {
          try {
            result = await queryPage(`${endpoint} (next page)`, cursor.locator, spec.row);
          } catch (error) {
            if (!(error instanceof SalesforceApiError && error.errorCode === 'INVALID_QUERY_LOCATOR'))
              throw error;
            logger?.info(
              { stream: spec.name },
              'Salesforce query locator expired; re-querying from the watermark',
            );
            result = await firstPage(cursor);
          }
        } else result = await firstPage(cursor);
        const rows = (result.records as Array<z.output<S> & { Id: string; SystemModstamp: string }>).filter(
          (row) => {
            const stamp = parseSfDateTime(row.SystemModstamp);
            return stamp !== undefined && isAfter(stamp, row.Id, cursor);
          },
        );
        const last = rows.at(-1);
        const next: StampCursor | undefined = last
          ? {
              systemModstamp: new Date(parseSfDateTime(last.SystemModstamp) ?? 0).toISOString(),
              lastId: last.Id,
            }
          : cursor
            ? { systemModstamp: cursor.systemModstamp, lastId: cursor.lastId }
            : undefined;
        const done = result.done || !result.nextRecordsUrl;
        const position = next ?? { systemModstamp: new Date(0).toISOString(), lastId: '' };
        const saved: StampCursor = done ? position : { ...position, locator: result.nextRecordsUrl ?? '' };
        const page = rows.length > 0 ? await spec.toPage(rows) : emptyPage('', done);
        return { ...page, cursor: JSON.stringify(saved), done };
      },
    };
  }

  // --- streams ----------------------------------------------------------------------------------------------

  const recordRow = object === 'Lead' ? leadRowSchema : contactRowSchema;
  /** Converted leads seen by this connector: read-only (BEHAVIOR 18), so their writes are skipped without a call. */
  const converted = new Set<string>();
  function noteConverted(rows: ReadonlyArray<LeadRow | ContactRow>): void {
    for (const row of rows) {
      if ((row as LeadRow).IsConverted === true) converted.add(row.Id);
      else converted.delete(row.Id);
    }
  }
  const plural = object === 'Lead' ? 'leads' : 'contacts';
  /** Engagement cursors are per object: switching Lead <-> Contact must not reuse the other's positions. */
  const singular = object.toLowerCase();

  /** Walks a query to its end (every nextRecordsUrl) and returns all rows. */
  async function queryAllRows<S extends z.ZodType>(endpoint: string, soql: string, row: S) {
    const rows: z.output<S>[] = [];
    let result = await queryPage(endpoint, `/query?q=${encodeURIComponent(soql)}`, row);
    for (;;) {
      rows.push(...(result.records as z.output<S>[]));
      if (result.done || !result.nextRecordsUrl) return rows;
      result = await queryPage(endpoint, result.nextRecordsUrl, row);
    }
  }

  /**
   * Contacts: the earliest won CloseDate per contact, from `Opportunity WHERE IsWon = true AND ContactId IN (...)`
   * (BEHAVIOR 27). `contacts` is a semi-join or an id list; leads need none (ConvertedOpportunity.* on their row).
   */
  async function contactWonDates(contacts: string): Promise<Map<string, number>> {
    if (object !== 'Contact') return new Map();
    const soql = `SELECT ${OPPORTUNITY_FIELDS.join(', ')} FROM Opportunity WHERE IsWon = true AND ContactId IN (${contacts})`;
    return earliestWonByContact(
      await queryAllRows('GET /query Opportunity won by contact', soql, opportunityRowSchema),
    );
  }

  /** One page of records: a page's contacts span a (SystemModstamp) range, so one semi-join finds their won deals. */
  async function toRecordsPage(
    rows: Array<LeadRow | ContactRow>,
  ): Promise<Omit<PulledPage, 'cursor' | 'done'>> {
    noteConverted(rows);
    for (const row of rows) deleted.delete(row.Id);
    const events = rows.map(optOutEvent).filter((event): event is EngagementEvent => event !== undefined);
    let won = new Map<string, number>();
    if (object === 'Contact' && rows.length > 0) {
      const stamps = rows.map((row) => parseSfDateTime(row.SystemModstamp) ?? 0);
      const low = soqlDateTime(Math.min(...stamps));
      // The literal drops milliseconds: the upper bound is the next whole second, exclusive.
      const high = soqlDateTime(Math.max(...stamps) + 1000);
      won = await contactWonDates(
        `SELECT Id FROM Contact WHERE SystemModstamp >= ${low} AND SystemModstamp < ${high}`,
      );
    }
    return {
      records: rows.map((row) => rowToRecord(object, row, aliases, won.get(row.Id))),
      events,
      archived: [],
      merges: [],
    };
  }

  const recordsStream = walk({
    name: plural,
    sobject: object,
    fields: recordFields,
    row: recordRow as z.ZodType<LeadRow | ContactRow>,
    toPage: toRecordsPage,
  });

  /** queryAll IsDeleted = true: plain deletes archive, merge losers (MasterRecordId) fold into the winner (BEHAVIOR 9, 23). */
  /**
   * Ids this run saw deleted or merged away: their activities stay queryable (no cascade in the sandbox; archived
   * in an org), and readRecords would spend a query per page finding nothing for them.
   */
  const deleted = new Set<string>();
  const deletesStream = walk({
    name: `${plural}-deleted`,
    sobject: object,
    fields: ['Id', 'MasterRecordId', 'SystemModstamp'],
    where: 'IsDeleted = true',
    scanAll: true,
    row: deletedRowSchema,
    toPage(rows) {
      const merges = new Map<string, string[]>();
      const archived: string[] = [];
      for (const row of rows) {
        deleted.add(row.Id);
        if (row.MasterRecordId)
          merges.set(row.MasterRecordId, [...(merges.get(row.MasterRecordId) ?? []), row.Id]);
        else archived.push(row.Id);
      }
      return {
        records: [],
        events: [],
        archived,
        merges: [...merges].map(([survivor, merged]) => ({ survivor, merged })),
      };
    },
  });

  /**
   * Leads: a converted lead's Tasks and Events move to its new Contact (BEHAVIOR 18), so activities on contacts are
   * pulled too and mapped back through Lead.ConvertedContactId; contacts no lead converted into are dropped.
   */
  const whoFilter =
    object === 'Lead' ? "Who.Type IN ('Lead', 'Contact')" : `Who.Type = ${soqlString(object)}`;
  const convertedFrom = new Map<string, string | null>();
  async function resolverFor(whoIds: ReadonlyArray<string | null | undefined>): Promise<WhoResolver> {
    if (object !== 'Lead') return object;
    const contactPrefix = KEY_PREFIX.Contact;
    const unknown = [
      ...new Set(
        whoIds.filter((id): id is string => !!id && id.startsWith(contactPrefix) && !convertedFrom.has(id)),
      ),
    ];
    if (unknown.length > 0) {
      const endpoint = 'GET /query Lead by ConvertedContactId';
      const base =
        encodeURIComponent(
          'SELECT Id, ConvertedContactId, SystemModstamp FROM Lead WHERE ConvertedContactId IN ()',
        ).length + 200;
      for (const part of chunk(unknown, idsPerQuery(base))) {
        for (const id of part) convertedFrom.set(id, null);
        const soql = `SELECT Id, ConvertedContactId, SystemModstamp FROM Lead WHERE ConvertedContactId IN (${part.map(soqlString).join(', ')})`;
        let result = await queryPage(
          endpoint,
          `/query?q=${encodeURIComponent(soql)}`,
          convertedLeadRowSchema,
        );
        for (;;) {
          for (const lead of result.records)
            if (lead.ConvertedContactId) convertedFrom.set(lead.ConvertedContactId, lead.Id);
          if (result.done || !result.nextRecordsUrl) break;
          result = await queryPage(endpoint, result.nextRecordsUrl, convertedLeadRowSchema);
        }
      }
    }
    return (whoId) => (whoId.startsWith(KEY_PREFIX.Lead) ? whoId : (convertedFrom.get(whoId) ?? undefined));
  }
  // https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-task.html
  const tasksStream = walk({
    name: `${singular}-tasks`,
    sobject: 'Task',
    fields: TASK_FIELDS,
    where: `IsDeleted = false AND ${whoFilter} AND TaskSubtype IN ('Email', 'ListEmail', 'Call')`,
    scanAll: true,
    row: taskRowSchema,
    toPage: async (rows: TaskRow[]) => {
      const who = await resolverFor(rows.map((row) => row.WhoId));
      return {
        records: [],
        events: rows.map((row) => taskToEvent(who, row)).filter((e): e is EngagementEvent => e !== undefined),
        archived: [],
        merges: [],
      };
    },
  });
  const eventsStream = walk({
    name: `${singular}-events`,
    sobject: 'Event',
    fields: EVENT_FIELDS,
    where: `IsDeleted = false AND ${whoFilter}`,
    scanAll: true,
    row: eventRowSchema,
    toPage: async (rows: EventRow[]) => {
      const who = await resolverFor(rows.map((row) => row.WhoId));
      return {
        records: [],
        events: rows.flatMap((row) => eventToEvents(who, row, now())),
        archived: [],
        merges: [],
      };
    },
  });
  // https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_objects_campaignmember.htm
  const campaignMembersStream = walk({
    name: `${singular}-campaign-members`,
    sobject: 'CampaignMember',
    fields: CAMPAIGN_MEMBER_FIELDS,
    where: `${object === 'Lead' ? 'LeadId' : 'ContactId'} != null AND HasResponded = true`,
    row: campaignMemberRowSchema,
    toPage: (rows: CampaignMemberRow[]) => ({
      records: [],
      events: rows
        .map((row) => campaignMemberToEvent(object, row, kinds))
        .filter((e): e is EngagementEvent => e !== undefined),
      archived: [],
      merges: [],
    }),
  });
  // https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-emailmessage.html
  const emailMessagesStream = walk({
    name: `${singular}-email-messages`,
    sobject: 'EmailMessage',
    fields: EMAIL_MESSAGE_FIELDS,
    where:
      'ActivityId != null AND (FirstOpenedDate != null OR FirstLinkClickedDate != null OR IsBounced = true OR Incoming = true)',
    row: emailMessageRowSchema,
    toPage: async (rows: EmailMessageRow[]) => {
      const who = await resolverFor(rows.map((row) => row.Activity?.WhoId));
      return {
        records: [],
        events: rows.flatMap((row) => emailMessageToEvents(who, row)),
        archived: [],
        merges: [],
      };
    },
  });

  /** SOQL `WHERE Id IN (...)`, chunked so the URI stays under 16 KB (BEHAVIOR 26); deleted ids are left out. */
  async function readRecords(externalIds: string[]): Promise<LeadRecord[]> {
    const ids = [...new Set(externalIds)].filter((id) => /^[A-Za-z0-9]{15,18}$/.test(id) && !deleted.has(id));
    if (ids.length === 0) return [];
    const fields = await recordFields();
    const baseBytes =
      encodeURIComponent(`SELECT ${fields.join(', ')} FROM ${object} WHERE Id IN ()`).length + 200;
    const out: LeadRecord[] = [];
    const endpoint = `GET /query ${object} by id`;
    for (const part of chunk(ids, idsPerQuery(baseBytes))) {
      const soql = `SELECT ${fields.join(', ')} FROM ${object} WHERE Id IN (${part.map(soqlString).join(', ')})`;
      const rows = (await queryAllRows(endpoint, soql, recordRow)) as Array<LeadRow | ContactRow>;
      noteConverted(rows);
      const won = await contactWonDates(part.map(soqlString).join(', '));
      out.push(...rows.map((row) => rowToRecord(object, row, aliases, won.get(row.Id))));
    }
    return out;
  }

  /**
   * Won opportunities since the cursor: an opportunity that is won later does not move its lead's or contact's
   * SystemModstamp, so its records are read again here with the label (BEHAVIOR 27). `IsWon = true` only: a
   * re-opened deal keeps its label until the record itself changes.
   * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunity.htm
   */
  const wonOpportunitiesStream = walk({
    name: `${singular}-won-opportunities`,
    sobject: 'Opportunity',
    fields: OPPORTUNITY_FIELDS,
    where: object === 'Contact' ? 'IsWon = true AND ContactId != null' : 'IsWon = true',
    row: opportunityRowSchema,
    toPage: async (rows: OpportunityRow[]) => {
      let records: LeadRecord[];
      if (object === 'Contact') {
        records = await readRecords(rows.map((row) => row.ContactId).filter((id): id is string => !!id));
      } else {
        const fields = await recordFields();
        const base = encodeURIComponent(
          `SELECT ${fields.join(', ')} FROM Lead WHERE ConvertedOpportunityId IN ()`,
        ).length;
        records = [];
        for (const part of chunk(
          rows.map((row) => row.Id),
          idsPerQuery(base + 200),
        )) {
          const soql = `SELECT ${fields.join(', ')} FROM Lead WHERE ConvertedOpportunityId IN (${part.map(soqlString).join(', ')})`;
          const leads = (await queryAllRows(
            'GET /query Lead by ConvertedOpportunityId',
            soql,
            recordRow,
          )) as Array<LeadRow | ContactRow>;
          noteConverted(leads);
          records.push(...leads.map((row) => rowToRecord(object, row, aliases)));
        }
      }
      return { records, events: [], archived: [], merges: [] };
    },
  });

  const allStreams: Array<[SalesforceStreamName, PullStream]> = [
    ['records', recordsStream],
    ['deletes', deletesStream],
    ['won-opportunities', wonOpportunitiesStream],
    ['tasks', tasksStream],
    ['events', eventsStream],
    ['campaign-members', campaignMembersStream],
    ['email-messages', emailMessagesStream],
  ];

  const reader: CrmReader = {
    source: SALESFORCE_SOURCE,
    streams: () => allStreams.filter(([name]) => !disabled.has(name)).map(([, stream]) => stream),
    readRecords,
  };

  // --- write fields ------------------------------------------------------------------------------------------

  function setupSteps(fields: WriteField[], reason: string): string {
    const lines = fields.map((field) => {
      const type = WRITE_FIELD_TYPES[field.type];
      return `  - ${object}.${apiNames.get(field.name)} ("${field.label}"): ${type.setup}`;
    });
    return [
      `Salesforce: ${reason}. In Setup > Object Manager > ${object} > Fields & Relationships, create:`,
      ...lines,
      `then grant the integration user's profile or permission set Read and Edit on each (Field-Level Security).`,
    ].join('\n');
  }

  async function permissionSetId(): Promise<string> {
    if (options.permissionSetId) return options.permissionSetId;
    // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_permissionset.htm
    const identity = client.conn.userInfo?.id;
    const soql = identity
      ? `SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true AND ProfileId IN (SELECT ProfileId FROM User WHERE Id = ${soqlString(identity)})`
      : 'SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true LIMIT 1';
    const raw = await client.request('GET /query PermissionSet', {
      method: 'GET',
      url: `/query?q=${encodeURIComponent(soql)}`,
    });
    const id = (raw as { records?: Array<{ Id?: string }> }).records?.[0]?.Id;
    if (!id) throw new Error('no profile permission set found for the integration user');
    return id;
  }

  /**
   * Verifies the write fields with describe; creates missing ones through the Tooling API CustomField and grants
   * FLS through FieldPermissions (BEHAVIOR 17); an existing field of another type stops with ERR_CRM_FIELD_CONFLICT.
   */
  async function ensureFields(fields: WriteField[]): Promise<{ created: string[]; existing: string[] }> {
    const byName = new Map(
      (await describeObject(object, true)).fields.map((field) => [field.name.toLowerCase(), field]),
    );
    const existing: string[] = [];
    const missing: WriteField[] = [];
    for (const field of fields) {
      if (!apiNames.has(field.name)) {
        apiNames.set(field.name, customFieldName(field.name));
        writeTypes.set(field.name, field.type);
      }
      const apiName = apiNames.get(field.name) ?? field.name;
      const found = byName.get(apiName.toLowerCase());
      if (!found) {
        missing.push(field);
        continue;
      }
      const spec = WRITE_FIELD_TYPES[field.type];
      if (!spec.compatible.includes(found.type)) {
        throw new LeadscoreError(
          'ERR_CRM_FIELD_CONFLICT',
          `Salesforce field ${object}.${found.name} exists with type ${found.type}; leadscore writes ${field.type} (${spec.setup}) and will not change it`,
        );
      }
      if (found.updateable === false) {
        throw new LeadscoreError(
          'ERR_CRM_FIELD_MISSING',
          setupSteps([field], `${object}.${found.name} is read-only for the integration user`),
        );
      }
      existing.push(apiName);
    }
    if (missing.length === 0) return { created: [], existing };
    if (options.createFields === false) {
      throw new LeadscoreError(
        'ERR_CRM_FIELD_MISSING',
        setupSteps(missing, 'these fields are missing and creating them is turned off'),
      );
    }
    const created: string[] = [];
    try {
      const parent = await permissionSetId();
      for (const field of missing) {
        const apiName = apiNames.get(field.name) ?? field.name;
        const fullName = `${object}.${apiName}`;
        // https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_customfield.htm
        const endpoint = 'POST /tooling/sobjects/CustomField';
        parseResponse(
          createResultSchema,
          await client.request(endpoint, {
            method: 'POST',
            url: '/tooling/sobjects/CustomField',
            body: {
              FullName: fullName,
              Metadata: {
                label: field.label,
                description: field.description,
                ...WRITE_FIELD_TYPES[field.type].metadata,
              },
            },
          }),
          endpoint,
        );
        // A new field is invisible until FLS grants it, even to admins (BEHAVIOR 17).
        // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_fieldpermissions.htm
        const fls = 'POST /sobjects/FieldPermissions';
        parseResponse(
          createResultSchema,
          await client.request(fls, {
            method: 'POST',
            url: '/sobjects/FieldPermissions',
            body: {
              Field: fullName,
              SobjectType: object,
              PermissionsRead: true,
              PermissionsEdit: true,
              ParentId: parent,
            },
          }),
          fls,
        );
        created.push(apiName);
        logger?.info({ field: fullName, type: field.type }, 'created Salesforce custom field');
      }
    } catch (error) {
      if (error instanceof SalesforceApiError && error.code === 'ERR_CRM_RATE_LIMITED') throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new LeadscoreError(
        'ERR_CRM_FIELD_MISSING',
        setupSteps(
          missing.filter((f) => !created.includes(apiNames.get(f.name) ?? '')),
          `leadscore could not create the fields (${message})`,
        ),
        {
          cause: error,
        },
      );
    }
    const after = new Set(
      (await describeObject(object, true)).fields.map((field) => field.name.toLowerCase()),
    );
    const invisible = missing.filter((field) => !after.has((apiNames.get(field.name) ?? '').toLowerCase()));
    if (invisible.length > 0) {
      throw new LeadscoreError(
        'ERR_CRM_FIELD_MISSING',
        setupSteps(invisible, 'the fields were created but field-level security still hides them'),
      );
    }
    return { created, existing };
  }

  // --- write ------------------------------------------------------------------------------------------------

  function outcomeOf(result: SaveResult | undefined): WriteOutcomeBody {
    if (!result)
      return { outcome: 'failed', retryable: true, message: 'Salesforce returned no result for this record' };
    if (result.success) return { outcome: 'written' };
    const first = result.errors[0];
    const message = first
      ? `${first.statusCode}: ${first.message}`
      : 'Salesforce reported a failure without an error';
    if (first && SKIP_CODES.has(first.statusCode)) return { outcome: 'skipped', message };
    return { outcome: 'failed', retryable: !(first && FINAL_CODES.has(first.statusCode)), message };
  }

  /**
   * PATCH /composite/sobjects with allOrNone false, at most 200 records (BEHAVIOR 14); one SaveResult per record,
   * in order (BEHAVIOR 15). Collections updates are idempotent, so a 5xx may be retried (jsforce never retries PATCH).
   * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm
   */
  async function sendBatch(inputs: RecordWrite[]): Promise<WriteOutcome[]> {
    const byId = new Map<string, { values: RecordWrite['values']; outboxIds: number[] }>();
    for (const write of inputs) {
      const entry = byId.get(write.externalId) ?? { values: {}, outboxIds: [] };
      entry.values = { ...entry.values, ...write.values };
      entry.outboxIds.push(write.outboxId);
      byId.set(write.externalId, entry);
    }
    const entries = [...byId.entries()];
    const endpoint = 'PATCH /composite/sobjects';
    let raw: unknown;
    try {
      raw = await client.request(endpoint, {
        method: 'PATCH',
        url: '/composite/sobjects',
        body: {
          allOrNone: false,
          records: entries.map(([id, entry]) => ({
            attributes: { type: object },
            id,
            ...toSalesforceValues(entry.values, writeTypes, apiNames),
          })),
        },
      });
    } catch (error) {
      if (error instanceof SalesforceApiError && error.code === 'ERR_CRM_RATE_LIMITED') {
        throw new RateLimitedError(error.message, error.retryAt ?? now() + 3_600_000);
      }
      if (error instanceof SalesforceApiError && error.code === 'ERR_CRM_FIELD_MISSING') {
        throw new LeadscoreError('ERR_CRM_FIELD_MISSING', setupSteps(options.writeFields, error.message), {
          cause: error,
        });
      }
      throw error;
    }
    const results = parseResponse(saveResultsSchema, raw, endpoint);
    const outcomes: WriteOutcome[] = [];
    entries.forEach(([, entry], index) => {
      const body = outcomeOf(results[index]);
      for (const outboxId of entry.outboxIds) outcomes.push({ outboxId, ...body } as WriteOutcome);
    });
    return outcomes;
  }

  async function write(batch: RecordWrite[]): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = [];
    const sendable: RecordWrite[] = [];
    for (const write of batch) {
      if (converted.has(write.externalId)) {
        outcomes.push({
          outboxId: write.outboxId,
          outcome: 'skipped',
          message: 'CANNOT_UPDATE_CONVERTED_LEAD: the lead is converted (read-only)',
        });
      } else sendable.push(write);
    }
    for (const part of chunk(sendable, PAGE_SIZES.collection)) outcomes.push(...(await sendBatch(part)));
    return outcomes;
  }

  const writer: CrmWriter = {
    target: SALESFORCE_SOURCE,
    maxBatchSize: PAGE_SIZES.collection,
    ensureFields,
    write,
  };

  // --- access and dry run ---------------------------------------------------------------------------------

  /**
   * What the integration user lacks, each entry naming the object or field and the permission: describe is
   * trimmed to the user's access (a field without Read is absent, one without Edit is `updateable: false`, an
   * object without Read is not found), so one describe per object tells all (BEHAVIOR 28).
   * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/obj_ref_data_access.htm
   */
  async function checkAccess(): Promise<{ missing: string[] }> {
    const missing: string[] = [];
    const plain = (fields: readonly string[]) => fields.filter((field) => !field.includes('.'));
    const needs: Array<[string, readonly string[]]> = [
      [object, plain(object === 'Lead' ? LEAD_FIELDS : CONTACT_FIELDS)],
      ...(object === 'Contact'
        ? ([['Account', ['Name', 'Industry', 'NumberOfEmployees']]] as Array<[string, readonly string[]]>)
        : []),
      ['Opportunity', OPPORTUNITY_FIELDS],
      ['Task', TASK_FIELDS],
      ['Event', EVENT_FIELDS],
      ['CampaignMember', plain(CAMPAIGN_MEMBER_FIELDS)],
      ['EmailMessage', plain(EMAIL_MESSAGE_FIELDS)],
    ];
    for (const [sobject, fields] of needs) {
      let result: DescribeResult;
      try {
        result = await describeObject(sobject, sobject === object);
      } catch (error) {
        // An object the user cannot read answers describe with 404 NOT_FOUND, as if it did not exist. An auth
        // failure (bad or revoked token) is not a missing permission: it propagates with its own message.
        if (error instanceof SalesforceApiError && error.errorCode === 'NOT_FOUND') {
          missing.push(`${sobject} (Read: object permission)`);
          continue;
        }
        throw error;
      }
      const byName = new Map(result.fields.map((field) => [field.name.toLowerCase(), field]));
      for (const field of fields)
        if (!byName.has(field.toLowerCase()))
          missing.push(`${sobject}.${field} (Read: field-level security)`);
      if (sobject !== object) continue;
      if (result.updateable === false) missing.push(`${sobject} (Edit: object permission)`);
      // Write fields that do not exist yet are created on the first sync; existing ones must be editable.
      for (const apiName of apiNames.values()) {
        if (byName.get(apiName.toLowerCase())?.updateable === false)
          missing.push(`${sobject}.${apiName} (Edit: field-level security)`);
      }
    }
    return { missing };
  }

  async function planWrites(
    batch: RecordWrite[],
    current?: ReadonlyMap<string, Record<string, AttributeValue>>,
  ): Promise<PlannedChange[]> {
    let known = current;
    if (!known) {
      const map = new Map<string, Record<string, AttributeValue>>();
      for (const record of await readRecords(batch.map((write) => write.externalId)))
        map.set(record.externalId, record.properties);
      known = map;
    }
    return planChanges(batch, known, (values) => toSalesforceValues(values, writeTypes, apiNames));
  }

  return { reader, writer, checkAccess, planWrites };
}
