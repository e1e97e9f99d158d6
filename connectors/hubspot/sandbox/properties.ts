import {
  ANALYTICS_SOURCES,
  LEAD_STATUSES,
  LIFECYCLE_LABELS,
  LIFECYCLE_STAGES,
  OWNERS,
  SIZE_BUCKETS,
} from './pools.js';

/**
 * Property definitions as `GET /crm/v3/properties/{objectType}` returns them.
 * https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide
 */

export type PropertyType =
  | 'bool'
  | 'date'
  | 'datetime'
  | 'enumeration'
  | 'number'
  | 'phone_number'
  | 'string';
export const PROPERTY_TYPES: readonly PropertyType[] = [
  'bool',
  'date',
  'datetime',
  'enumeration',
  'number',
  'phone_number',
  'string',
];
export const FIELD_TYPES = [
  'booleancheckbox',
  'calculation_equation',
  'checkbox',
  'date',
  'file',
  'html',
  'number',
  'phonenumber',
  'radio',
  'select',
  'text',
  'textarea',
] as const;

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  description: string;
  groupName: string;
  options: PropertyOption[];
  displayOrder: number;
  calculated: boolean;
  externalOptions: boolean;
  hasUniqueValue: boolean;
  hidden: boolean;
  hubspotDefined?: boolean;
  formField: boolean;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  modificationMetadata: {
    archivable: boolean;
    readOnlyDefinition: boolean;
    readOnlyValue: boolean;
    readOnlyOptions?: boolean;
  };
  createdUserId?: string;
  updatedUserId?: string;
}

export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

const EPOCH = '2019-08-06T02:43:14.491Z';

function opts(values: ReadonlyArray<string | [string, string]>): PropertyOption[] {
  return values.map((v, i) => {
    const [value, label] = Array.isArray(v) ? v : [v, v];
    return { label, value, displayOrder: i, hidden: false };
  });
}

interface Spec {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  group?: string;
  readOnly?: boolean;
  options?: PropertyOption[];
  unique?: boolean;
  description?: string;
}

function hubspotDefined(spec: Spec, order: number): PropertyDefinition {
  return {
    name: spec.name,
    label: spec.label,
    type: spec.type,
    fieldType: spec.fieldType,
    description: spec.description ?? '',
    groupName: spec.group ?? 'contactinformation',
    options: spec.options ?? [],
    displayOrder: order,
    calculated: Boolean(spec.readOnly),
    externalOptions: spec.name === 'hubspot_owner_id',
    hasUniqueValue: Boolean(spec.unique),
    hidden: false,
    hubspotDefined: true,
    formField: !spec.readOnly,
    createdAt: EPOCH,
    updatedAt: EPOCH,
    archived: false,
    modificationMetadata: {
      archivable: false,
      readOnlyDefinition: true,
      readOnlyValue: Boolean(spec.readOnly),
    },
  };
}

const BOOL_OPTIONS = opts([
  ['true', 'Yes'],
  ['false', 'No'],
]);

export function contactPropertyDefinitions(): PropertyDefinition[] {
  const specs: Spec[] = [
    { name: 'email', label: 'Email', type: 'string', fieldType: 'text', unique: true },
    { name: 'firstname', label: 'First Name', type: 'string', fieldType: 'text' },
    { name: 'lastname', label: 'Last Name', type: 'string', fieldType: 'text' },
    { name: 'phone', label: 'Phone Number', type: 'string', fieldType: 'phonenumber' },
    { name: 'company', label: 'Company Name', type: 'string', fieldType: 'text' },
    { name: 'jobtitle', label: 'Job Title', type: 'string', fieldType: 'text' },
    { name: 'industry', label: 'Industry', type: 'string', fieldType: 'text' },
    { name: 'city', label: 'City', type: 'string', fieldType: 'text' },
    { name: 'country', label: 'Country/Region', type: 'string', fieldType: 'text' },
    { name: 'website', label: 'Website URL', type: 'string', fieldType: 'text' },
    { name: 'company_size', label: 'Company size', type: 'string', fieldType: 'text' },
    {
      name: 'numemployees',
      label: 'Number of Employees',
      type: 'enumeration',
      fieldType: 'select',
      options: opts(SIZE_BUCKETS.map((b) => b.label)),
    },
    {
      name: 'lifecyclestage',
      label: 'Lifecycle Stage',
      type: 'enumeration',
      fieldType: 'radio',
      options: opts(LIFECYCLE_STAGES.map((s) => [s, LIFECYCLE_LABELS[s]] as [string, string])),
    },
    {
      name: 'hs_lead_status',
      label: 'Lead Status',
      type: 'enumeration',
      fieldType: 'radio',
      options: opts([...LEAD_STATUSES]),
    },
    {
      name: 'hubspot_owner_id',
      label: 'Contact owner',
      type: 'enumeration',
      fieldType: 'select',
      group: 'sales_properties',
      options: opts(OWNERS.map((o) => [o.id, `${o.firstName} ${o.lastName}`] as [string, string])),
    },
    { name: 'createdate', label: 'Create Date', type: 'datetime', fieldType: 'date', readOnly: true },
    {
      name: 'lastmodifieddate',
      label: 'Last Modified Date',
      type: 'datetime',
      fieldType: 'date',
      readOnly: true,
    },
    {
      name: 'hs_lastmodifieddate',
      label: 'Object last modified date/time',
      type: 'datetime',
      fieldType: 'date',
      readOnly: true,
    },
    { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number', readOnly: true },
    {
      name: 'hs_merged_object_ids',
      label: 'Merged Contact IDs',
      type: 'enumeration',
      fieldType: 'checkbox',
      readOnly: true,
    },
    {
      name: 'hs_additional_emails',
      label: 'Additional email addresses',
      type: 'enumeration',
      fieldType: 'checkbox',
      readOnly: true,
    },
    {
      name: 'hs_analytics_source',
      label: 'Original Source',
      type: 'enumeration',
      fieldType: 'select',
      group: 'analyticsinformation',
      readOnly: true,
      options: opts([...ANALYTICS_SOURCES]),
    },
    {
      name: 'hs_analytics_num_page_views',
      label: 'Number of Pageviews',
      type: 'number',
      fieldType: 'number',
      group: 'analyticsinformation',
      readOnly: true,
    },
    {
      name: 'hs_analytics_num_visits',
      label: 'Number of Sessions',
      type: 'number',
      fieldType: 'number',
      group: 'analyticsinformation',
      readOnly: true,
    },
    {
      name: 'hs_analytics_last_visit_timestamp',
      label: 'Time of Last Session',
      type: 'datetime',
      fieldType: 'date',
      group: 'analyticsinformation',
      readOnly: true,
    },
    {
      name: 'hs_analytics_first_visit_timestamp',
      label: 'Time of First Session',
      type: 'datetime',
      fieldType: 'date',
      group: 'analyticsinformation',
      readOnly: true,
    },
    {
      name: 'num_conversion_events',
      label: 'Number of Form Submissions',
      type: 'number',
      fieldType: 'number',
      group: 'conversioninformation',
      readOnly: true,
    },
    {
      name: 'first_conversion_date',
      label: 'First Conversion Date',
      type: 'datetime',
      fieldType: 'date',
      group: 'conversioninformation',
      readOnly: true,
    },
    {
      name: 'first_conversion_event_name',
      label: 'First Conversion',
      type: 'string',
      fieldType: 'text',
      group: 'conversioninformation',
      readOnly: true,
    },
    {
      name: 'recent_conversion_date',
      label: 'Recent Conversion Date',
      type: 'datetime',
      fieldType: 'date',
      group: 'conversioninformation',
      readOnly: true,
    },
    {
      name: 'recent_conversion_event_name',
      label: 'Recent Conversion',
      type: 'string',
      fieldType: 'text',
      group: 'conversioninformation',
      readOnly: true,
    },
    {
      name: 'hs_email_open',
      label: 'Marketing emails opened',
      type: 'number',
      fieldType: 'number',
      group: 'emailinformation',
      readOnly: true,
    },
    {
      name: 'hs_email_click',
      label: 'Marketing emails clicked',
      type: 'number',
      fieldType: 'number',
      group: 'emailinformation',
      readOnly: true,
    },
    {
      name: 'hs_email_delivered',
      label: 'Marketing emails delivered',
      type: 'number',
      fieldType: 'number',
      group: 'emailinformation',
      readOnly: true,
    },
    {
      name: 'hs_email_bounce',
      label: 'Marketing emails bounced',
      type: 'number',
      fieldType: 'number',
      group: 'emailinformation',
      readOnly: true,
    },
    {
      name: 'hs_email_last_open_date',
      label: 'Last marketing email open date',
      type: 'datetime',
      fieldType: 'date',
      group: 'emailinformation',
      readOnly: true,
    },
    {
      name: 'hs_email_last_click_date',
      label: 'Last marketing email click date',
      type: 'datetime',
      fieldType: 'date',
      group: 'emailinformation',
      readOnly: true,
    },
    {
      name: 'hs_email_optout',
      label: 'Unsubscribed from all email',
      type: 'bool',
      fieldType: 'booleancheckbox',
      group: 'emailinformation',
      readOnly: true,
      options: BOOL_OPTIONS,
    },
    {
      name: 'hs_email_hard_bounce_reason_enum',
      label: 'Email hard bounce reason',
      type: 'enumeration',
      fieldType: 'select',
      group: 'emailinformation',
      readOnly: true,
    },
    {
      name: 'notes_last_contacted',
      label: 'Last Contacted',
      type: 'datetime',
      fieldType: 'date',
      group: 'sales_properties',
      readOnly: true,
    },
    {
      name: 'num_contacted_notes',
      label: 'Number of Sales Activities',
      type: 'number',
      fieldType: 'number',
      group: 'sales_properties',
      readOnly: true,
    },
    {
      name: 'hs_lifecyclestage_lead_date',
      label: 'Became a Lead Date',
      type: 'datetime',
      fieldType: 'date',
      readOnly: true,
    },
    {
      name: 'hs_lifecyclestage_opportunity_date',
      label: 'Became an Opportunity Date',
      type: 'datetime',
      fieldType: 'date',
      readOnly: true,
    },
    {
      name: 'hs_lifecyclestage_customer_date',
      label: 'Became a Customer Date',
      type: 'datetime',
      fieldType: 'date',
      readOnly: true,
    },
  ];
  return specs.map((s, i) => hubspotDefined(s, i));
}

export function contactPropertyGroups(): PropertyGroup[] {
  return [
    { name: 'contactinformation', label: 'Contact information', displayOrder: 0, archived: false },
    { name: 'emailinformation', label: 'Email information', displayOrder: 1, archived: false },
    { name: 'analyticsinformation', label: 'Web analytics history', displayOrder: 2, archived: false },
    { name: 'conversioninformation', label: 'Conversion information', displayOrder: 3, archived: false },
    { name: 'sales_properties', label: 'Sales properties', displayOrder: 4, archived: false },
  ];
}

/** Engagement objects (meetings, calls) share the hs_* system properties. */
export function engagementPropertyDefinitions(type: 'meetings' | 'calls'): PropertyDefinition[] {
  const common: Spec[] = [
    { name: 'hs_timestamp', label: 'Activity date', type: 'datetime', fieldType: 'date' },
    { name: 'hs_createdate', label: 'Create date', type: 'datetime', fieldType: 'date', readOnly: true },
    {
      name: 'hs_lastmodifieddate',
      label: 'Last modified date',
      type: 'datetime',
      fieldType: 'date',
      readOnly: true,
    },
    { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number', readOnly: true },
    { name: 'hubspot_owner_id', label: 'Activity assigned to', type: 'enumeration', fieldType: 'select' },
  ];
  const own: Spec[] =
    type === 'meetings'
      ? [
          { name: 'hs_meeting_title', label: 'Meeting name', type: 'string', fieldType: 'text' },
          { name: 'hs_meeting_body', label: 'Meeting description', type: 'string', fieldType: 'textarea' },
          { name: 'hs_meeting_start_time', label: 'Start Time', type: 'datetime', fieldType: 'date' },
          { name: 'hs_meeting_end_time', label: 'End Time', type: 'datetime', fieldType: 'date' },
          {
            name: 'hs_meeting_outcome',
            label: 'Meeting outcome',
            type: 'enumeration',
            fieldType: 'select',
            options: opts(['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED']),
          },
          { name: 'hs_meeting_source', label: 'Meeting source', type: 'enumeration', fieldType: 'select' },
        ]
      : [
          { name: 'hs_call_title', label: 'Call Title', type: 'string', fieldType: 'text' },
          { name: 'hs_call_body', label: 'Call notes', type: 'string', fieldType: 'textarea' },
          { name: 'hs_call_duration', label: 'Call duration (ms)', type: 'number', fieldType: 'number' },
          {
            name: 'hs_call_direction',
            label: 'Call direction',
            type: 'enumeration',
            fieldType: 'select',
            options: opts(['INBOUND', 'OUTBOUND']),
          },
          { name: 'hs_call_disposition', label: 'Call outcome', type: 'string', fieldType: 'text' },
          {
            name: 'hs_call_status',
            label: 'Call status',
            type: 'enumeration',
            fieldType: 'select',
            options: opts([
              'BUSY',
              'CALLING_CRM_USER',
              'CANCELED',
              'COMPLETED',
              'CONNECTING',
              'FAILED',
              'IN_PROGRESS',
              'NO_ANSWER',
              'QUEUED',
              'RINGING',
            ]),
          },
        ];
  return [...common, ...own].map((s, i) => ({
    ...hubspotDefined(s, i),
    groupName: type === 'meetings' ? 'meeting' : 'call',
  }));
}
