/**
 * The one vocabulary every connector maps into, so one rules file scores HubSpot and Salesforce alike.
 * Documented for admins in docs/vocabulary.md; keep the two in step.
 */
export const RECORD_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'company',
  'industry',
  'title',
  'companySize',
  'country',
  'ownerId',
  'lifecycleStage',
  'createdAt',
  'updatedAt',
] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

export const EVENT_TYPES = [
  'email_sent',
  'email_open',
  'email_click',
  'email_reply',
  'email_bounce',
  'unsubscribe',
  'form_submission',
  'page_view',
  'content_download',
  'meeting_booked',
  'meeting_held',
  'call',
  'demo_request',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** Event attributes the connectors fill where the CRM knows them; rules may filter on any attribute. */
export const KNOWN_EVENT_ATTRIBUTES = [
  'url', // page_view, email_click: the page or link
  'formId', // form_submission
  'campaignId', // email_*: the email campaign or marketing email id
  'campaignName',
  'contentId', // content_download
  'bounceType', // email_bounce: 'hard' | 'soft'
  'subject',
  'durationSeconds', // call, meeting_held
  'outcome', // call, meeting
] as const;

export type AttributeValue = string | number | boolean | null;

/** A lead or contact in the core model (camelCase; only a connector's mapping.ts knows CRM names). */
export interface LeadRecord {
  /** Where the record lives: 'hubspot', 'salesforce', or a label for file imports. */
  source: string;
  /** The CRM's id (HubSpot contact id, Salesforce Lead/Contact id, or the file's id column). */
  externalId: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  industry?: string;
  title?: string;
  companySize?: number;
  country?: string;
  ownerId?: string;
  lifecycleStage?: string;
  /** Epoch milliseconds. */
  createdAt?: number;
  /** Epoch milliseconds: last change of the record's data in the CRM. */
  updatedAt?: number;
  /** CRM-specific properties by their own names (e.g. `hs_lead_status`, `LeadSource`), for fit rules. */
  properties: Record<string, AttributeValue>;
  /** Data-quality notes for values that could not be used (e.g. `companySize: "lots" is not a number`); the record is kept. */
  dataQuality?: string[];
}

/**
 * A property every connector fills from the CRM's deals/opportunities: the earliest close date (epoch ms) of a
 * won deal (HubSpot) or opportunity (Salesforce) the record is associated with. The model reads it as a
 * conversion label (src/model/labels.ts); rules may use it like any CRM property.
 */
export const WON_DEAL_AT_PROPERTY = 'leadscore_won_deal_at';

/** One engagement event, deduplicated by (source, sourceId). */
export interface EngagementEvent {
  source: string;
  /** The CRM's own id for the event, stable across syncs. */
  sourceId: string;
  /** externalId of the record it belongs to. */
  recordExternalId: string;
  type: EventType;
  /** Epoch milliseconds. */
  occurredAt: number;
  attributes: Record<string, AttributeValue>;
}
