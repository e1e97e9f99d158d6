import type { RecordWrite, WriteField, WriteValue } from '../../src/crm/ports.js';
import type {
  AttributeValue,
  EngagementEvent,
  EventType,
  LeadRecord,
  RecordField,
} from '../../src/crm/vocabulary.js';
import type { CrmObject, EmailEvent, FormSubmission, SubscriptionStatus, WebEvent } from './schemas.js';

/**
 * Pure mapping between HubSpot's shapes and the core model; the only module that knows HubSpot property names.
 * docs/vocabulary.md lists the property behind each field.
 */

export const HUBSPOT_SOURCE = 'hubspot';

/** Vocabulary field -> contact property. companySize and the times are parsed; the rest are text. */
export const RECORD_PROPERTY: Readonly<
  Record<Exclude<RecordField, 'companySize' | 'createdAt' | 'updatedAt'>, string>
> = {
  email: 'email',
  firstName: 'firstname',
  lastName: 'lastname',
  company: 'company',
  industry: 'industry',
  title: 'jobtitle',
  country: 'country',
  ownerId: 'hubspot_owner_id',
  lifecycleStage: 'lifecyclestage',
};
export const COMPANY_SIZE_PROPERTY = 'numemployees';
/** An exact head count some portals keep beside the `numemployees` ranges; used when the range is missing. */
export const COMPANY_SIZE_FALLBACK_PROPERTY = 'company_size';
export const CREATED_PROPERTY = 'createdate';
/** Contacts use `lastmodifieddate`; every other object uses `hs_lastmodifieddate`. */
export const CONTACT_MODIFIED_PROPERTY = 'lastmodifieddate';
export const ENGAGEMENT_MODIFIED_PROPERTY = 'hs_lastmodifieddate';
// https://knowledge.hubspot.com/records/merge-records ("Merged [record] IDs"; semicolon-delimited, observed)
export const MERGED_IDS_PROPERTY = 'hs_merged_object_ids';
export const OPTOUT_PROPERTY = 'hs_email_optout';

/** Properties pulled for every contact, besides the write-back fields. The rollups serve every tier (H8.1). */
export const CONTACT_PROPERTIES: readonly string[] = [
  ...Object.values(RECORD_PROPERTY),
  COMPANY_SIZE_PROPERTY,
  COMPANY_SIZE_FALLBACK_PROPERTY,
  CREATED_PROPERTY,
  CONTACT_MODIFIED_PROPERTY,
  MERGED_IDS_PROPERTY,
  OPTOUT_PROPERTY,
  'hs_object_id',
  'hs_lead_status',
  'hs_analytics_source',
  'hs_analytics_num_page_views',
  'hs_analytics_num_visits',
  'hs_analytics_last_visit_timestamp',
  'num_conversion_events',
  'recent_conversion_date',
  'recent_conversion_event_name',
  'hs_email_open',
  'hs_email_click',
  'hs_email_delivered',
  'hs_email_bounce',
  'hs_email_last_open_date',
  'hs_email_last_click_date',
  'website',
  'city',
  // Conversion dates: labels for the predictive model (src/model/labels.ts). When a stage was first reached;
  // never used as features. https://knowledge.hubspot.com/records/use-lifecycle-stages
  'hs_lifecyclestage_opportunity_date',
  'hs_lifecyclestage_customer_date',
  // "Number of associated deals": above 0, the contact's deals are read for WON_DEAL_AT_PROPERTY (deals.ts).
  'num_associated_deals',
];

export function contactProperties(writeFields: readonly string[], extra: readonly string[] = []): string[] {
  return [...new Set([...CONTACT_PROPERTIES, ...writeFields, ...extra])];
}

const MAPPED = new Set<string>([
  ...Object.values(RECORD_PROPERTY),
  COMPANY_SIZE_PROPERTY,
  CREATED_PROPERTY,
  CONTACT_MODIFIED_PROPERTY,
]);

/** HubSpot date/datetime values: ISO 8601 or epoch milliseconds, as strings. undefined: blank; NaN: unparseable. */
export function parseHubSpotTime(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^-?\d+$/.test(text)) return Number(text);
  if (!/^\d{4}-\d\d-\d\d/.test(text)) return Number.NaN;
  return Date.parse(text);
}

/** `numemployees` is an enumeration of ranges ("25-50", "1000+"); a range maps to its lower bound. */
export function parseCompanySize(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim().replace(/,/g, '');
  const exact = Number(text);
  if (Number.isFinite(exact)) return exact;
  const range = /^(\d+)\s*(?:-\s*\d+|\+)$/.exec(text);
  return range ? Number(range[1]) : Number.NaN;
}

/** A HubSpot contact -> LeadRecord. Unusable values become dataQuality notes; the raw value stays in properties. */
export function contactToRecord(contact: CrmObject): LeadRecord {
  const props = contact.properties;
  const record: LeadRecord = { source: HUBSPOT_SOURCE, externalId: contact.id, properties: {} };
  const notes: string[] = [];
  for (const [field, property] of Object.entries(RECORD_PROPERTY) as Array<
    [keyof typeof RECORD_PROPERTY, string]
  >) {
    const value = props[property];
    if (value !== null && value !== undefined && value.trim() !== '') record[field] = value.trim();
  }
  if (record.email !== undefined) record.email = record.email.toLowerCase();

  const size = parseCompanySize(props[COMPANY_SIZE_PROPERTY]);
  const fallback = parseCompanySize(props[COMPANY_SIZE_FALLBACK_PROPERTY]);
  if (size !== undefined && Number.isNaN(size)) {
    notes.push(
      `companySize: ${JSON.stringify(props[COMPANY_SIZE_PROPERTY])} (${COMPANY_SIZE_PROPERTY}) is not a number`,
    );
  }
  if (size !== undefined && !Number.isNaN(size)) record.companySize = size;
  else if (fallback !== undefined && !Number.isNaN(fallback)) record.companySize = fallback;
  else if (fallback !== undefined && size === undefined) {
    notes.push(
      `companySize: ${JSON.stringify(props[COMPANY_SIZE_FALLBACK_PROPERTY])} (${COMPANY_SIZE_FALLBACK_PROPERTY}) is not a number`,
    );
  }

  for (const [field, property] of [
    ['createdAt', CREATED_PROPERTY],
    ['updatedAt', CONTACT_MODIFIED_PROPERTY],
  ] as const) {
    const time = parseHubSpotTime(props[property]);
    if (time === undefined) continue;
    if (Number.isNaN(time))
      notes.push(`${field}: ${JSON.stringify(props[property])} (${property}) is not a date`);
    else record[field] = time;
  }
  if (record.updatedAt === undefined && contact.updatedAt) {
    const time =
      contact.updatedAt instanceof Date ? contact.updatedAt.getTime() : Date.parse(contact.updatedAt);
    if (!Number.isNaN(time)) record.updatedAt = time;
  }

  for (const [name, value] of Object.entries(props)) {
    if (!MAPPED.has(name)) record.properties[name] = value;
  }
  if (notes.length > 0) record.dataQuality = notes;
  return record;
}

/** Ids merged into this contact (`hs_merged_object_ids`, "a;b;c"), without the contact's own id. */
export function mergedIds(contact: CrmObject): string[] {
  const raw = contact.properties[MERGED_IDS_PROPERTY];
  if (!raw) return [];
  return [...new Set(raw.split(/[;,]/).map((id) => id.trim()))].filter(
    (id) => id !== '' && id !== contact.id,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Events

function event(
  sourceId: string,
  recordExternalId: string,
  type: EventType,
  occurredAt: number,
  attributes: Record<string, AttributeValue>,
): EngagementEvent {
  const clean: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) clean[key] = value;
  return { source: HUBSPOT_SOURCE, sourceId, recordExternalId, type, occurredAt, attributes: clean };
}

// https://developers.hubspot.com/docs/api-reference/legacy/email-analytics-v1/guide (event types, bounce categories)
/** Email event type -> vocabulary type; types not listed (PROCESSED, DEFERRED, DROPPED, SENT, FORWARD, PRINT) are skipped. */
export const EMAIL_EVENT_TYPES: Readonly<Record<string, EventType>> = {
  DELIVERED: 'email_sent',
  OPEN: 'email_open',
  CLICK: 'email_click',
  BOUNCE: 'email_bounce',
  SPAMREPORT: 'unsubscribe',
  STATUSCHANGE: 'unsubscribe',
};
/** Bounce categories that mean the address will never accept mail; the others are temporary (soft). */
export const HARD_BOUNCE_CATEGORIES: ReadonlySet<string> = new Set([
  'UNKNOWN_USER',
  'MAILBOX_MISCONFIGURATION',
  'HARD_BOUNCE',
  'HARDBOUNCE',
]);

export function bounceType(
  emailEvent: Pick<EmailEvent, 'category' | 'response' | 'status'>,
): 'hard' | 'soft' {
  const category = emailEvent.category?.toUpperCase();
  if (category) return HARD_BOUNCE_CATEGORIES.has(category) ? 'hard' : 'soft';
  // No category: an SMTP 5xx is permanent, 4xx temporary.
  const smtp = /\b([45])\d\d\b/.exec(`${emailEvent.status ?? ''} ${emailEvent.response ?? ''}`);
  return smtp?.[1] === '5' ? 'hard' : 'soft';
}

function isUnsubscribeChange(emailEvent: EmailEvent): boolean {
  if (emailEvent.portalSubscriptionStatus?.toUpperCase() === 'UNSUBSCRIBED') return true;
  return (emailEvent.subscriptions ?? []).some((s) =>
    /^(UNSUBSCRIBED|NOT_SUBSCRIBED)$/i.test(s.status ?? ''),
  );
}

/** A marketing email event -> EngagementEvent, or undefined for types leadscore does not score. */
export function emailEventToEvent(emailEvent: EmailEvent, contactId: string): EngagementEvent | undefined {
  const type = EMAIL_EVENT_TYPES[emailEvent.type.toUpperCase()];
  if (!type) return undefined;
  if (emailEvent.type.toUpperCase() === 'STATUSCHANGE' && !isUnsubscribeChange(emailEvent)) return undefined;
  const campaignId =
    emailEvent.emailCampaignId === null || emailEvent.emailCampaignId === undefined
      ? undefined
      : String(emailEvent.emailCampaignId);
  const attributes: Record<string, AttributeValue> = { campaignId: campaignId ?? null };
  if (type === 'email_click' && emailEvent.url) attributes.url = emailEvent.url;
  if (type === 'email_bounce') {
    attributes.bounceType = bounceType(emailEvent);
    if (emailEvent.category) attributes.bounceCategory = emailEvent.category;
  }
  if (emailEvent.subject) attributes.subject = emailEvent.subject;
  if (emailEvent.type.toUpperCase() === 'SPAMREPORT') attributes.reason = 'spam report';
  return event(`email:${emailEvent.id}`, contactId, type, emailEvent.created, attributes);
}

/** What a form is for, from its name; a demo or content form also yields its own event. */
export interface FormKindPatterns {
  demo: RegExp;
  content: RegExp;
}
export const DEFAULT_FORM_KINDS: FormKindPatterns = {
  demo: /\bdemo\b/i,
  content: /\b(e-?book|whitepaper|white paper|download|guide|report)\b/i,
};

export function emailFromSubmission(submission: FormSubmission): string | undefined {
  const value = submission.values.find((entry) => entry.name.toLowerCase() === 'email')?.value;
  return value ? value.trim().toLowerCase() : undefined;
}

/** A form submission -> form_submission (+ demo_request or content_download by the form's name). */
export function formSubmissionToEvents(
  submission: FormSubmission,
  form: { id: string; name?: string | null },
  contactId: string,
  kinds: FormKindPatterns = DEFAULT_FORM_KINDS,
): EngagementEvent[] {
  const attributes = { formId: form.id, formName: form.name ?? null, url: submission.pageUrl ?? null };
  const base = `form:${submission.conversionId}`;
  const events = [event(base, contactId, 'form_submission', submission.submittedAt, attributes)];
  const name = form.name ?? '';
  if (kinds.demo.test(name))
    events.push(event(`${base}:demo`, contactId, 'demo_request', submission.submittedAt, attributes));
  else if (kinds.content.test(name)) {
    events.push(
      event(`${base}:content`, contactId, 'content_download', submission.submittedAt, {
        ...attributes,
        contentId: form.id,
      }),
    );
  }
  return events;
}

// https://developers.hubspot.com/docs/guides/api/analytics-and-events/event-analytics (e_visited_page, Enterprise)
export const PAGE_VIEW_EVENT_TYPE = 'e_visited_page';

export function webEventToEvent(webEvent: WebEvent): EngagementEvent | undefined {
  if (webEvent.eventType !== PAGE_VIEW_EVENT_TYPE) return undefined;
  const occurredAt =
    webEvent.occurredAt instanceof Date ? webEvent.occurredAt.getTime() : Date.parse(webEvent.occurredAt);
  if (Number.isNaN(occurredAt)) return undefined;
  const props = webEvent.properties ?? {};
  return event(`web:${webEvent.id}`, webEvent.objectId, 'page_view', occurredAt, {
    url: props.hs_url ?? null,
    title: props.hs_title ?? null,
    referrer: props.hs_referrer ?? null,
  });
}

export const MEETING_PROPERTIES = [
  'hs_timestamp',
  'hs_createdate',
  ENGAGEMENT_MODIFIED_PROPERTY,
  'hs_meeting_title',
  'hs_meeting_start_time',
  'hs_meeting_end_time',
  'hs_meeting_outcome',
] as const;
export const CALL_PROPERTIES = [
  'hs_timestamp',
  'hs_createdate',
  ENGAGEMENT_MODIFIED_PROPERTY,
  'hs_call_title',
  'hs_call_duration',
  'hs_call_disposition',
  'hs_call_status',
  'hs_call_direction',
] as const;

const HELD_OUTCOMES = new Set(['COMPLETED']);
const NOT_HELD_OUTCOMES = new Set(['NO_SHOW', 'CANCELED', 'CANCELLED', 'RESCHEDULED']);

function timeOf(props: Record<string, string | null>, ...names: string[]): number | undefined {
  for (const name of names) {
    const time = parseHubSpotTime(props[name]);
    if (time !== undefined && !Number.isNaN(time)) return time;
  }
  return undefined;
}

/**
 * A meeting -> meeting_booked (when it was logged or booked), plus meeting_held when its outcome is COMPLETED,
 * or when it has no outcome and its start time has passed. One set per associated contact.
 */
export function meetingToEvents(meeting: CrmObject, contactId: string, now: number): EngagementEvent[] {
  const props = meeting.properties;
  const start = timeOf(props, 'hs_meeting_start_time', 'hs_timestamp');
  const booked = timeOf(props, 'hs_createdate') ?? start;
  const outcome = props.hs_meeting_outcome?.toUpperCase() || null;
  const title = props.hs_meeting_title ?? null;
  const events: EngagementEvent[] = [];
  if (booked !== undefined) {
    events.push(
      event(`meeting:${meeting.id}:booked:${contactId}`, contactId, 'meeting_booked', booked, {
        outcome,
        subject: title,
      }),
    );
  }
  const held =
    start !== undefined &&
    (outcome ? HELD_OUTCOMES.has(outcome) : start <= now) &&
    !(outcome && NOT_HELD_OUTCOMES.has(outcome));
  if (held && start !== undefined) {
    const end = timeOf(props, 'hs_meeting_end_time');
    const durationSeconds = end !== undefined && end >= start ? Math.round((end - start) / 1000) : null;
    events.push(
      event(`meeting:${meeting.id}:held:${contactId}`, contactId, 'meeting_held', start, {
        outcome: outcome ?? 'COMPLETED',
        durationSeconds,
        subject: title,
      }),
    );
  }
  return events;
}

// ◐ HubSpot's default call dispositions (GUIDs seen in public client code); https://developers.hubspot.com/docs/api/crm/calls
export const CALL_DISPOSITIONS: Readonly<Record<string, string>> = {
  'f240bbac-87c9-4f6e-bf70-924b57d47db7': 'Connected',
  '73a0d17f-1163-4015-bdd5-ec830791da20': 'No answer',
  'b2cf5968-551e-4856-9783-52b3da59a7d0': 'Left voicemail',
  '9d9162e7-6cf3-4944-bf63-4dff82258764': 'Busy',
  'a4c4c377-d246-4b32-a13b-75a56a4cd0ff': 'Left live message',
  '17b47fee-58de-441e-a44c-c6300d46f273': 'Wrong number',
};

/** A logged call -> call, with its duration (hs_call_duration is in milliseconds) and disposition label. */
export function callToEvent(call: CrmObject, contactId: string): EngagementEvent | undefined {
  const props = call.properties;
  const at = timeOf(props, 'hs_timestamp', 'hs_createdate');
  if (at === undefined) return undefined;
  const durationMs = Number(props.hs_call_duration);
  const disposition = props.hs_call_disposition ?? null;
  return event(`call:${call.id}:${contactId}`, contactId, 'call', at, {
    durationSeconds:
      props.hs_call_duration && Number.isFinite(durationMs) ? Math.round(durationMs / 1000) : null,
    outcome: disposition ? (CALL_DISPOSITIONS[disposition] ?? disposition) : (props.hs_call_status ?? null),
    direction: props.hs_call_direction ?? null,
    subject: props.hs_call_title ?? null,
  });
}

/**
 * A contact opted out of all email (`hs_email_optout`) -> one unsubscribe event. The property has no time of its
 * own, so the contact's last modification stands in for it (marked `approximateTime`).
 */
export function optOutToEvent(contact: CrmObject): EngagementEvent | undefined {
  if (contact.properties[OPTOUT_PROPERTY]?.toLowerCase() !== 'true') return undefined;
  const at = timeOf(contact.properties, CONTACT_MODIFIED_PROPERTY, CREATED_PROPERTY);
  if (at === undefined) return undefined;
  return event(`optout:${contact.id}`, contact.id, 'unsubscribe', at, {
    campaignId: null,
    scope: 'all',
    approximateTime: true,
  });
}

/** Communication-preferences statuses -> an unsubscribe event per subscription the contact is not subscribed to. */
export function subscriptionStatusToEvents(
  status: SubscriptionStatus,
  contactId: string,
  at: number,
): EngagementEvent[] {
  return status.subscriptionStatuses
    .filter((s) => s.status.toUpperCase() === 'NOT_SUBSCRIBED')
    .map((s) =>
      event(`subscription:${contactId}:${s.id}`, contactId, 'unsubscribe', at, {
        campaignId: null,
        subscriptionId: s.id,
        subscriptionName: s.name ?? null,
        scope: s.sourceOfStatus === 'PORTAL_WIDE_STATUS' ? 'all' : 'subscription',
        approximateTime: true,
      }),
    );
}

// ---------------------------------------------------------------------------------------------------------
// Write-back

/** HubSpot property type and fieldType for each write field type (H7's pairs). */
export const WRITE_FIELD_TYPES: Readonly<Record<WriteField['type'], { type: string; fieldType: string }>> = {
  number: { type: 'number', fieldType: 'number' },
  string: { type: 'string', fieldType: 'text' },
  text: { type: 'string', fieldType: 'textarea' },
  datetime: { type: 'datetime', fieldType: 'date' },
};

/**
 * A WriteValue -> the string HubSpot stores. null clears the property ("Properties values can be cleared by
 * passing an empty string"); ISO date-times are sent as epoch milliseconds, which datetime properties accept.
 */
export function toHubSpotValue(value: WriteValue): string {
  if (value === null) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} to HubSpot`);
    return String(value);
  }
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value)) {
    const time = Date.parse(value);
    if (!Number.isNaN(time)) return String(time);
  }
  return value;
}

export function toHubSpotProperties(values: RecordWrite['values']): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(values))
    if (value !== undefined) properties[name] = toHubSpotValue(value);
  return properties;
}
