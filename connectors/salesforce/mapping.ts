import type { WriteField, WriteValue } from '../../src/crm/ports.js';
import {
  type AttributeValue,
  type EngagementEvent,
  type EventType,
  type LeadRecord,
  WON_DEAL_AT_PROPERTY,
} from '../../src/crm/vocabulary.js';
import type {
  CampaignMemberRow,
  ContactRow,
  EmailMessageRow,
  EventRow,
  LeadRow,
  TaskRow,
} from './schemas.js';

/**
 * Pure mapping between Salesforce rows and the core model; the only module that knows `FirstName` or
 * `TaskSubtype`. Shared by the pull streams, readRecords and the write-back.
 */

export const SALESFORCE_SOURCE = 'salesforce';
export type SalesforceObject = 'Lead' | 'Contact';

/** Standard key prefixes of the two record objects (WhoId is polymorphic). */
export const KEY_PREFIX: Readonly<Record<SalesforceObject, string>> = { Lead: '00Q', Contact: '003' };

// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm
export const LEAD_FIELDS: readonly string[] = [
  'Id',
  'IsDeleted',
  'MasterRecordId',
  'CreatedDate',
  'LastModifiedDate',
  'SystemModstamp',
  'Email',
  'FirstName',
  'LastName',
  'Company',
  'Industry',
  'Title',
  'NumberOfEmployees',
  'Country',
  'OwnerId',
  'Status',
  'LeadSource',
  'Rating',
  'AnnualRevenue',
  'HasOptedOutOfEmail',
  'IsConverted',
  'ConvertedDate',
  'ConvertedAccountId',
  'ConvertedContactId',
  'ConvertedOpportunityId',
  // The won-deal label rides on the lead's own query through the parent relationship (BEHAVIOR 27).
  'ConvertedOpportunity.IsWon',
  'ConvertedOpportunity.CloseDate',
  'LastActivityDate',
  'EmailBouncedDate',
];

/** Contacts carry no firmographics: they come from the Account (BEHAVIOR 24). */
export const CONTACT_FIELDS: readonly string[] = [
  'Id',
  'IsDeleted',
  'MasterRecordId',
  'CreatedDate',
  'LastModifiedDate',
  'SystemModstamp',
  'Email',
  'FirstName',
  'LastName',
  'Title',
  'Department',
  'MailingCountry',
  'OwnerId',
  'LeadSource',
  'HasOptedOutOfEmail',
  'AccountId',
  'Account.Name',
  'Account.Industry',
  'Account.NumberOfEmployees',
  'LastActivityDate',
  'EmailBouncedDate',
];

/**
 * Won opportunities: Opportunity.ContactId is the primary contact (API 46.0+, filterable, not updateable);
 * a lead links through Lead.ConvertedOpportunityId (BEHAVIOR 27).
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunity.htm
 */
export const OPPORTUNITY_FIELDS = ['Id', 'ContactId', 'CloseDate', 'IsWon', 'SystemModstamp'] as const;

/** Earliest won CloseDate (epoch ms, UTC midnight) per record id, from won Opportunity rows. */
export function earliestWonByContact(
  rows: ReadonlyArray<{ ContactId?: string | null; CloseDate?: string | null; IsWon?: boolean | null }>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) {
    if (row.IsWon === false || !row.ContactId) continue;
    const at = parseSfDateTime(row.CloseDate);
    if (at === undefined) continue;
    const before = out.get(row.ContactId);
    if (before === undefined || at < before) out.set(row.ContactId, at);
  }
  return out;
}

export const TASK_FIELDS = [
  'Id',
  'IsDeleted',
  'CreatedDate',
  'SystemModstamp',
  'WhoId',
  'Subject',
  'TaskSubtype',
  'ActivityDate',
  'CompletedDateTime',
  'Status',
  'CallDurationInSeconds',
  'CallDisposition',
  'CallType',
] as const;
export const EVENT_FIELDS = [
  'Id',
  'IsDeleted',
  'CreatedDate',
  'SystemModstamp',
  'WhoId',
  'Subject',
  'StartDateTime',
  'EndDateTime',
  'DurationInMinutes',
] as const;
export const CAMPAIGN_MEMBER_FIELDS = [
  'Id',
  'IsDeleted',
  'CreatedDate',
  'SystemModstamp',
  'CampaignId',
  'LeadId',
  'ContactId',
  'Status',
  'HasResponded',
  'FirstRespondedDate',
  'Campaign.Name',
  'Campaign.Type',
] as const;
/** No WhoId on EmailMessage: join through ActivityId to the Task's WhoId (BEHAVIOR 22). */
export const EMAIL_MESSAGE_FIELDS = [
  'Id',
  'IsDeleted',
  'CreatedDate',
  'SystemModstamp',
  'ActivityId',
  'Activity.WhoId',
  'Subject',
  'MessageDate',
  'Incoming',
  'IsBounced',
  'FirstOpenedDate',
  'LastOpenedDate',
  'FirstLinkClickedDate',
] as const;

/** SOQL results write `2026-01-01T00:00:00.000+0000`: an offset without a colon (BEHAVIOR 11). */
export function parseSfDateTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const normalised = value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const dateOnly = /^\d{4}-\d\d-\d\d$/.test(normalised) ? `${normalised}T00:00:00Z` : normalised;
  const ms = Date.parse(dateOnly);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A SOQL datetime literal: unquoted ISO-8601 in UTC, whole seconds (BEHAVIOR 11). */
export function soqlDateTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A quoted SOQL string literal. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The Salesforce API name of a leadscore write field: names ending in __c are used as given. */
export function customFieldName(name: string): string {
  if (/__c$/i.test(name)) return name;
  const pascal = name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return `${pascal}__c`;
}

/** How each WriteField type is created (Tooling API CustomField Metadata) and which describe types are compatible. */
export const WRITE_FIELD_TYPES: Readonly<
  Record<
    WriteField['type'],
    { metadata: Record<string, unknown>; compatible: readonly string[]; setup: string }
  >
> = {
  number: {
    metadata: { type: 'Number', precision: 10, scale: 2 },
    compatible: ['double', 'int', 'percent', 'currency'],
    setup: 'Number(8, 2)',
  },
  string: {
    metadata: { type: 'Text', length: 255 },
    compatible: ['string', 'picklist', 'textarea'],
    setup: 'Text(255)',
  },
  text: {
    metadata: { type: 'LongTextArea', length: 32_768, visibleLines: 5 },
    compatible: ['textarea', 'string'],
    setup: 'Text Area (Long)(32768)',
  },
  datetime: { metadata: { type: 'DateTime' }, compatible: ['datetime'], setup: 'Date/Time' },
};

function flatten(row: Record<string, unknown>, prefix = '', out: Record<string, AttributeValue> = {}) {
  for (const [key, value] of Object.entries(row)) {
    if (key === 'attributes') continue;
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      flatten(value as Record<string, unknown>, name, out);
    else if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
      out[name] = value as AttributeValue;
  }
  return out;
}

const VOCABULARY_SOURCES = new Set([
  'Id',
  'Email',
  'FirstName',
  'LastName',
  'Company',
  'Industry',
  'Title',
  'NumberOfEmployees',
  'Country',
  'OwnerId',
  'Status',
  'CreatedDate',
  'SystemModstamp',
  'Account.Name',
  'Account.Industry',
  'Account.NumberOfEmployees',
  'MailingCountry',
]);

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * A Lead or Contact row -> LeadRecord. Vocabulary fields per docs/vocabulary.md; every other pulled field lands
 * in `properties` by its API name (write-back fields too, under `aliases` names as well, so a human overwrite is
 * seen). Converted leads keep their conversion fields in properties.
 */
export function rowToRecord(
  object: SalesforceObject,
  row: LeadRow | ContactRow,
  aliases: ReadonlyMap<string, string> = new Map(),
  /** Contacts: the earliest won CloseDate found by the connector's Opportunity lookup. */
  contactWonAt?: number,
): LeadRecord {
  const flat = flatten(row as Record<string, unknown>);
  // Leads: the converted opportunity's IsWon/CloseDate become the one label property, not raw relationship paths.
  const wonAt =
    object === 'Lead'
      ? flat['ConvertedOpportunity.IsWon'] === true
        ? parseSfDateTime(flat['ConvertedOpportunity.CloseDate'])
        : undefined
      : contactWonAt;
  for (const name of Object.keys(flat)) if (name.startsWith('ConvertedOpportunity.')) delete flat[name];
  if (flat.ConvertedOpportunity === null) delete flat.ConvertedOpportunity;
  const notes: string[] = [];
  const record: LeadRecord = { source: SALESFORCE_SOURCE, externalId: row.Id, properties: {} };
  const put = <K extends keyof LeadRecord>(key: K, value: LeadRecord[K] | undefined) => {
    if (value !== undefined) record[key] = value;
  };
  const email = text(flat.Email);
  if (email !== undefined) {
    if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) put('email', email.toLowerCase());
    else notes.push(`email: ${JSON.stringify(email)} is not an email address`);
  }
  put('firstName', text(flat.FirstName));
  put('lastName', text(flat.LastName));
  put('title', text(flat.Title));
  put('ownerId', text(flat.OwnerId));
  const contact = object === 'Contact';
  put('company', text(contact ? flat['Account.Name'] : flat.Company));
  put('industry', text(contact ? flat['Account.Industry'] : flat.Industry));
  put('country', text(contact ? flat.MailingCountry : flat.Country));
  if (!contact) put('lifecycleStage', text(flat.Status));
  const size = contact ? flat['Account.NumberOfEmployees'] : flat.NumberOfEmployees;
  if (size !== null && size !== undefined && size !== '') {
    const n = typeof size === 'number' ? size : Number(size);
    if (Number.isFinite(n) && n >= 0) put('companySize', n);
    else notes.push(`companySize: ${JSON.stringify(size)} is not a number`);
  }
  for (const [field, key] of [
    ['CreatedDate', 'createdAt'],
    ['SystemModstamp', 'updatedAt'],
  ] as const) {
    const raw = flat[field];
    if (raw === null || raw === undefined) continue;
    const ms = parseSfDateTime(raw);
    if (ms === undefined) notes.push(`${key}: ${JSON.stringify(raw)} is not a date-time`);
    else put(key, ms);
  }
  for (const [name, value] of Object.entries(flat)) {
    if (!VOCABULARY_SOURCES.has(name) || name === 'Status') record.properties[name] = value;
  }
  for (const [alias, apiName] of aliases)
    if (apiName in flat && alias !== apiName) record.properties[alias] = flat[apiName] ?? null;
  // Every read here knows the whole truth: null clears a stored label (sticky in the pull path, src/sync/echo.ts).
  record.properties[WON_DEAL_AT_PROPERTY] = wonAt ?? null;
  if (notes.length > 0) record.dataQuality = notes;
  return record;
}

/** HasOptedOutOfEmail -> one unsubscribe event per record (stable id: it is recorded once, when first seen). */
export function optOutEvent(row: LeadRow | ContactRow): EngagementEvent | undefined {
  if (row.HasOptedOutOfEmail !== true) return undefined;
  const at = parseSfDateTime(row.SystemModstamp);
  if (at === undefined) return undefined;
  return {
    source: SALESFORCE_SOURCE,
    sourceId: `${row.Id}:unsubscribe`,
    recordExternalId: row.Id,
    type: 'unsubscribe',
    occurredAt: at,
    attributes: {},
  };
}

/**
 * Who an activity belongs to: the chosen object by key prefix, or a resolver (a converted lead's activities move
 * to its contact, BEHAVIOR 18, and the adapter maps them back through ConvertedContactId).
 */
export type WhoResolver = SalesforceObject | ((whoId: string) => string | undefined);

/** The record a WhoId names, if it is of the chosen object (or the resolver knows it). */
export function whoOf(who: WhoResolver, whoId: string | null | undefined): string | undefined {
  if (!whoId) return undefined;
  if (typeof who === 'function') return who(whoId);
  return whoId.startsWith(KEY_PREFIX[who]) ? whoId : undefined;
}

const REPLY_SUBJECT = /^\s*(re|aw|sv|antw)\s*:/i;

/**
 * Task -> event by TaskSubtype: Email -> email_sent (email_reply when the subject reads as a reply: the Task has
 * no direction, its EmailMessage's `Incoming` has), ListEmail -> email_sent, Call -> call. Plain tasks and
 * cadence steps are not engagement.
 */
export function taskToEvent(object: WhoResolver, row: TaskRow): EngagementEvent | undefined {
  const who = whoOf(object, row.WhoId);
  if (!who || row.IsDeleted) return undefined;
  const at =
    parseSfDateTime(row.CompletedDateTime) ??
    parseSfDateTime(row.ActivityDate) ??
    parseSfDateTime(row.CreatedDate);
  if (at === undefined) return undefined;
  const attributes: Record<string, AttributeValue> = {};
  if (row.Subject) attributes.subject = row.Subject;
  let type: EventType;
  switch (row.TaskSubtype) {
    case 'Email':
      type = row.Subject && REPLY_SUBJECT.test(row.Subject) ? 'email_reply' : 'email_sent';
      break;
    case 'ListEmail':
      type = 'email_sent';
      attributes.listEmail = true;
      break;
    case 'Call':
      type = 'call';
      if (typeof row.CallDurationInSeconds === 'number')
        attributes.durationSeconds = row.CallDurationInSeconds;
      if (row.CallDisposition) attributes.outcome = row.CallDisposition;
      if (row.CallType) attributes.callType = row.CallType;
      break;
    default:
      return undefined;
  }
  return {
    source: SALESFORCE_SOURCE,
    sourceId: row.Id,
    recordExternalId: who,
    type,
    occurredAt: at,
    attributes,
  };
}

/** Event -> meeting_booked (when created) and, once StartDateTime has passed, meeting_held. */
export function eventToEvents(object: WhoResolver, row: EventRow, now: number): EngagementEvent[] {
  const who = whoOf(object, row.WhoId);
  if (!who || row.IsDeleted) return [];
  const start = parseSfDateTime(row.StartDateTime);
  const created = parseSfDateTime(row.CreatedDate) ?? start;
  const out: EngagementEvent[] = [];
  const attributes: Record<string, AttributeValue> = {};
  if (row.Subject) attributes.subject = row.Subject;
  if (created !== undefined) {
    out.push({
      source: SALESFORCE_SOURCE,
      sourceId: `${row.Id}:booked`,
      recordExternalId: who,
      type: 'meeting_booked',
      occurredAt: Math.min(created, start ?? created),
      attributes: { ...attributes },
    });
  }
  if (start !== undefined && start <= now) {
    const held: Record<string, AttributeValue> = { ...attributes };
    if (typeof row.DurationInMinutes === 'number') held.durationSeconds = row.DurationInMinutes * 60;
    out.push({
      source: SALESFORCE_SOURCE,
      sourceId: `${row.Id}:held`,
      recordExternalId: who,
      type: 'meeting_held',
      occurredAt: start,
      attributes: held,
    });
  }
  return out;
}

/** Campaign name/type patterns that make a campaign response a demo request or a content download. */
export interface CampaignKindPatterns {
  demo: RegExp;
  content: RegExp;
}
export const DEFAULT_CAMPAIGN_KINDS: CampaignKindPatterns = {
  demo: /\bdemo\b/i,
  content: /\b(content|download|whitepaper|white paper|e-?book|report|playbook|guide)\b/i,
};

/**
 * A responded CampaignMember -> form_submission, or content_download / demo_request by the campaign's name or
 * type. Sends that were not responded to are not engagement (the Task or EmailMessage records those).
 */
export function campaignMemberToEvent(
  object: SalesforceObject,
  row: CampaignMemberRow,
  kinds: CampaignKindPatterns = DEFAULT_CAMPAIGN_KINDS,
): EngagementEvent | undefined {
  const who = object === 'Lead' ? row.LeadId : row.ContactId;
  if (!who || row.IsDeleted || row.HasResponded !== true) return undefined;
  const at = parseSfDateTime(row.FirstRespondedDate) ?? parseSfDateTime(row.CreatedDate);
  if (at === undefined) return undefined;
  const name = row.Campaign?.Name ?? '';
  const label = `${name} ${row.Campaign?.Type ?? ''}`;
  const type: EventType = kinds.demo.test(label)
    ? 'demo_request'
    : kinds.content.test(label)
      ? 'content_download'
      : 'form_submission';
  const attributes: Record<string, AttributeValue> = { campaignId: row.CampaignId, formId: row.CampaignId };
  if (name) attributes.campaignName = name;
  if (row.Campaign?.Type) attributes.campaignType = row.Campaign.Type;
  if (row.Status) attributes.outcome = row.Status;
  if (type === 'content_download') attributes.contentId = row.CampaignId;
  return {
    source: SALESFORCE_SOURCE,
    sourceId: row.Id,
    recordExternalId: who,
    type,
    occurredAt: at,
    attributes,
  };
}

/**
 * EmailMessage tracking -> email_open (FirstOpenedDate, and LastOpenedDate when later: ids carry the time so each
 * new last-open seen is one more open), email_click (FirstLinkClickedDate), email_bounce (IsBounced). The record
 * comes from the linked Task's WhoId.
 */
export function emailMessageToEvents(object: WhoResolver, row: EmailMessageRow): EngagementEvent[] {
  const who = whoOf(object, row.Activity?.WhoId);
  if (!who || row.IsDeleted) return [];
  const base = { source: SALESFORCE_SOURCE, recordExternalId: who };
  const attributes: Record<string, AttributeValue> = {};
  if (row.Subject) attributes.subject = row.Subject;
  if (row.ActivityId) attributes.activityId = row.ActivityId;
  const out: EngagementEvent[] = [];
  const first = parseSfDateTime(row.FirstOpenedDate);
  const last = parseSfDateTime(row.LastOpenedDate);
  if (first !== undefined)
    out.push({
      ...base,
      sourceId: `${row.Id}:open:${first}`,
      type: 'email_open',
      occurredAt: first,
      attributes: { ...attributes },
    });
  if (last !== undefined && last !== first)
    out.push({
      ...base,
      sourceId: `${row.Id}:open:${last}`,
      type: 'email_open',
      occurredAt: last,
      attributes: { ...attributes },
    });
  const click = parseSfDateTime(row.FirstLinkClickedDate);
  if (click !== undefined)
    out.push({
      ...base,
      sourceId: `${row.Id}:click`,
      type: 'email_click',
      occurredAt: click,
      attributes: { ...attributes },
    });
  const sent = parseSfDateTime(row.MessageDate) ?? parseSfDateTime(row.CreatedDate);
  if (row.IsBounced === true && sent !== undefined)
    out.push({
      ...base,
      sourceId: `${row.Id}:bounce`,
      type: 'email_bounce',
      occurredAt: sent,
      attributes: { ...attributes },
    });
  if (row.Incoming === true && sent !== undefined)
    out.push({
      ...base,
      sourceId: `${row.Id}:reply`,
      type: 'email_reply',
      occurredAt: sent,
      attributes: { ...attributes },
    });
  return out;
}

/**
 * leadscore values -> Salesforce JSON by field type: numbers as numbers (a string in a number field fails the
 * whole request, BEHAVIOR 16), datetimes as ISO strings, '' as null.
 */
export function toSalesforceValues(
  values: Record<string, WriteValue>,
  types: ReadonlyMap<string, WriteField['type']>,
  names: ReadonlyMap<string, string>,
): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (const [name, value] of Object.entries(values)) {
    const apiName = names.get(name) ?? name;
    const type = types.get(name);
    if (value === null || value === '') out[apiName] = null;
    else if (type === 'number') {
      const n = typeof value === 'number' ? value : Number(value);
      out[apiName] = Number.isFinite(n) ? n : null;
    } else if (type === 'datetime') {
      const ms = typeof value === 'number' ? value : Date.parse(value);
      out[apiName] = Number.isNaN(ms) ? null : new Date(ms).toISOString();
    } else out[apiName] = String(value);
  }
  return out;
}
