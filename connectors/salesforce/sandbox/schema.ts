/**
 * The sObjects the sandbox serves and their fields, shaped like describe results.
 * Field names and types follow the Object Reference:
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/ (Lead, Contact,
 * Task, Event, CampaignMember, Campaign, Opportunity, Account, EmailMessage, User).
 */
export type FieldType =
  | 'id'
  | 'boolean'
  | 'string'
  | 'email'
  | 'picklist'
  | 'reference'
  | 'datetime'
  | 'date'
  | 'int'
  | 'double'
  | 'currency'
  | 'textarea'
  | 'phone'
  | 'url';

export interface FieldDef {
  name: string;
  type: FieldType;
  label: string;
  length: number;
  custom: boolean;
  updateable: boolean;
  createable: boolean;
  nillable: boolean;
  referenceTo?: string[];
  relationshipName?: string;
  picklistValues?: string[];
  precision?: number;
  scale?: number;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: FieldDef[];
  fieldMap: Map<string, FieldDef>;
}

type Spec = [name: string, type: FieldType, label: string, opts?: Partial<FieldDef>];

const LENGTHS: Partial<Record<FieldType, number>> = {
  id: 18,
  reference: 18,
  string: 255,
  email: 80,
  picklist: 255,
  textarea: 32000,
  phone: 40,
  url: 255,
};

const SYSTEM: Spec[] = [
  ['Id', 'id', 'Record ID', { updateable: false, createable: false, nillable: false }],
  ['IsDeleted', 'boolean', 'Deleted', { updateable: false, createable: false, nillable: false }],
  ['CreatedDate', 'datetime', 'Created Date', { updateable: false, createable: false, nillable: false }],
  [
    'CreatedById',
    'reference',
    'Created By ID',
    {
      updateable: false,
      createable: false,
      nillable: false,
      referenceTo: ['User'],
      relationshipName: 'CreatedBy',
    },
  ],
  [
    'LastModifiedDate',
    'datetime',
    'Last Modified Date',
    { updateable: false, createable: false, nillable: false },
  ],
  [
    'LastModifiedById',
    'reference',
    'Last Modified By ID',
    {
      updateable: false,
      createable: false,
      nillable: false,
      referenceTo: ['User'],
      relationshipName: 'LastModifiedBy',
    },
  ],
  [
    'SystemModstamp',
    'datetime',
    'System Modstamp',
    { updateable: false, createable: false, nillable: false },
  ],
];

const OWNER: Spec = [
  'OwnerId',
  'reference',
  'Owner ID',
  { nillable: false, referenceTo: ['User'], relationshipName: 'Owner' },
];

export function field(spec: Spec): FieldDef {
  const [name, type, label, opts] = spec;
  return {
    name,
    type,
    label,
    length: LENGTHS[type] ?? 0,
    custom: name.endsWith('__c'),
    updateable: true,
    createable: true,
    nillable: true,
    ...opts,
  };
}

function object(name: string, label: string, plural: string, prefix: string, specs: Spec[]): ObjectDef {
  const fields = [...SYSTEM, ...specs].map(field);
  return { name, label, labelPlural: plural, keyPrefix: prefix, fields, fieldMap: indexFields(fields) };
}

export function indexFields(fields: FieldDef[]): Map<string, FieldDef> {
  return new Map(fields.map((f) => [f.name.toLowerCase(), f]));
}

export const LEAD_STATUSES = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
];
export const LEAD_SOURCES = [
  'Web',
  'Phone Inquiry',
  'Partner Referral',
  'Purchased List',
  'Other',
  'Advertisement',
  'Trade Show',
  'Webinar',
];
export const INDUSTRIES = [
  'Technology',
  'Financial Services',
  'Healthcare',
  'Manufacturing',
  'Retail',
  'Education',
  'Government',
  'Not For Profit',
  'Media',
  'Consulting',
  'Telecommunications',
  'Energy',
];
export const OPP_STAGES = [
  'Prospecting',
  'Qualification',
  'Needs Analysis',
  'Value Proposition',
  'Proposal/Price Quote',
  'Negotiation/Review',
  'Closed Won',
  'Closed Lost',
];
export const TASK_SUBTYPES = ['Task', 'Email', 'ListEmail', 'Cadence', 'Call'];
export const CM_STATUSES = ['Sent', 'Responded', 'Registered', 'Attended'];

const ro = { updateable: false, createable: false };

export const SCHEMAS: ObjectDef[] = [
  object('Lead', 'Lead', 'Leads', '00Q', [
    [
      'MasterRecordId',
      'reference',
      'Master Record ID',
      { ...ro, referenceTo: ['Lead'], relationshipName: 'MasterRecord' },
    ],
    ['LastName', 'string', 'Last Name', { length: 80, nillable: false }],
    ['FirstName', 'string', 'First Name', { length: 40 }],
    ['Name', 'string', 'Full Name', { length: 121, ...ro, nillable: false }],
    ['Title', 'string', 'Title', { length: 128 }],
    ['Company', 'string', 'Company', { nillable: false }],
    ['Country', 'string', 'Country', { length: 80 }],
    ['Phone', 'phone', 'Phone'],
    ['Email', 'email', 'Email'],
    ['Website', 'url', 'Website'],
    ['LeadSource', 'picklist', 'Lead Source', { length: 255, picklistValues: LEAD_SOURCES }],
    ['Status', 'picklist', 'Status', { nillable: false, picklistValues: LEAD_STATUSES }],
    ['Industry', 'picklist', 'Industry', { picklistValues: INDUSTRIES }],
    ['Rating', 'picklist', 'Rating', { picklistValues: ['Hot', 'Warm', 'Cold'] }],
    ['AnnualRevenue', 'currency', 'Annual Revenue', { precision: 18, scale: 0 }],
    ['NumberOfEmployees', 'int', 'Employees', { precision: 8 }],
    OWNER,
    ['HasOptedOutOfEmail', 'boolean', 'Email Opt Out', { nillable: false }],
    ['IsConverted', 'boolean', 'Converted', { ...ro, nillable: false }],
    ['ConvertedDate', 'date', 'Converted Date', ro],
    [
      'ConvertedAccountId',
      'reference',
      'Converted Account ID',
      { ...ro, referenceTo: ['Account'], relationshipName: 'ConvertedAccount' },
    ],
    [
      'ConvertedContactId',
      'reference',
      'Converted Contact ID',
      { ...ro, referenceTo: ['Contact'], relationshipName: 'ConvertedContact' },
    ],
    [
      'ConvertedOpportunityId',
      'reference',
      'Converted Opportunity ID',
      { ...ro, referenceTo: ['Opportunity'], relationshipName: 'ConvertedOpportunity' },
    ],
    ['IsUnreadByOwner', 'boolean', 'Unread By Owner', { nillable: false }],
    ['LastActivityDate', 'date', 'Last Activity', ro],
    ['EmailBouncedReason', 'string', 'Email Bounced Reason'],
    ['EmailBouncedDate', 'datetime', 'Email Bounced Date'],
  ]),
  object('Contact', 'Contact', 'Contacts', '003', [
    [
      'MasterRecordId',
      'reference',
      'Master Record ID',
      { ...ro, referenceTo: ['Contact'], relationshipName: 'MasterRecord' },
    ],
    ['AccountId', 'reference', 'Account ID', { referenceTo: ['Account'], relationshipName: 'Account' }],
    ['LastName', 'string', 'Last Name', { length: 80, nillable: false }],
    ['FirstName', 'string', 'First Name', { length: 40 }],
    ['Name', 'string', 'Full Name', { length: 121, ...ro, nillable: false }],
    ['MailingCountry', 'string', 'Mailing Country', { length: 80 }],
    ['Phone', 'phone', 'Business Phone'],
    ['Email', 'email', 'Email'],
    ['Title', 'string', 'Title', { length: 128 }],
    ['Department', 'string', 'Department', { length: 80 }],
    ['LeadSource', 'picklist', 'Lead Source', { picklistValues: LEAD_SOURCES }],
    OWNER,
    ['HasOptedOutOfEmail', 'boolean', 'Email Opt Out', { nillable: false }],
    ['LastActivityDate', 'date', 'Last Activity', ro],
    ['EmailBouncedReason', 'string', 'Email Bounced Reason'],
    ['EmailBouncedDate', 'datetime', 'Email Bounced Date'],
  ]),
  object('Account', 'Account', 'Accounts', '001', [
    [
      'MasterRecordId',
      'reference',
      'Master Record ID',
      { ...ro, referenceTo: ['Account'], relationshipName: 'MasterRecord' },
    ],
    ['Name', 'string', 'Account Name', { nillable: false }],
    [
      'Type',
      'picklist',
      'Account Type',
      { picklistValues: ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Other'] },
    ],
    ['BillingCountry', 'string', 'Billing Country', { length: 80 }],
    ['Website', 'url', 'Website'],
    ['Industry', 'picklist', 'Industry', { picklistValues: INDUSTRIES }],
    ['AnnualRevenue', 'currency', 'Annual Revenue', { precision: 18, scale: 0 }],
    ['NumberOfEmployees', 'int', 'Employees', { precision: 8 }],
    OWNER,
  ]),
  object('Opportunity', 'Opportunity', 'Opportunities', '006', [
    ['AccountId', 'reference', 'Account ID', { referenceTo: ['Account'], relationshipName: 'Account' }],
    ['Name', 'string', 'Name', { length: 120, nillable: false }],
    ['StageName', 'picklist', 'Stage', { nillable: false, picklistValues: OPP_STAGES }],
    ['Amount', 'currency', 'Amount', { precision: 18, scale: 2 }],
    ['Probability', 'double', 'Probability (%)', { precision: 3, scale: 0 }],
    ['CloseDate', 'date', 'Close Date', { nillable: false }],
    ['IsClosed', 'boolean', 'Closed', { ...ro, nillable: false }],
    ['IsWon', 'boolean', 'Won', { ...ro, nillable: false }],
    ['LeadSource', 'picklist', 'Lead Source', { picklistValues: LEAD_SOURCES }],
    ['CampaignId', 'reference', 'Campaign ID', { referenceTo: ['Campaign'], relationshipName: 'Campaign' }],
    ['ContactId', 'reference', 'Contact ID', { referenceTo: ['Contact'], relationshipName: 'Contact' }],
    OWNER,
  ]),
  object('Task', 'Task', 'Tasks', '00T', [
    ['WhoId', 'reference', 'Name ID', { referenceTo: ['Contact', 'Lead'], relationshipName: 'Who' }],
    [
      'WhatId',
      'reference',
      'Related To ID',
      { referenceTo: ['Account', 'Opportunity', 'Campaign'], relationshipName: 'What' },
    ],
    ['Subject', 'string', 'Subject'],
    ['Description', 'textarea', 'Comments'],
    ['ActivityDate', 'date', 'Due Date Only'],
    [
      'Status',
      'picklist',
      'Status',
      { nillable: false, picklistValues: ['Not Started', 'In Progress', 'Completed'] },
    ],
    ['Priority', 'picklist', 'Priority', { nillable: false, picklistValues: ['High', 'Normal', 'Low'] }],
    OWNER,
    ['IsClosed', 'boolean', 'Closed', { ...ro, nillable: false }],
    ['TaskSubtype', 'picklist', 'Task Subtype', { updateable: false, picklistValues: TASK_SUBTYPES }],
    ['CallType', 'picklist', 'Call Type', { picklistValues: ['Internal', 'Inbound', 'Outbound'] }],
    ['CallDurationInSeconds', 'int', 'Call Duration', { precision: 9 }],
    ['CallDisposition', 'string', 'Call Result'],
    ['CompletedDateTime', 'datetime', 'Completed Date/Time', ro],
    ['IsArchived', 'boolean', 'Archived', { ...ro, nillable: false }],
  ]),
  object('Event', 'Event', 'Events', '00U', [
    ['WhoId', 'reference', 'Name ID', { referenceTo: ['Contact', 'Lead'], relationshipName: 'Who' }],
    [
      'WhatId',
      'reference',
      'Related To ID',
      { referenceTo: ['Account', 'Opportunity', 'Campaign'], relationshipName: 'What' },
    ],
    ['Subject', 'string', 'Subject'],
    ['ActivityDate', 'date', 'Due Date Only', ro],
    ['ActivityDateTime', 'datetime', 'Due Date Time'],
    ['StartDateTime', 'datetime', 'Start Date Time'],
    ['EndDateTime', 'datetime', 'End Date Time'],
    ['DurationInMinutes', 'int', 'Duration', { precision: 8 }],
    ['IsAllDayEvent', 'boolean', 'All-Day Event', { nillable: false }],
    OWNER,
    ['IsArchived', 'boolean', 'Archived', { ...ro, nillable: false }],
  ]),
  object('Campaign', 'Campaign', 'Campaigns', '701', [
    ['Name', 'string', 'Name', { length: 80, nillable: false }],
    [
      'Type',
      'picklist',
      'Type',
      { picklistValues: ['Conference', 'Webinar', 'Trade Show', 'Advertisement', 'Email', 'Other'] },
    ],
    ['Status', 'picklist', 'Status', { picklistValues: ['Planned', 'In Progress', 'Completed', 'Aborted'] }],
    ['StartDate', 'date', 'Start Date'],
    ['IsActive', 'boolean', 'Active', { nillable: false }],
    OWNER,
  ]),
  object('CampaignMember', 'Campaign Member', 'Campaign Members', '00v', [
    [
      'CampaignId',
      'reference',
      'Campaign ID',
      { updateable: false, nillable: false, referenceTo: ['Campaign'], relationshipName: 'Campaign' },
    ],
    [
      'LeadId',
      'reference',
      'Lead ID',
      { updateable: false, referenceTo: ['Lead'], relationshipName: 'Lead' },
    ],
    [
      'ContactId',
      'reference',
      'Contact ID',
      { updateable: false, referenceTo: ['Contact'], relationshipName: 'Contact' },
    ],
    ['Status', 'picklist', 'Status', { picklistValues: CM_STATUSES }],
    ['HasResponded', 'boolean', 'Responded', { ...ro, nillable: false }],
    ['FirstRespondedDate', 'date', 'First Responded Date', ro],
    ['HasOptedOutOfEmail', 'boolean', 'Email Opt Out', { ...ro, nillable: false }],
  ]),
  object('EmailMessage', 'Email Message', 'Email Messages', '02s', [
    ['ActivityId', 'reference', 'Activity ID', { referenceTo: ['Task'], relationshipName: 'Activity' }],
    [
      'RelatedToId',
      'reference',
      'Related To ID',
      { referenceTo: ['Account', 'Opportunity'], relationshipName: 'RelatedTo' },
    ],
    ['Subject', 'string', 'Subject', { length: 3000 }],
    ['FromAddress', 'email', 'From Address', { length: 1000 }],
    ['ToAddress', 'string', 'To Address', { length: 4000 }],
    ['MessageDate', 'datetime', 'Message Date'],
    ['Status', 'picklist', 'Status', { picklistValues: ['0', '1', '2', '3', '4', '5'] }],
    ['Incoming', 'boolean', 'Is Incoming', { nillable: false }],
    ['IsTracked', 'boolean', 'Is Tracked', { ...ro, nillable: false }],
    ['IsBounced', 'boolean', 'Bounced?', { ...ro, nillable: false }],
    ['HasReply', 'boolean', 'Has Reply', { ...ro, nillable: false }],
    ['FirstOpenedDate', 'datetime', 'First Opened', ro],
    ['LastOpenedDate', 'datetime', 'Last Opened', ro],
    ['FirstLinkClickedDate', 'datetime', 'First Link Click Date', ro],
  ]),
  object('User', 'User', 'Users', '005', [
    ['Username', 'string', 'Username', { length: 80, nillable: false }],
    ['FirstName', 'string', 'First Name', { length: 40 }],
    ['LastName', 'string', 'Last Name', { length: 80, nillable: false }],
    ['Name', 'string', 'Full Name', { length: 121, ...ro }],
    ['Email', 'email', 'Email', { nillable: false }],
    ['IsActive', 'boolean', 'Active', { nillable: false }],
  ]),
];

export function schemaByName(name: string): ObjectDef | undefined {
  const lower = name.toLowerCase();
  return SCHEMAS.find((s) => s.name.toLowerCase() === lower);
}

export function schemaByPrefix(prefix: string): ObjectDef | undefined {
  return SCHEMAS.find((s) => s.keyPrefix === prefix);
}

const SOAP_TYPES: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  string: 'xsd:string',
  email: 'xsd:string',
  picklist: 'xsd:string',
  textarea: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  datetime: 'xsd:dateTime',
  date: 'xsd:date',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
};

/**
 * Describe result, a subset of DescribeSObjectResult / Field:
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
 */
export function describe(
  def: ObjectDef,
  fields: FieldDef[],
  version: string,
  /** The API user's object permission: Read only turns createable/updateable/deletable off. */
  access: 'read' | 'edit' | 'none' = 'edit',
): Record<string, unknown> {
  const base = `/services/data/v${version}/sobjects/${def.name}`;
  const edit = access === 'edit';
  return {
    name: def.name,
    label: def.label,
    labelPlural: def.labelPlural,
    keyPrefix: def.keyPrefix,
    custom: false,
    createable: edit,
    updateable: edit,
    deletable: edit,
    queryable: true,
    retrieveable: true,
    searchable: true,
    replicateable: true,
    triggerable: true,
    undeletable: true,
    mergeable: def.name === 'Lead' || def.name === 'Contact' || def.name === 'Account',
    childRelationships: [],
    recordTypeInfos: [],
    urls: {
      sobject: base,
      describe: `${base}/describe`,
      rowTemplate: `${base}/{ID}`,
    },
    fields: fields.map((f) => ({
      name: f.name,
      label: f.label,
      type: f.type,
      soapType: SOAP_TYPES[f.type],
      length: f.length,
      byteLength: f.length * 3,
      digits: f.type === 'int' ? (f.precision ?? 9) : 0,
      precision: f.type === 'double' || f.type === 'currency' ? (f.precision ?? 18) : 0,
      scale: f.type === 'double' || f.type === 'currency' ? (f.scale ?? 0) : 0,
      custom: f.custom,
      updateable: f.updateable,
      createable: f.createable,
      nillable: f.nillable,
      calculated:
        f.name === 'Name' && def.name !== 'Account' && def.name !== 'Opportunity' && def.name !== 'Campaign',
      defaultedOnCreate: f.type === 'boolean' || f.name === 'Id' || f.name === 'OwnerId',
      filterable: f.type !== 'textarea',
      sortable: f.type !== 'textarea',
      groupable:
        f.type !== 'textarea' && f.type !== 'double' && f.type !== 'currency' && f.type !== 'datetime',
      idLookup: f.name === 'Id' || f.name === 'Email',
      unique: false,
      externalId: false,
      referenceTo: f.referenceTo ?? [],
      relationshipName: f.relationshipName ?? null,
      picklistValues: (f.picklistValues ?? []).map((v) => ({
        active: true,
        defaultValue: false,
        label: v,
        validFor: null,
        value: v,
      })),
      restrictedPicklist: f.name === 'TaskSubtype',
    })),
  };
}
