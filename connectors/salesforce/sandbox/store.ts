/**
 * Org-level operations on the generated tables: record lookup, creation, merges, conversion and
 * custom fields. Shared by the REST routes and the test controls.
 */
import type { SandboxBehaviours } from './behaviours.js';
import { formatValue } from './format.js';
import type { Org } from './generate.js';
import { makeId, parseId } from './ids.js';
import { type FieldDef, field as fieldOf } from './schema.js';
import type { TableLookup } from './soql.js';
import type { Table, Value } from './table.js';
import { coerceFields, RequestError } from './writes.js';

const DAY = 86_400_000;
const day = (t: number) => Math.floor(t / DAY) * DAY;

export interface CustomFieldSpec {
  /** `Lead.LeadScore__c` */
  fullName: string;
  type: 'Number' | 'Text' | 'Checkbox' | 'Date' | 'DateTime' | 'LongTextArea' | 'Percent' | 'Email';
  label?: string;
  length?: number;
  precision?: number;
  scale?: number;
}

const CUSTOM_TYPES: Record<CustomFieldSpec['type'], FieldDef['type']> = {
  Number: 'double',
  Percent: 'double',
  Text: 'string',
  Checkbox: 'boolean',
  Date: 'date',
  DateTime: 'datetime',
  LongTextArea: 'textarea',
  Email: 'email',
};

function customFieldDef(spec: CustomFieldSpec): { object: string; def: FieldDef } {
  const [object, name] = spec.fullName.split('.');
  if (!object || !name || !/^[A-Za-z][A-Za-z0-9_]*__c$/.test(name)) {
    throw new RequestError(400, 'INVALID_FIELD', `Invalid custom field name: ${spec.fullName}`);
  }
  const type = CUSTOM_TYPES[spec.type];
  if (!type)
    throw new RequestError(400, 'FIELD_INTEGRITY_EXCEPTION', `Unsupported custom field type: ${spec.type}`);
  const lengths: Partial<Record<FieldDef['type'], number>> = {
    string: spec.length ?? 255,
    textarea: spec.length ?? 32768,
    email: 80,
  };
  const def = fieldOf([
    name,
    type,
    spec.label ?? name.replace(/__c$/, '').replace(/_/g, ' '),
    {
      length: lengths[type] ?? 0,
      precision: type === 'double' ? (spec.precision ?? 18) : undefined,
      scale: type === 'double' ? (spec.scale ?? 0) : undefined,
      nillable: type !== 'boolean',
    },
  ]);
  return { object, def };
}

export class OrgStore implements TableLookup {
  private serial = 0;

  constructor(
    readonly org: Org,
    private readonly behaviours: SandboxBehaviours,
    private readonly now: () => number,
    readonly integrationUser: string,
  ) {}

  table(name: string): Table | undefined {
    const lower = name.toLowerCase();
    for (const t of this.org.tables.values()) if (t.def.name.toLowerCase() === lower) return t;
    return undefined;
  }

  tableByPrefix(prefix: string): Table | undefined {
    for (const t of this.org.tables.values()) if (t.def.keyPrefix === prefix) return t;
    return undefined;
  }

  private must(name: string): Table {
    return this.table(name) as Table;
  }

  /** A fresh id for metadata rows (custom fields, permissions). */
  metadataId(prefix: string): string {
    return makeId(prefix, this.serial++);
  }

  /** A user edit: LastModifiedDate, SystemModstamp and LastModifiedById move. */
  touch(table: Table, row: number): void {
    const t = this.now();
    table.set(row, 'LastModifiedDate', t);
    table.set(row, 'SystemModstamp', t);
    table.set(row, 'LastModifiedById', this.integrationUser);
  }

  resolveRecord(type: string, id: string): { table: Table; row: number } {
    const table = this.table(type);
    const parsed = parseId(id);
    if (!table || !parsed || parsed.prefix !== table.def.keyPrefix || !table.exists(parsed.row)) {
      throw new RequestError(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    return { table, row: parsed.row };
  }

  /** Every field value, including custom fields the API user cannot see yet. */
  record(type: string, id: string): Record<string, unknown> | undefined {
    try {
      const { table, row } = this.resolveRecord(type, id);
      const out: Record<string, unknown> = {};
      for (const f of [...table.fields, ...table.hidden.values()])
        out[f.name] = formatValue(f.type, table.get(row, f.name));
      return out;
    } catch {
      return undefined;
    }
  }

  editRecord(type: string, id: string, values: Record<string, unknown>): void {
    const { table, row } = this.resolveRecord(type, id);
    const { values: coerced } = coerceFields(table, values, JSON.stringify(values), () => 0, 'request');
    for (const [f, v] of coerced) table.set(row, f.name, v);
    // IsWon and IsClosed are read-only and follow StageName (the stage's picklist metadata), as in Salesforce.
    const stage = table.def.name === 'Opportunity' ? values.StageName : undefined;
    if (typeof stage === 'string') {
      table.set(row, 'IsWon', stage === 'Closed Won');
      table.set(row, 'IsClosed', stage === 'Closed Won' || stage === 'Closed Lost');
    }
    this.touch(table, row);
  }

  createCustomField(spec: CustomFieldSpec, visible: boolean): string {
    const { object, def } = customFieldDef(spec);
    const table = this.table(object);
    if (!table) throw new RequestError(400, 'INVALID_TYPE', `sObject type '${object}' is not supported.`);
    const lower = def.name.toLowerCase();
    if (table.field(def.name) || table.hidden.has(lower) || table.def.fieldMap.has(lower)) {
      throw new RequestError(
        400,
        'DUPLICATE_DEVELOPER_NAME',
        `There is already a field named ${def.name.replace(/__c$/, '')} on ${table.def.name}.`,
      );
    }
    table.addField(def, visible);
    return this.metadataId('00N');
  }

  grantFieldAccess(fullName: string): boolean {
    const [object, name] = fullName.split('.');
    const table = object ? this.table(object) : undefined;
    return !!(table && name && table.grantField(name));
  }

  /**
   * The integration user's permissions, as an admin sets them on its profile or permission set: an object's
   * Read/Edit, or one field's field-level security. Returns false for an unknown object or field.
   */
  setAccess(object: string, field: string | undefined, access: 'none' | 'read' | 'edit'): boolean {
    const table = this.table(object);
    if (!table) return false;
    if (field === undefined) {
      table.access = access;
      return true;
    }
    return table.setFieldAccess(field, access);
  }

  /** Moves Tasks and Events from one WhoId to another (conversion, merge). */
  reassignWho(fromId: string, toId: string): void {
    const from15 = fromId.slice(0, 15);
    for (const type of ['Task', 'Event']) {
      const t = this.must(type);
      for (let r = 0; r < t.rows; r++) {
        const who = t.get(r, 'WhoId');
        if (typeof who === 'string' && who.slice(0, 15) === from15) t.set(r, 'WhoId', toId);
      }
    }
  }

  /** Creates a record with the defaults Salesforce fills (booleans false, compound Name, system fields). */
  createRecord(type: string, values: Record<string, unknown>): string {
    const table = this.table(type);
    if (!table) throw new RequestError(400, 'INVALID_TYPE', `sObject type '${type}' is not supported.`);
    const { values: coerced } = coerceFields(table, values, JSON.stringify(values), () => 0, 'request');
    const t = this.now();
    const base: Record<string, Value> = {};
    for (const f of table.fields) if (f.type === 'boolean') base[f.name] = false;
    Object.assign(base, {
      CreatedDate: t,
      CreatedById: this.integrationUser,
      LastModifiedDate: t,
      LastModifiedById: this.integrationUser,
      SystemModstamp: t,
    });
    if (table.field('OwnerId')) base.OwnerId = this.integrationUser;
    if (type === 'Lead') base.Status = 'Open - Not Contacted';
    if (type === 'Task')
      Object.assign(base, {
        Status: 'Completed',
        Priority: 'Normal',
        IsClosed: true,
        TaskSubtype: 'Task',
        ActivityDate: day(t),
      });
    if (type === 'EmailMessage') Object.assign(base, { IsTracked: true, Status: '3' });
    for (const [f, v] of coerced) base[f.name] = v;
    if (table.def.fieldMap.has('firstname') && table.def.fieldMap.has('name')) {
      base.Name = [base.FirstName, base.LastName].filter((v) => v != null && v !== '').join(' ');
    }
    if (type === 'CampaignMember') {
      const responded = base.Status === 'Responded' || base.Status === 'Attended';
      base.HasResponded = responded;
      if (responded && base.FirstRespondedDate == null) base.FirstRespondedDate = day(t);
    }
    if (type === 'Event' && base.StartDateTime != null && base.ActivityDateTime == null) {
      base.ActivityDateTime = base.StartDateTime;
    }
    const row = table.append(base);
    // Logging an activity rolls up LastActivityDate and moves the parent's SystemModstamp (not LastModifiedDate).
    const who = (base.WhoId ?? base.LeadId ?? base.ContactId) as string | undefined;
    const parsed = who ? parseId(who) : undefined;
    const parent = parsed ? this.tableByPrefix(parsed.prefix) : undefined;
    if (parsed && parent?.exists(parsed.row) && this.behaviours.activityTouchesParentModstamp) {
      parent.set(parsed.row, 'SystemModstamp', t);
      if (type === 'Task' || type === 'Event') parent.set(parsed.row, 'LastActivityDate', day(t));
    }
    return table.id(row);
  }

  /** Merge: losers are deleted with MasterRecordId set; their activities move to the master. */
  mergeRecords(type: 'Lead' | 'Contact', masterId: string, loserIds: string[]): void {
    const master = this.resolveRecord(type, masterId);
    const t = this.now();
    for (const loserId of loserIds) {
      const loser = this.resolveRecord(type, loserId);
      loser.table.set(loser.row, 'IsDeleted', true);
      loser.table.set(loser.row, 'MasterRecordId', master.table.id(master.row));
      loser.table.set(loser.row, 'SystemModstamp', t);
      loser.table.set(loser.row, 'LastModifiedDate', t);
      this.reassignWho(loser.table.id(loser.row), master.table.id(master.row));
    }
    this.touch(master.table, master.row);
  }

  /** Lead conversion: new Account, Contact and Opportunity; the lead becomes read-only. */
  convertLead(
    leadId: string,
    options: { won?: boolean } = {},
  ): { contactId: string; opportunityId: string; accountId: string } {
    const { table: leads, row } = this.resolveRecord('Lead', leadId);
    if (leads.get(row, 'IsConverted') === true) {
      throw new RequestError(400, 'CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead');
    }
    const t = this.now();
    const lead = (name: string) => leads.get(row, name);
    const accountId = this.createRecord('Account', {
      Name: lead('Company'),
      Industry: lead('Industry'),
      NumberOfEmployees: lead('NumberOfEmployees'),
      BillingCountry: lead('Country'),
      Type: 'Prospect',
      OwnerId: lead('OwnerId'),
    });
    const contactId = this.createRecord('Contact', {
      AccountId: accountId,
      FirstName: lead('FirstName'),
      LastName: lead('LastName'),
      Email: lead('Email'),
      Title: lead('Title'),
      MailingCountry: lead('Country'),
      LeadSource: lead('LeadSource'),
      HasOptedOutOfEmail: lead('HasOptedOutOfEmail'),
      OwnerId: lead('OwnerId'),
    });
    const won = options.won === true;
    const opportunityId = this.createRecord('Opportunity', {
      AccountId: accountId,
      ContactId: contactId,
      Name: `${lead('Company')} - New Business`,
      StageName: won ? 'Closed Won' : 'Qualification',
      Probability: won ? 100 : 20,
      CloseDate: new Date(day(t) + 30 * DAY).toISOString().slice(0, 10),
      LeadSource: lead('LeadSource'),
      OwnerId: lead('OwnerId'),
    });
    const opps = this.must('Opportunity');
    const oppRow = parseId(opportunityId)?.row as number;
    opps.set(oppRow, 'IsClosed', won);
    opps.set(oppRow, 'IsWon', won);
    leads.set(row, 'IsConverted', true);
    leads.set(row, 'Status', 'Closed - Converted');
    leads.set(row, 'ConvertedDate', day(t));
    leads.set(row, 'ConvertedAccountId', accountId);
    leads.set(row, 'ConvertedContactId', contactId);
    leads.set(row, 'ConvertedOpportunityId', opportunityId);
    this.touch(leads, row);
    // Conversion re-parents the lead's activities to the contact; CampaignMember gains ContactId.
    if (this.behaviours.conversionMovesActivities) this.reassignWho(leads.id(row), contactId);
    const cms = this.must('CampaignMember');
    const lead15 = leads.id(row).slice(0, 15);
    for (let r = 0; r < cms.rows; r++) {
      const l = cms.get(r, 'LeadId');
      if (typeof l === 'string' && l.slice(0, 15) === lead15) cms.set(r, 'ContactId', contactId);
    }
    return { contactId, opportunityId, accountId };
  }
}
