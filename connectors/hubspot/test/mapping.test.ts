import { describe, expect, it } from 'vitest';
import {
  bounceType,
  callToEvent,
  contactToRecord,
  emailEventToEvent,
  formSubmissionToEvents,
  meetingToEvents,
  mergedIds,
  optOutToEvent,
  parseCompanySize,
  subscriptionStatusToEvents,
  toHubSpotProperties,
  toHubSpotValue,
  webEventToEvent,
} from '../mapping.js';
import type { CrmObject, EmailEvent } from '../schemas.js';

const contact = (properties: Record<string, string | null>, id = '512'): CrmObject => ({ id, properties });

describe('contactToRecord', () => {
  it('given a full contact, when mapped, then vocabulary fields are filled and other properties kept by name', () => {
    const record = contactToRecord(
      contact({
        email: 'Ada@Example.COM',
        firstname: 'Ada',
        lastname: 'Lovelace',
        company: 'Analytical Engines',
        industry: 'Computer Software',
        jobtitle: 'VP Engineering',
        numemployees: '100-500',
        country: 'United Kingdom',
        hubspot_owner_id: '41629380',
        lifecyclestage: 'lead',
        createdate: '2024-01-17T19:55:04.281Z',
        lastmodifieddate: '1717000000000',
        hs_lead_status: 'NEW',
        leadscore_score: '42',
        hs_email_optout: null,
      }),
    );
    expect(record).toMatchObject({
      source: 'hubspot',
      externalId: '512',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Analytical Engines',
      industry: 'Computer Software',
      title: 'VP Engineering',
      companySize: 100,
      country: 'United Kingdom',
      ownerId: '41629380',
      lifecycleStage: 'lead',
      createdAt: Date.parse('2024-01-17T19:55:04.281Z'),
      updatedAt: 1717000000000,
    });
    expect(record.properties).toEqual({
      hs_lead_status: 'NEW',
      leadscore_score: '42',
      hs_email_optout: null,
    });
    expect(record.dataQuality).toBeUndefined();
  });

  it.each([
    ['numemployees', 'lots', 'companySize: "lots" (numemployees) is not a number'],
    ['createdate', 'yesterday', 'createdAt: "yesterday" (createdate) is not a date'],
    [
      'lastmodifieddate',
      '2024-13-45T99:00:00Z',
      'updatedAt: "2024-13-45T99:00:00Z" (lastmodifieddate) is not a date',
    ],
  ])(
    'given %s = %j, when mapped, then the record is kept with a data-quality note',
    (property, value, note) => {
      const record = contactToRecord(contact({ email: 'a@b.c', [property]: value }));
      expect(record.externalId).toBe('512');
      expect(record.dataQuality).toEqual([note]);
    },
  );

  it('given no numemployees but an exact company_size, when mapped, then companySize uses it', () => {
    expect(contactToRecord(contact({ company_size: '1,250' })).companySize).toBe(1250);
  });

  it.each([
    ['25-50', 25],
    ['1000+', 1000],
    ['42', 42],
    ['', undefined],
  ])('given numemployees %j, when parsed, then %j', (value, expected) => {
    expect(parseCompanySize(value)).toBe(expected);
  });

  it('given hs_merged_object_ids, when read, then the merged ids come back without the survivor', () => {
    expect(mergedIds(contact({ hs_merged_object_ids: '101;102;512' }))).toEqual(['101', '102']);
    expect(mergedIds(contact({ hs_merged_object_ids: '' }))).toEqual([]);
  });
});

const emailEvent = (over: Partial<EmailEvent>): EmailEvent => ({
  id: 'ev1',
  created: 1_700_000_000_000,
  type: 'OPEN',
  recipient: 'a@b.c',
  emailCampaignId: 301450000,
  ...over,
});

describe('emailEventToEvent', () => {
  it.each([
    ['DELIVERED', 'email_sent'],
    ['OPEN', 'email_open'],
    ['CLICK', 'email_click'],
    ['BOUNCE', 'email_bounce'],
    ['SPAMREPORT', 'unsubscribe'],
  ])(
    'given a %s event, when mapped, then it is %s with a stable sourceId and the campaign',
    (type, expected) => {
      const event = emailEventToEvent(emailEvent({ type }), '512');
      expect(event).toMatchObject({
        source: 'hubspot',
        sourceId: 'email:ev1',
        recordExternalId: '512',
        type: expected,
      });
      expect(event?.attributes.campaignId).toBe('301450000');
      expect(event?.occurredAt).toBe(1_700_000_000_000);
    },
  );

  it.each(['SENT', 'PROCESSED', 'DEFERRED', 'DROPPED', 'FORWARD', 'PRINT'])(
    'given a %s event, when mapped, then it is skipped',
    (type) => {
      expect(emailEventToEvent(emailEvent({ type }), '512')).toBeUndefined();
    },
  );

  it('given a CLICK, when mapped, then the url is an attribute', () => {
    expect(
      emailEventToEvent(emailEvent({ type: 'CLICK', url: 'https://x.example/pricing' }), '1')?.attributes.url,
    ).toBe('https://x.example/pricing');
  });

  it.each([
    [{ category: 'UNKNOWN_USER' }, 'hard'],
    [{ category: 'MAILBOX_FULL' }, 'soft'],
    [{ category: 'POLICY' }, 'soft'],
    [{ response: '550 5.1.1 no such user' }, 'hard'],
    [{ status: '421' }, 'soft'],
    [{}, 'soft'],
  ] as const)('given a bounce with %j, when classified, then it is %s', (fields, expected) => {
    expect(bounceType(fields)).toBe(expected);
    expect(emailEventToEvent(emailEvent({ type: 'BOUNCE', ...fields }), '1')?.attributes.bounceType).toBe(
      expected,
    );
  });

  it('given a STATUSCHANGE to unsubscribed, when mapped, then it is an unsubscribe; a resubscribe is skipped', () => {
    expect(
      emailEventToEvent(emailEvent({ type: 'STATUSCHANGE', portalSubscriptionStatus: 'UNSUBSCRIBED' }), '1')
        ?.type,
    ).toBe('unsubscribe');
    expect(
      emailEventToEvent(
        emailEvent({ type: 'STATUSCHANGE', subscriptions: [{ id: 7, status: 'UNSUBSCRIBED' }] }),
        '1',
      )?.type,
    ).toBe('unsubscribe');
    expect(
      emailEventToEvent(emailEvent({ type: 'STATUSCHANGE', portalSubscriptionStatus: 'SUBSCRIBED' }), '1'),
    ).toBeUndefined();
  });
});

describe('other events', () => {
  const submission = {
    conversionId: 'c-1',
    submittedAt: 1_700_000_000_000,
    values: [{ name: 'email', value: 'a@b.c' }],
    pageUrl: 'https://x.example/demo',
  };

  it.each([
    ['Contact us', ['form_submission']],
    ['Request a demo', ['form_submission', 'demo_request']],
    ['Ebook download: The lead scoring guide', ['form_submission', 'content_download']],
  ])('given a submission of form %j, when mapped, then the events are %j', (name, types) => {
    const events = formSubmissionToEvents(submission, { id: 'f-1', name }, '512');
    expect(events.map((e) => e.type)).toEqual(types);
    expect(events[0]).toMatchObject({
      sourceId: 'form:c-1',
      attributes: { formId: 'f-1', url: 'https://x.example/demo' },
    });
    expect(new Set(events.map((e) => e.sourceId)).size).toBe(events.length);
  });

  it('given an e_visited_page event, when mapped, then it is a page_view of the contact with the url', () => {
    const event = webEventToEvent({
      id: 'w1',
      eventType: 'e_visited_page',
      objectType: 'contact',
      objectId: '512',
      occurredAt: new Date(1_700_000_000_000),
      properties: { hs_url: 'https://x.example/pricing', hs_title: 'Pricing' },
    });
    expect(event).toMatchObject({
      sourceId: 'web:w1',
      recordExternalId: '512',
      type: 'page_view',
      attributes: { url: 'https://x.example/pricing' },
    });
  });

  const meeting = (props: Record<string, string | null>) => ({
    id: 'm1',
    properties: {
      hs_createdate: '1000',
      hs_meeting_start_time: '5000',
      hs_meeting_end_time: '1805000',
      ...props,
    },
  });

  it.each([
    [{ hs_meeting_outcome: 'COMPLETED' }, 10_000, ['meeting_booked', 'meeting_held']],
    [{ hs_meeting_outcome: 'SCHEDULED' }, 10_000, ['meeting_booked']],
    [{ hs_meeting_outcome: 'NO_SHOW' }, 10_000, ['meeting_booked']],
    [{ hs_meeting_outcome: 'CANCELED' }, 10_000, ['meeting_booked']],
    [{ hs_meeting_outcome: null }, 10_000, ['meeting_booked', 'meeting_held']],
    [{ hs_meeting_outcome: null }, 4_000, ['meeting_booked']],
  ])('given a meeting %j at time %d, when mapped, then %j', (props, now, types) => {
    const events = meetingToEvents(meeting(props), '512', now);
    expect(events.map((e) => e.type)).toEqual(types);
    const held = events.find((e) => e.type === 'meeting_held');
    if (held) expect(held).toMatchObject({ occurredAt: 5000, attributes: { durationSeconds: 1800 } });
    expect(events[0]?.occurredAt).toBe(1000);
  });

  it('given a call with duration in ms and a known disposition, when mapped, then seconds and the label', () => {
    const event = callToEvent(
      {
        id: 'c9',
        properties: {
          hs_timestamp: '2024-05-01T10:00:00Z',
          hs_call_duration: '95000',
          hs_call_disposition: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
        },
      },
      '512',
    );
    expect(event).toMatchObject({
      sourceId: 'call:c9:512',
      type: 'call',
      attributes: { durationSeconds: 95, outcome: 'Connected' },
    });
  });

  it('given an opted-out contact, when mapped, then one unsubscribe event; opted-in gives none', () => {
    expect(optOutToEvent(contact({ hs_email_optout: 'true', lastmodifieddate: '2000' }))).toMatchObject({
      sourceId: 'optout:512',
      type: 'unsubscribe',
      occurredAt: 2000,
    });
    expect(optOutToEvent(contact({ hs_email_optout: 'false', lastmodifieddate: '2000' }))).toBeUndefined();
  });

  it('given subscription statuses, when mapped, then one unsubscribe per NOT_SUBSCRIBED', () => {
    const events = subscriptionStatusToEvents(
      {
        recipient: 'a@b.c',
        subscriptionStatuses: [
          { id: '1', name: 'Newsletter', status: 'NOT_SUBSCRIBED', sourceOfStatus: 'SUBSCRIPTION_STATUS' },
          { id: '2', name: 'Product', status: 'SUBSCRIBED', sourceOfStatus: 'SUBSCRIPTION_STATUS' },
        ],
      },
      '512',
      3000,
    );
    expect(events.map((e) => [e.sourceId, e.attributes.subscriptionId])).toEqual([
      ['subscription:512:1', '1'],
    ]);
  });
});

describe('write values', () => {
  it.each([
    [42, '42'],
    [0, '0'],
    ['B2', 'B2'],
    [null, ''],
    ['2026-11-25T12:00:00.000Z', String(Date.parse('2026-11-25T12:00:00.000Z'))],
  ] as const)('given %j, when converted, then HubSpot gets %j', (value, expected) => {
    expect(toHubSpotValue(value)).toBe(expected);
  });

  it('given a non-finite number, when converted, then it throws rather than write garbage', () => {
    expect(() => toHubSpotValue(Number.NaN)).toThrow(RangeError);
  });

  it('given a payload, when converted, then every property is a string', () => {
    expect(toHubSpotProperties({ leadscore_score: 55, leadscore_stage: null })).toEqual({
      leadscore_score: '55',
      leadscore_stage: '',
    });
  });
});
