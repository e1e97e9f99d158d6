import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitedError, type RecordWrite } from '../../../src/crm/ports.js';
import { LeadscoreError } from '../../../src/errors.js';
import { formatPlan, writeFieldsFor } from '../../../src/sync/writeback.js';
import { createHubSpotConnector, type HubSpotConnectorOptions } from '../adapter.js';
import { HubSpotClient } from '../client.js';

const BASE = 'https://hs.test';
const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const FIELDS = writeFieldsFor({
  score: 'leadscore_score',
  band: 'leadscore_band',
  fit: 'leadscore_fit',
  engagement: 'leadscore_engagement',
  reasons: 'leadscore_reasons',
  stage: 'leadscore_stage',
  updatedAt: 'leadscore_updated_at',
});

function setup(overrides: Partial<HubSpotConnectorOptions> = {}) {
  const client = new HubSpotClient({
    auth: { kind: 'privateApp', accessToken: 'pat-test' },
    tier: 'professional',
    basePath: BASE,
    pauseOnRateLimit: false,
    now: () => NOW,
    sleep: async () => {},
    lanes: { search: { limit: 100, intervalMs: 1000 } },
  });
  const connector = createHubSpotConnector({
    client,
    tier: 'professional',
    writeFields: FIELDS,
    searchOverlapMs: 60_000,
    now: () => NOW,
    ...overrides,
  });
  const stream = (name: string, mode: 'incremental' | 'full' = 'incremental') => {
    const found = connector.reader.streams(mode).find((s) => s.name === name);
    if (!found) throw new Error(`no stream ${name}`);
    return found;
  };
  return { client, connector, stream };
}

const contact = (id: string, props: Record<string, string | null> = {}) => ({
  id,
  properties: { email: `c${id}@example.com`, lastmodifieddate: '2026-11-20T10:00:00.000Z', ...props },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
  archived: false,
});

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  nock.cleanAll();
});

describe('contacts stream', () => {
  it('given two list pages, when a full sync walks them, then records, merges and opt-outs come out and the cursor turns incremental', async () => {
    // Won-deal labels have their own tests (deals.integration.test.ts); without the stream no deal list is read.
    const { stream } = setup({ disabledStreams: ['deals'] });
    const contacts = stream('contacts', 'full');
    nock(BASE)
      .get('/crm/v3/objects/contacts')
      .query(
        (q) =>
          q.limit === '100' &&
          q.after === undefined &&
          String(q.properties).includes('leadscore_score') &&
          q.archived === 'false',
      )
      .reply(200, {
        results: [contact('1', { hs_merged_object_ids: '7;8' }), contact('2')],
        paging: { next: { after: 'MTAw' } },
      });
    nock(BASE)
      .get('/crm/v3/objects/contacts')
      .query((q) => q.after === 'MTAw')
      .reply(200, { results: [contact('3', { hs_email_optout: 'true' })] });
    const first = await contacts.pull(undefined);
    expect(first.records.map((r) => r.externalId)).toEqual(['1', '2']);
    expect(first.merges).toEqual([{ survivor: '1', merged: ['7', '8'] }]);
    expect(first.done).toBe(false);
    const second = await contacts.pull(first.cursor);
    expect(second.done).toBe(true);
    expect(second.events.map((e) => [e.type, e.recordExternalId])).toEqual([['unsubscribe', '3']]);
    expect(JSON.parse(second.cursor)).toEqual({ mode: 'search', lastModified: NOW, lastId: '' });
  });

  it('given a saved cursor, when an incremental sync starts, then it searches from the cursor less the overlap, ascending', async () => {
    const { stream } = setup();
    let sent: Record<string, unknown> | undefined;
    nock(BASE)
      .post('/crm/v3/objects/contacts/search', (body) => {
        sent = body;
        return true;
      })
      .reply(200, { total: 1, results: [contact('5', { lastmodifieddate: '2026-11-25T11:30:00.000Z' })] });
    const page = await stream('contacts').pull(
      JSON.stringify({ mode: 'search', lastModified: NOW - 3_600_000, lastId: '4' }),
    );
    expect(sent).toMatchObject({
      filterGroups: [
        {
          filters: [
            { propertyName: 'lastmodifieddate', operator: 'GTE', value: String(NOW - 3_600_000 - 60_000) },
          ],
        },
      ],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
      limit: 200,
    });
    expect(sent?.after).toBeUndefined();
    expect(page.done).toBe(true);
    // The walk reached the end: the next run starts from this run's start (less the overlap), not from contact 5.
    expect(JSON.parse(page.cursor)).toEqual({ mode: 'search', lastModified: NOW, lastId: '' });
  });

  it('given a cursor that does not parse, when an incremental sync starts, then it falls back to a full list walk', async () => {
    // Won-deal labels have their own tests (deals.integration.test.ts); without the stream no deal list is read.
    const { stream } = setup({ disabledStreams: ['deals'] });
    nock(BASE)
      .get('/crm/v3/objects/contacts')
      .query(true)
      .reply(200, { results: [contact('1')] });
    const page = await stream('contacts').pull('not json');
    expect(page.records).toHaveLength(1);
  });

  it('given a full sync, when the archived stream runs, then archived ids are reported', async () => {
    const { stream } = setup();
    nock(BASE)
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'true')
      .reply(200, { results: [{ ...contact('9'), archived: true, archivedAt: '2026-11-01T00:00:00.000Z' }] });
    const page = await stream('contacts-archived', 'full').pull(undefined);
    expect(page).toMatchObject({ archived: ['9'], done: true, records: [] });
  });
});

describe('engagement streams', () => {
  it('given email events by recipient, when pulled, then recipients resolve to contact ids through one search and the window is pinned', async () => {
    const { connector, stream } = setup();
    const events = stream('email-events');
    nock(BASE)
      .get('/email/public/v1/events')
      .query(
        (q) =>
          q.startTimestamp === '0' &&
          q.endTimestamp === String(NOW) &&
          q.limit === '1000' &&
          q.offset === undefined,
      )
      .reply(200, {
        hasMore: true,
        offset: 'abc',
        events: [
          { id: 'e1', created: 1000, type: 'OPEN', recipient: 'Ada@Example.com', emailCampaignId: 11 },
          {
            id: 'e2',
            created: 1001,
            type: 'CLICK',
            recipient: 'ada@example.com',
            emailCampaignId: 11,
            url: 'https://x/pricing',
          },
          { id: 'e3', created: 1002, type: 'OPEN', recipient: 'ghost@example.com', emailCampaignId: 11 },
          { id: 'e4', created: 1003, type: 'SENT', recipient: 'ada@example.com', emailCampaignId: 11 },
        ],
      });
    let searched: Record<string, unknown> | undefined;
    nock(BASE)
      .post('/crm/v3/objects/contacts/search', (body) => {
        searched = body;
        return true;
      })
      .reply(200, { total: 1, results: [{ id: '42', properties: { email: 'ada@example.com' } }] });
    const page = await events.pull(undefined);
    expect(searched?.filterGroups).toEqual([
      {
        filters: [
          { propertyName: 'email', operator: 'IN', values: ['ada@example.com', 'ghost@example.com'] },
        ],
      },
    ]);
    expect(page.events.map((e) => [e.sourceId, e.type, e.recordExternalId])).toEqual([
      ['email:e1', 'email_open', '42'],
      ['email:e2', 'email_click', '42'],
    ]);
    expect(connector.unresolved['email-events']).toBe(1);
    expect(JSON.parse(page.cursor)).toEqual({ since: 0, until: NOW, offset: 'abc' });

    nock(BASE)
      .get('/email/public/v1/events')
      .query((q) => q.offset === 'abc' && q.endTimestamp === String(NOW))
      .reply(200, {
        hasMore: false,
        offset: 'def',
        events: [{ id: 'e5', created: 999, type: 'DELIVERED', recipient: 'ada@example.com' }],
      });
    const last = await events.pull(page.cursor);
    expect(last.events.map((e) => e.type)).toEqual(['email_sent']);
    expect(last.done).toBe(true);
    expect(JSON.parse(last.cursor)).toEqual({ since: NOW });
  });

  it('given a finished window, when the next email-events window starts, then it begins the overlap earlier and keeps that start while paging', async () => {
    const { stream } = setup();
    const events = stream('email-events');
    const since = NOW - 3_600_000;
    nock(BASE)
      .get('/email/public/v1/events')
      .query((q) => q.startTimestamp === String(since - 60_000) && q.endTimestamp === String(NOW))
      .reply(200, { hasMore: true, offset: 'p2', events: [] });
    const first = await events.pull(JSON.stringify({ since }));
    nock(BASE)
      .get('/email/public/v1/events')
      .query((q) => q.startTimestamp === String(since - 60_000) && q.offset === 'p2')
      .reply(200, { hasMore: false, events: [] });
    const second = await events.pull(first.cursor);
    expect(JSON.parse(second.cursor)).toEqual({ since: NOW });
  });

  it('given forms with submissions newest first, when pulled from a cursor, then each form stops at the cursor time', async () => {
    const { stream } = setup();
    const forms = stream('form-submissions');
    const since = NOW - 86_400_000;
    nock(BASE)
      .get('/marketing/v3/forms')
      .query(true)
      .reply(200, {
        results: [
          { id: 'f-demo', name: 'Request a demo' },
          { id: 'f-news', name: 'Newsletter' },
        ],
      });
    nock(BASE)
      .get('/form-integrations/v1/submissions/forms/f-demo')
      .query({ limit: '50' })
      .reply(200, {
        results: [
          {
            conversionId: 'c2',
            submittedAt: NOW - 1000,
            values: [{ name: 'email', value: 'ada@example.com' }],
            pageUrl: 'https://x/demo',
          },
          {
            conversionId: 'c1',
            submittedAt: since - 120_000,
            values: [{ name: 'email', value: 'ada@example.com' }],
          },
        ],
        paging: { next: { after: 'x' } },
      });
    nock(BASE)
      .post('/crm/v3/objects/contacts/search')
      .reply(200, { total: 1, results: [{ id: '42', properties: { email: 'ada@example.com' } }] });
    const first = await forms.pull(JSON.stringify({ since: since + 60_000 }));
    expect(first.events.map((e) => [e.sourceId, e.type])).toEqual([
      ['form:c2', 'form_submission'],
      ['form:c2:demo', 'demo_request'],
    ]);
    expect(first.done).toBe(false);
    nock(BASE).get('/form-integrations/v1/submissions/forms/f-news').query(true).reply(200, { results: [] });
    const second = await forms.pull(first.cursor);
    expect(second.done).toBe(true);
    expect(JSON.parse(second.cursor)).toEqual({ since: NOW });
  });

  it('given changed meetings, when pulled, then their contacts come from v4 associations and held meetings yield two events', async () => {
    const { stream } = setup();
    nock(BASE)
      .post(
        '/crm/v3/objects/meetings/search',
        (body) => body.filterGroups[0].filters[0].propertyName === 'hs_lastmodifieddate',
      )
      .reply(200, {
        total: 1,
        results: [
          {
            id: 'm1',
            properties: {
              hs_lastmodifieddate: '2026-11-24T10:00:00.000Z',
              hs_createdate: '2026-11-20T10:00:00.000Z',
              hs_meeting_start_time: '2026-11-24T09:00:00.000Z',
              hs_meeting_end_time: '2026-11-24T09:30:00.000Z',
              hs_meeting_outcome: 'COMPLETED',
            },
          },
        ],
      });
    nock(BASE)
      .post('/crm/v4/associations/meetings/contacts/batch/read', { inputs: [{ id: 'm1' }] })
      .reply(200, {
        status: 'COMPLETE',
        results: [{ from: { id: 'm1' }, to: [{ toObjectId: 42, associationTypes: [] }] }],
        startedAt: 'x',
        completedAt: 'y',
      });
    const page = await stream('meetings').pull(
      JSON.stringify({ lastModified: NOW - 86_400_000, lastId: '' }),
    );
    expect(
      page.events.map((e) => [e.type, e.recordExternalId, e.attributes.durationSeconds ?? null]),
    ).toEqual([
      ['meeting_booked', '42', null],
      ['meeting_held', '42', 1800],
    ]);
  });

  it('given a full sync, when calls are pulled, then the list carries their contacts (no association calls)', async () => {
    const { stream } = setup();
    nock(BASE)
      .get('/crm/v3/objects/calls')
      .query((q) => q.associations === 'contacts' && q.limit === '100')
      .reply(200, {
        results: [
          {
            id: 'c1',
            properties: {
              hs_timestamp: '2026-11-24T10:00:00.000Z',
              hs_call_duration: '61000',
              hs_call_disposition: '73a0d17f-1163-4015-bdd5-ec830791da20',
            },
            associations: {
              contacts: {
                results: [
                  { id: '42', type: 'call_to_contact' },
                  { id: '43', type: 'call_to_contact' },
                ],
              },
            },
          },
        ],
      });
    const page = await stream('calls', 'full').pull(undefined);
    expect(page.events.map((e) => [e.sourceId, e.attributes.durationSeconds, e.attributes.outcome])).toEqual([
      ['call:c1:42', 61, 'No answer'],
      ['call:c1:43', 61, 'No answer'],
    ]);
    expect(page.done).toBe(true);
    expect(JSON.parse(page.cursor)).toEqual({ lastModified: NOW, lastId: '' });
  });

  it('given a non-Enterprise tier, when listing streams, then there is no page-view stream', () => {
    expect(
      setup()
        .connector.reader.streams('incremental')
        .map((s) => s.name),
    ).toEqual(['deals', 'contacts', 'email-events', 'form-submissions', 'meetings', 'calls']);
    expect(
      setup({ tier: 'enterprise' })
        .connector.reader.streams('full')
        .map((s) => s.name),
    ).toContain('page-views');
  });
});

describe('readRecords', () => {
  it('given 150 ids, when read, then two batch reads of at most 100 and merged ids answer with their survivor', async () => {
    const { connector } = setup();
    const ids = Array.from({ length: 150 }, (_, i) => String(i + 1));
    const sizes: number[] = [];
    nock(BASE)
      .post('/crm/v3/objects/contacts/batch/read', (body) => {
        sizes.push(body.inputs.length);
        return true;
      })
      .query(true)
      .twice()
      .reply(async (request: Request) => {
        const body = (await request.json()) as { inputs: Array<{ id: string }> };
        const results = body.inputs
          .filter((i) => i.id !== '3')
          .map((i) => contact(i.id === '2' ? '900' : i.id));
        return [
          207,
          {
            status: 'COMPLETE',
            results,
            numErrors: 1,
            errors: [
              {
                status: 'error',
                category: 'OBJECT_NOT_FOUND',
                message: 'Could not get some CONTACT objects',
                context: { ids: ['3'] },
              },
            ],
            startedAt: 'x',
            completedAt: 'y',
          },
        ];
      });
    const records = await connector.reader.readRecords(ids);
    expect(sizes).toEqual([100, 50]);
    expect(records.map((r) => r.externalId)).toContain('900');
    expect(records.map((r) => r.externalId)).not.toContain('3');
  });
});

describe('writer', () => {
  const writes = (...ids: string[]): RecordWrite[] =>
    ids.map((id, i) => ({
      outboxId: i + 1,
      externalId: id,
      values: { leadscore_score: 50 + i, leadscore_stage: null },
    }));

  it('given a 207 with a validation error and a missing record, when written, then per-record outcomes', async () => {
    const { connector } = setup();
    let sent: { inputs: Array<{ id: string; properties: Record<string, string> }> } | undefined;
    nock(BASE)
      .post('/crm/v3/objects/contacts/batch/update', (body) => {
        sent = body;
        return true;
      })
      .reply(207, {
        status: 'COMPLETE',
        results: [contact('1')],
        numErrors: 3,
        errors: [
          {
            status: 'error',
            category: 'VALIDATION_ERROR',
            message: 'Property values were not valid: leadscore_score',
            context: { objectWriteTraceId: ['2'] },
          },
          {
            status: 'error',
            category: 'OBJECT_NOT_FOUND',
            message: 'Could not get some CONTACT objects',
            context: { ids: ['3'] },
          },
          { status: 'error', category: 'INTERNAL_ERROR', message: 'try again', context: { ids: ['4'] } },
        ],
        startedAt: 'x',
        completedAt: 'y',
      });
    const outcomes = await connector.writer.write(writes('1', '2', '3', '4'));
    expect(sent?.inputs[0]).toEqual({
      id: '1',
      properties: { leadscore_score: '50', leadscore_stage: '' },
      objectWriteTraceId: '1',
    });
    expect(outcomes).toEqual([
      { outboxId: 1, outcome: 'written' },
      {
        outboxId: 2,
        outcome: 'failed',
        retryable: false,
        message: 'VALIDATION_ERROR: Property values were not valid: leadscore_score',
      },
      {
        outboxId: 3,
        outcome: 'failed',
        retryable: false,
        message: 'OBJECT_NOT_FOUND: Could not get some CONTACT objects',
      },
      { outboxId: 4, outcome: 'failed', retryable: true, message: 'INTERNAL_ERROR: try again' },
    ]);
  });

  it('given a 400 for the whole batch caused by one record, when written, then the batch is halved until it stands alone', async () => {
    const { connector } = setup();
    nock(BASE)
      .post('/crm/v3/objects/contacts/batch/update')
      .times(5)
      .reply(async (request: Request) => {
        const body = (await request.json()) as { inputs: Array<{ id: string }> };
        if (body.inputs.some((i) => i.id === '3')) {
          return [
            400,
            {
              status: 'error',
              category: 'VALIDATION_ERROR',
              message: 'Property values were not valid: [{"name":"leadscore_band","error":"INVALID_OPTION"}]',
            },
          ];
        }
        return [
          200,
          {
            status: 'COMPLETE',
            results: body.inputs.map((i) => contact(i.id)),
            startedAt: 'x',
            completedAt: 'y',
          },
        ];
      });
    const outcomes = await connector.writer.write(writes('1', '2', '3', '4'));
    expect(outcomes.map((o) => [o.outboxId, o.outcome])).toEqual([
      [1, 'written'],
      [2, 'written'],
      [3, 'failed'],
      [4, 'written'],
    ]);
    expect(outcomes.find((o) => o.outboxId === 3)).toMatchObject({ retryable: false });
  });

  it('given a 429 that survives pacing, when written, then RateLimitedError with the retry time', async () => {
    const { connector } = setup();
    nock(BASE).post('/crm/v3/objects/contacts/batch/update').reply(429, {
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    const error = await connector.writer.write(writes('1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAt).toBe(NOW + 10_000);
  });

  it('given 250 writes, when written, then batches of at most 100', async () => {
    const { connector } = setup();
    const sizes: number[] = [];
    nock(BASE)
      .post('/crm/v3/objects/contacts/batch/update')
      .times(3)
      .reply(async (request: Request) => {
        const body = (await request.json()) as { inputs: Array<{ id: string }> };
        sizes.push(body.inputs.length);
        return [
          200,
          {
            status: 'COMPLETE',
            results: body.inputs.map((i) => contact(i.id)),
            startedAt: 'x',
            completedAt: 'y',
          },
        ];
      });
    const ids = Array.from({ length: 250 }, (_, i) => String(i + 1));
    const outcomes = await connector.writer.write(writes(...ids));
    expect(sizes).toEqual([100, 100, 50]);
    expect(outcomes.filter((o) => o.outcome === 'written')).toHaveLength(250);
  });

  it('given missing properties and group, when ensureFields runs, then the group and each property are created', async () => {
    const { connector } = setup();
    nock(BASE)
      .get('/crm/v3/properties/contacts')
      .query(true)
      .reply(200, {
        results: [
          {
            name: 'leadscore_score',
            label: 'Lead score',
            type: 'number',
            fieldType: 'number',
            groupName: 'leadscore',
          },
        ],
      });
    nock(BASE)
      .get('/crm/v3/properties/contacts/groups/leadscore')
      .reply(404, { status: 'error', message: 'not found', category: 'OBJECT_NOT_FOUND' });
    nock(BASE)
      .post('/crm/v3/properties/contacts/groups', { name: 'leadscore', label: 'leadscore', displayOrder: -1 })
      .reply(201, { name: 'leadscore', label: 'leadscore', displayOrder: -1, archived: false });
    const created: Array<Record<string, unknown>> = [];
    nock(BASE)
      .post('/crm/v3/properties/contacts', (body) => {
        created.push(body);
        return true;
      })
      .times(6)
      .reply(async (request: Request) => {
        const body = (await request.json()) as Record<string, string>;
        return [201, { ...body, hubspotDefined: false, archived: false }];
      });
    const result = await connector.writer.ensureFields(FIELDS);
    expect(result.existing).toEqual(['leadscore_score']);
    expect(result.created).toHaveLength(6);
    expect(created.find((p) => p.name === 'leadscore_updated_at')).toMatchObject({
      type: 'datetime',
      fieldType: 'date',
      groupName: 'leadscore',
    });
    expect(created.find((p) => p.name === 'leadscore_reasons')).toMatchObject({
      type: 'string',
      fieldType: 'textarea',
    });
  });

  it('given a property of the same name and another type, when ensureFields runs, then ERR_CRM_FIELD_CONFLICT and nothing is created', async () => {
    const { connector } = setup();
    nock(BASE)
      .get('/crm/v3/properties/contacts')
      .query(true)
      .reply(200, {
        results: [
          {
            name: 'leadscore_score',
            label: 'Score',
            type: 'string',
            fieldType: 'text',
            groupName: 'contactinformation',
          },
        ],
      });
    const error = await connector.writer.ensureFields(FIELDS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeadscoreError);
    expect((error as LeadscoreError).code).toBe('ERR_CRM_FIELD_CONFLICT');
    expect((error as LeadscoreError).message).toContain('"leadscore_score" exists with type string/text');
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('dry run and scopes', () => {
  it('given outbox payloads and current values, when planned, then only changed properties are listed old -> new', async () => {
    const { connector } = setup();
    const current = new Map([['1', { leadscore_score: '50', leadscore_stage: 'MQL' }]]);
    const changes = await connector.planWrites(
      [
        {
          outboxId: 1,
          externalId: '1',
          values: { leadscore_score: 50, leadscore_stage: 'SQL', leadscore_band: 'A1' },
        },
      ],
      current,
    );
    expect(changes).toEqual([
      { externalId: '1', property: 'leadscore_stage', from: 'MQL', to: 'SQL' },
      { externalId: '1', property: 'leadscore_band', from: null, to: 'A1' },
    ]);
    expect(formatPlan(changes, 'contact')).toBe(
      '2 properties on 1 contact would change:\ncontact 1: leadscore_stage "MQL" -> "SQL"\ncontact 1: leadscore_band (empty) -> "A1"',
    );
  });

  it('given no current values, when planned, then they are read from HubSpot and nothing is written', async () => {
    const { connector } = setup();
    nock(BASE)
      .post('/crm/v3/objects/contacts/batch/read')
      .query(true)
      .reply(200, {
        status: 'COMPLETE',
        results: [contact('1', { leadscore_score: '40' })],
        startedAt: 'x',
        completedAt: 'y',
      });
    const changes = await connector.planWrites([
      { outboxId: 1, externalId: '1', values: { leadscore_score: 55 } },
    ]);
    expect(changes).toEqual([{ externalId: '1', property: 'leadscore_score', from: '40', to: '55' }]);
  });

  it('given a private-app token, when scopes are checked, then the missing ones are named', async () => {
    const { connector } = setup();
    nock(BASE)
      .post('/oauth/v2/private-apps/get/access-token-info', { tokenKey: 'pat-test' })
      .reply(200, {
        userId: 1,
        hubId: 2,
        appId: 3,
        scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'content'],
      });
    const result = await connector.checkScopes();
    expect(result.missing).toEqual([
      'crm.schemas.contacts.read',
      'crm.schemas.contacts.write',
      'crm.objects.deals.read',
      'forms',
    ]);
  });
});
