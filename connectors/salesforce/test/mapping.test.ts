import { describe, expect, it } from 'vitest';
import { WON_DEAL_AT_PROPERTY } from '../../../src/crm/vocabulary.js';
import {
  campaignMemberToEvent,
  customFieldName,
  earliestWonByContact,
  emailMessageToEvents,
  eventToEvents,
  optOutEvent,
  parseSfDateTime,
  rowToRecord,
  soqlDateTime,
  taskToEvent,
  toSalesforceValues,
} from '../mapping.js';
import type {
  CampaignMemberRow,
  ContactRow,
  EmailMessageRow,
  EventRow,
  LeadRow,
  TaskRow,
} from '../schemas.js';

const T = '2026-03-01T10:00:00.000+0000';
const T_MS = Date.UTC(2026, 2, 1, 10);
const LEAD = '00Q5g0000000001EAA';
const CONTACT = '0035g0000000001AAA';

const lead = (extra: Record<string, unknown> = {}): LeadRow =>
  ({
    attributes: { type: 'Lead' },
    Id: LEAD,
    IsDeleted: false,
    SystemModstamp: T,
    CreatedDate: '2026-01-01T00:00:00.000+0000',
    Email: 'Ada@Example.com',
    FirstName: 'Ada',
    LastName: 'Lovelace',
    Company: 'Analytical Engines',
    Industry: 'Technology',
    Title: 'CTO',
    NumberOfEmployees: 250,
    Country: 'UK',
    OwnerId: '0055g0000000001AAA',
    Status: 'Working - Contacted',
    LeadSource: 'Web',
    IsConverted: false,
    HasOptedOutOfEmail: false,
    ...extra,
  }) as LeadRow;

describe('rowToRecord', () => {
  it('given a Lead row, when mapped, then vocabulary fields are filled and the rest stays in properties by API name', () => {
    const record = rowToRecord(
      'Lead',
      lead({ leadscore_score__c: 42, ConvertedContactId: null }),
      new Map([['score', 'leadscore_score__c']]),
    );
    expect(record).toMatchObject({
      source: 'salesforce',
      externalId: LEAD,
      email: 'ada@example.com',
      firstName: 'Ada',
      company: 'Analytical Engines',
      industry: 'Technology',
      companySize: 250,
      country: 'UK',
      lifecycleStage: 'Working - Contacted',
      createdAt: Date.UTC(2026, 0, 1),
      updatedAt: T_MS,
    });
    expect(record.properties).toMatchObject({
      LeadSource: 'Web',
      Status: 'Working - Contacted',
      leadscore_score__c: 42,
      score: 42,
      ConvertedContactId: null,
    });
    expect(record.properties).not.toHaveProperty('attributes');
    expect(record.dataQuality).toBeUndefined();
  });

  it('given a Contact row, when mapped, then firmographics come from its Account', () => {
    const row = {
      attributes: { type: 'Contact' },
      Id: CONTACT,
      SystemModstamp: T,
      MailingCountry: 'DE',
      Account: { attributes: { type: 'Account' }, Name: 'Acme', Industry: 'Retail', NumberOfEmployees: 40 },
    } as unknown as ContactRow;
    const record = rowToRecord('Contact', row);
    expect(record).toMatchObject({ company: 'Acme', industry: 'Retail', companySize: 40, country: 'DE' });
    expect(record.lifecycleStage).toBeUndefined();
    expect(record.properties['Account.Name']).toBeUndefined();
  });

  it.each([
    ['a non-numeric size', { NumberOfEmployees: 'lots' }, 'companySize: "lots" is not a number'],
    ['a negative size', { NumberOfEmployees: -3 }, 'companySize: -3 is not a number'],
    ['a broken email', { Email: 'not-an-email' }, 'email: "not-an-email" is not an email address'],
    ['a broken date', { CreatedDate: 'yesterday' }, 'createdAt: "yesterday" is not a date-time'],
  ])('given %s, when mapped, then the record is kept with a data-quality note', (_name, extra, note) => {
    const record = rowToRecord('Lead', lead(extra));
    expect(record.externalId).toBe(LEAD);
    expect(record.dataQuality).toContain(note);
  });

  it('given a converted lead, when mapped, then it stays a record with its conversion fields', () => {
    const record = rowToRecord(
      'Lead',
      lead({ IsConverted: true, ConvertedContactId: CONTACT, ConvertedDate: '2026-02-01' }),
    );
    expect(record.properties).toMatchObject({
      IsConverted: true,
      ConvertedContactId: CONTACT,
      ConvertedDate: '2026-02-01',
    });
  });
});

describe('events', () => {
  const task = (extra: Record<string, unknown>): TaskRow =>
    ({ Id: '00T5g0000000001EAA', SystemModstamp: T, CreatedDate: T, WhoId: LEAD, ...extra }) as TaskRow;

  it.each([
    ['an Email task', { TaskSubtype: 'Email', Subject: 'Intro' }, 'email_sent'],
    ['an Email task answering', { TaskSubtype: 'Email', Subject: 'RE: Intro' }, 'email_reply'],
    ['a ListEmail task', { TaskSubtype: 'ListEmail', Subject: 'Newsletter' }, 'email_sent'],
    ['a Call task', { TaskSubtype: 'Call', CallDurationInSeconds: 95, CallDisposition: 'Connected' }, 'call'],
    ['a plain task', { TaskSubtype: 'Task' }, undefined],
    ['a task on a contact', { TaskSubtype: 'Call', WhoId: CONTACT }, undefined],
  ])('given %s, when mapped for leads, then it is %s', (_name, extra, type) => {
    const event = taskToEvent('Lead', task(extra));
    expect(event?.type).toBe(type);
    if (event)
      expect(event).toMatchObject({
        sourceId: '00T5g0000000001EAA',
        recordExternalId: LEAD,
        occurredAt: T_MS,
      });
    if (type === 'call')
      expect(event?.attributes).toMatchObject({ durationSeconds: 95, outcome: 'Connected' });
  });

  it.each([
    ['a past meeting', '2026-03-01T09:00:00.000+0000', ['meeting_booked', 'meeting_held']],
    ['a future meeting', '2026-03-09T09:00:00.000+0000', ['meeting_booked']],
  ])('given %s, when mapped, then it gives %j', (_name, start, types) => {
    const row = {
      Id: '00U1',
      SystemModstamp: T,
      CreatedDate: '2026-02-20T00:00:00.000+0000',
      WhoId: LEAD,
      StartDateTime: start,
      DurationInMinutes: 30,
    } as EventRow;
    const events = eventToEvents('Lead', row, T_MS);
    expect(events.map((e) => e.type)).toEqual(types);
    expect(events.map((e) => e.sourceId)).toEqual(
      types.map((t) => (t === 'meeting_booked' ? '00U1:booked' : '00U1:held')),
    );
    if (types.length === 2) expect(events[1]?.attributes.durationSeconds).toBe(1800);
  });

  it.each([
    ['a demo request form', 'Website - Demo Request', 'Other', true, 'demo_request'],
    ['a content download', 'Content - Lead Scoring Playbook', 'Advertisement', true, 'content_download'],
    ['a contact-us form', 'Website - Contact Us', 'Other', true, 'form_submission'],
    ['a send without response', 'Newsletter - Monthly', 'Email', false, undefined],
  ])('given %s campaign member, when mapped, then it is %s', (_name, campaign, type, responded, expected) => {
    const row = {
      Id: '00v1',
      SystemModstamp: T,
      CampaignId: '7011',
      LeadId: LEAD,
      HasResponded: responded,
      FirstRespondedDate: '2026-03-01',
      Campaign: { Name: campaign, Type: type },
    } as CampaignMemberRow;
    const event = campaignMemberToEvent('Lead', row);
    expect(event?.type).toBe(expected);
    if (event)
      expect(event).toMatchObject({
        sourceId: '00v1',
        occurredAt: Date.UTC(2026, 2, 1),
        attributes: { campaignName: campaign },
      });
  });

  it('given an EmailMessage with opens and a click, when mapped, then it gives first and last opens and a click joined to the Task WhoId', () => {
    const row = {
      Id: '02s1',
      SystemModstamp: T,
      ActivityId: '00T1',
      Activity: { WhoId: LEAD },
      FirstOpenedDate: '2026-03-01T10:00:00.000+0000',
      LastOpenedDate: '2026-03-02T10:00:00.000+0000',
      FirstLinkClickedDate: '2026-03-01T10:05:00.000+0000',
    } as EmailMessageRow;
    const events = emailMessageToEvents('Lead', row);
    expect(events.map((e) => [e.type, e.sourceId, e.recordExternalId])).toEqual([
      ['email_open', `02s1:open:${T_MS}`, LEAD],
      ['email_open', `02s1:open:${T_MS + 86_400_000}`, LEAD],
      ['email_click', '02s1:click', LEAD],
    ]);
    expect(emailMessageToEvents('Contact', row)).toEqual([]);
  });

  it('given an opted-out lead, when mapped, then one unsubscribe event with a stable id', () => {
    expect(optOutEvent(lead({ HasOptedOutOfEmail: true }))).toMatchObject({
      type: 'unsubscribe',
      sourceId: `${LEAD}:unsubscribe`,
    });
    expect(optOutEvent(lead())).toBeUndefined();
  });
});

describe('values and names', () => {
  it.each([
    ['2026-03-01T10:00:00.000+0000', T_MS],
    ['2026-03-01T12:00:00.000+0200', T_MS],
    ['2026-03-01', Date.UTC(2026, 2, 1)],
    ['nope', undefined],
    [null, undefined],
  ])('given %s, when parsed, then %s', (value, expected) => {
    expect(parseSfDateTime(value)).toBe(expected);
  });

  it('given a time with milliseconds, when written as a SOQL literal, then it is unquoted UTC whole seconds', () => {
    expect(soqlDateTime(T_MS + 999)).toBe('2026-03-01T10:00:00Z');
  });

  it.each([
    ['leadscore_score__c', 'leadscore_score__c'],
    ['leadscore_score', 'LeadscoreScore__c'],
    ['score', 'Score__c'],
  ])('given write field %s, then its API name is %s', (name, apiName) => {
    expect(customFieldName(name)).toBe(apiName);
  });

  it('given write values, when converted, then numbers stay numbers, datetimes ISO and empty strings null', () => {
    const types = new Map([
      ['s', 'number'],
      ['t', 'datetime'],
      ['b', 'string'],
    ] as const);
    const names = new Map([['s', 'S__c']]);
    expect(toSalesforceValues({ s: '42', t: T_MS, b: '' }, types, names)).toEqual({
      S__c: 42,
      t: new Date(T_MS).toISOString(),
      b: null,
    });
  });
});

describe('who resolution', () => {
  it('given a resolver for converted leads, when a contact activity is mapped, then it lands on the lead it came from', () => {
    const resolve = (id: string) => (id === CONTACT ? LEAD : undefined);
    const row = {
      Id: '00T9',
      SystemModstamp: T,
      CreatedDate: T,
      WhoId: CONTACT,
      TaskSubtype: 'Call',
    } as TaskRow;
    expect(taskToEvent(resolve, row)?.recordExternalId).toBe(LEAD);
    expect(taskToEvent('Lead', row)).toBeUndefined();
    expect(taskToEvent(resolve, { ...row, WhoId: '0035g0000000009AAA' })).toBeUndefined();
  });
});

describe('won-deal label', () => {
  it.each([
    ['a won converted opportunity', { IsWon: true, CloseDate: '2026-02-03' }, Date.UTC(2026, 1, 3)],
    ['an open converted opportunity', { IsWon: false, CloseDate: '2026-02-03' }, null],
    ['a won opportunity without a CloseDate', { IsWon: true, CloseDate: null }, null],
  ])(
    'given a lead with %s, when mapped, then the label is %s and no relationship path is left in properties',
    (_label, opportunity, expected) => {
      const record = rowToRecord(
        'Lead',
        lead({
          IsConverted: true,
          ConvertedOpportunityId: '0065g0000000001AAA',
          ConvertedOpportunity: opportunity,
        }),
      );
      expect(record.properties[WON_DEAL_AT_PROPERTY]).toBe(expected);
      expect(Object.keys(record.properties).filter((key) => key.startsWith('ConvertedOpportunity.'))).toEqual(
        [],
      );
      expect(record.properties.ConvertedOpportunityId).toBe('0065g0000000001AAA');
    },
  );

  it('given an unconverted lead (ConvertedOpportunity null), when mapped, then its label is null (a stored one is cleared)', () => {
    const record = rowToRecord('Lead', lead({ ConvertedOpportunity: null }));
    expect(record.properties[WON_DEAL_AT_PROPERTY]).toBeNull();
    expect(record.properties).not.toHaveProperty('ConvertedOpportunity');
  });

  it('given won opportunities for contacts, when folded, then each contact gets its earliest CloseDate and open or unlinked ones are ignored', () => {
    const won = earliestWonByContact([
      { ContactId: CONTACT, CloseDate: '2026-05-01', IsWon: true },
      { ContactId: CONTACT, CloseDate: '2025-11-30', IsWon: true },
      { ContactId: CONTACT, CloseDate: '2024-01-01', IsWon: false },
      { ContactId: null, CloseDate: '2024-01-01', IsWon: true },
      { ContactId: '0035g0000000002AAA', CloseDate: 'soon', IsWon: true },
    ]);
    expect([...won]).toEqual([[CONTACT, Date.UTC(2025, 10, 30)]]);
    const contact = rowToRecord(
      'Contact',
      { Id: CONTACT, SystemModstamp: T } as ContactRow,
      new Map(),
      won.get(CONTACT),
    );
    expect(contact.properties[WON_DEAL_AT_PROPERTY]).toBe(Date.UTC(2025, 10, 30));
  });
});
