import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../../src/crm/ports.js';
import { createSalesforceConnector, isAfter, parseStampCursor } from '../adapter.js';
import { SalesforceClient } from '../client.js';

/** Table-driven edge cases at the HTTP boundary: real jsforce, synthetic Salesforce answers. */

const HOST = 'https://unit.my.salesforce.com';
const LOGIN = 'https://login.unit.example';
const V = '/services/data/v62.0';
const JSON_HEADERS = {
  'Content-Type': 'application/json;charset=UTF-8',
  'Sforce-Limit-Info': 'api-usage=10/15000',
};
const noSleep = async () => {};

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

function client(options: { refresh?: boolean } = {}) {
  return new SalesforceClient({
    auth: options.refresh
      ? { kind: 'refreshToken', clientId: 'cid', clientSecret: 'sec', refreshToken: 'rt', accessToken: 'old' }
      : { kind: 'accessToken', accessToken: 'tok' },
    loginUrl: LOGIN,
    instanceUrl: HOST,
    sleep: noSleep,
  });
}

const DESCRIBE = {
  name: 'Lead',
  updateable: true,
  fields: ['Id', 'SystemModstamp', 'LastName', 'Company'].map((name) => ({ name, type: 'string' })),
};
const row = (id: string, stamp: string) => ({
  attributes: { type: 'Lead' },
  Id: id,
  SystemModstamp: stamp,
  LastName: id,
  Company: 'c',
});
const S1 = '2026-03-01T10:00:00.000+0000';
const S2 = '2026-03-01T10:00:05.000+0000';

function connector(c = client()) {
  return createSalesforceConnector({
    client: c,
    object: 'Lead',
    writeFields: [],
    disabledStreams: ['deletes', 'tasks', 'events', 'campaign-members', 'email-messages'],
  });
}

function describeLead() {
  nock(HOST).get(`${V}/sobjects/Lead/describe`).reply(200, DESCRIBE, JSON_HEADERS);
}

describe('records stream cursors', () => {
  it('given equal SystemModstamps across a page boundary, when paged, then no row is lost or repeated and the tie-breaker is the Id', async () => {
    describeLead();
    nock(HOST)
      .get(`${V}/query`)
      .query(
        (q) => String(q.q).includes('ORDER BY SystemModstamp ASC, Id ASC') && !String(q.q).includes('WHERE'),
      )
      .reply(
        200,
        {
          totalSize: 3,
          done: false,
          nextRecordsUrl: `${V}/query/01gX-2000`,
          records: [row('00QA', S1), row('00QB', S1)],
        },
        JSON_HEADERS,
      );
    nock(HOST)
      .get(`${V}/query/01gX-2000`)
      .reply(200, { totalSize: 3, done: true, records: [row('00QC', S1)] }, JSON_HEADERS);
    const stream = connector().reader.streams('full')[0];
    const first = await stream?.pull(undefined);
    expect(first?.records.map((r) => r.externalId)).toEqual(['00QA', '00QB']);
    expect(first?.done).toBe(false);
    expect(parseStampCursor(first?.cursor)).toEqual({
      systemModstamp: '2026-03-01T10:00:00.000Z',
      lastId: '00QB',
      locator: `${V}/query/01gX-2000`,
    });
    const second = await stream?.pull(first?.cursor);
    expect(second?.records.map((r) => r.externalId)).toEqual(['00QC']);
    expect(second?.done).toBe(true);
    expect(parseStampCursor(second?.cursor)).toEqual({
      systemModstamp: '2026-03-01T10:00:00.000Z',
      lastId: '00QC',
    });
  });

  it('given a short page that still has nextRecordsUrl, when pulled, then the stream is not done and follows the locator', async () => {
    describeLead();
    nock(HOST)
      .get(`${V}/query`)
      .query(true)
      .reply(
        200,
        { totalSize: 2, done: false, nextRecordsUrl: `${V}/query/01gY-1`, records: [row('00QA', S1)] },
        JSON_HEADERS,
      );
    nock(HOST).get(`${V}/query/01gY-1`).reply(200, { totalSize: 2, done: true, records: [] }, JSON_HEADERS);
    const stream = connector().reader.streams('full')[0];
    const first = await stream?.pull(undefined);
    expect(first?.done).toBe(false);
    const second = await stream?.pull(first?.cursor);
    expect(second?.records).toEqual([]);
    expect(second?.done).toBe(true);
    expect(parseStampCursor(second?.cursor)?.lastId).toBe('00QA');
  });

  it('given a saved cursor, when pulled incrementally, then the bound is inclusive (whole seconds) and rows at or before the cursor are skipped', async () => {
    describeLead();
    let soql = '';
    nock(HOST)
      .get(`${V}/query`)
      .query((q) => {
        soql = String(q.q);
        return true;
      })
      .reply(
        200,
        { totalSize: 3, done: true, records: [row('00QA', S1), row('00QB', S1), row('00QC', S2)] },
        JSON_HEADERS,
      );
    const page = await connector()
      .reader.streams('incremental')[0]
      ?.pull(JSON.stringify({ systemModstamp: '2026-03-01T10:00:00.000Z', lastId: '00QA' }));
    expect(soql).toContain(
      'WHERE SystemModstamp >= 2026-03-01T10:00:00Z ORDER BY SystemModstamp ASC, Id ASC',
    );
    expect(page?.records.map((r) => r.externalId)).toEqual(['00QB', '00QC']);
  });

  it('given an expired locator, when resumed, then it re-queries from the watermark', async () => {
    describeLead();
    nock(HOST)
      .get(`${V}/query/01gZ-2000`)
      .reply(400, [{ errorCode: 'INVALID_QUERY_LOCATOR', message: 'invalid query locator' }], JSON_HEADERS);
    nock(HOST)
      .get(`${V}/query`)
      .query((q) => String(q.q).includes('SystemModstamp >= 2026-03-01T10:00:00Z'))
      .reply(200, { totalSize: 1, done: true, records: [row('00QB', S2)] }, JSON_HEADERS);
    const page = await connector()
      .reader.streams('incremental')[0]
      ?.pull(
        JSON.stringify({
          systemModstamp: '2026-03-01T10:00:00.000Z',
          lastId: '00QA',
          locator: `${V}/query/01gZ-2000`,
        }),
      );
    expect(page?.records.map((r) => r.externalId)).toEqual(['00QB']);
  });

  it.each([
    ['a later stamp', Date.parse('2026-03-01T10:00:01Z'), '00QA', true],
    ['the same stamp, a later id', Date.parse('2026-03-01T10:00:00Z'), '00QB', true],
    ['the same stamp and id', Date.parse('2026-03-01T10:00:00Z'), '00QA', false],
    ['an earlier stamp', Date.parse('2026-03-01T09:59:59Z'), '00QZ', false],
  ])('given %s, then isAfter is %s', (_name, stamp, id, expected) => {
    expect(isAfter(stamp, id, { systemModstamp: '2026-03-01T10:00:00.000Z', lastId: '00QA' })).toBe(expected);
  });

  it.each([['not json'], ['{"systemModstamp":"nope","lastId":"a"}'], ['{"lastId":"a"}']])(
    'given the cursor %s, then it falls back to a full walk',
    (cursor) => {
      expect(parseStampCursor(cursor)).toBeUndefined();
    },
  );
});

describe('client retries and refresh', () => {
  it('given a 500 then a 200, when querying, then it retries and succeeds', async () => {
    const c = client();
    nock(HOST)
      .post(`${V}/tooling/sobjects/CustomField`)
      .reply(500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: 'boom' }], JSON_HEADERS);
    nock(HOST)
      .post(`${V}/tooling/sobjects/CustomField`)
      .reply(201, { id: '00N1', success: true, errors: [] }, JSON_HEADERS);
    const body = await c.request('POST /tooling/sobjects/CustomField', {
      method: 'POST',
      url: '/tooling/sobjects/CustomField',
      body: {},
    });
    expect(body).toMatchObject({ id: '00N1' });
    expect(c.counters.retries).toBe(1);
    expect(c.counters.calls).toBe(2);
    expect(c.apiUsage).toEqual({ used: 10, limit: 15_000 });
  });

  it('given a 503 then a 200 on a GET, when querying, then only leadscore retries (jsforce retries are off) and counts it', async () => {
    const c = client();
    nock(HOST)
      .get(`${V}/limits`)
      .reply(503, [{ errorCode: 'SERVER_UNAVAILABLE', message: 'busy' }], JSON_HEADERS);
    nock(HOST)
      .get(`${V}/limits`)
      .reply(200, { DailyApiRequests: { Max: 15_000, Remaining: 14_990 } }, JSON_HEADERS);
    expect(await c.limits()).toEqual({ max: 15_000, remaining: 14_990 });
    expect(c.counters).toMatchObject({ calls: 2, retries: 1 });
  });

  it('given a 503 that persists, when querying, then ERR_CRM_UNAVAILABLE after the attempts run out', async () => {
    const c = new SalesforceClient({
      auth: { kind: 'accessToken', accessToken: 'tok' },
      loginUrl: LOGIN,
      instanceUrl: HOST,
      sleep: noSleep,
      maxAttempts: 3,
    });
    nock(HOST)
      .get(`${V}/limits`)
      .times(3)
      .reply(503, [{ errorCode: 'SERVER_UNAVAILABLE', message: 'busy' }], JSON_HEADERS);
    await expect(c.limits()).rejects.toMatchObject({ code: 'ERR_CRM_UNAVAILABLE' });
    expect(c.counters.calls).toBe(3);
  });

  it('given a 401 INVALID_SESSION_ID, when querying, then jsforce refreshes through our refresh function and replays', async () => {
    const tokens: string[] = [];
    const c = new SalesforceClient({
      auth: {
        kind: 'refreshToken',
        clientId: 'cid',
        clientSecret: 'sec',
        refreshToken: 'rt',
        accessToken: 'old',
      },
      loginUrl: LOGIN,
      instanceUrl: HOST,
      sleep: noSleep,
      onTokens: (t) => tokens.push(t.accessToken),
    });
    nock(HOST, { reqheaders: { authorization: 'Bearer old' } })
      .get(`${V}/limits`)
      .reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }], JSON_HEADERS);
    nock(LOGIN)
      .post(
        '/services/oauth2/token',
        (body) => body.grant_type === 'refresh_token' && body.refresh_token === 'rt',
      )
      .reply(
        200,
        {
          access_token: 'new',
          instance_url: HOST,
          id: `${LOGIN}/id/00D1/0051`,
          token_type: 'Bearer',
          issued_at: '1',
          signature: 's',
          refresh_token: 'rt2',
        },
        JSON_HEADERS,
      );
    nock(HOST, { reqheaders: { authorization: 'Bearer new' } })
      .get(`${V}/limits`)
      .reply(200, { DailyApiRequests: { Max: 15_000, Remaining: 14_000 } }, JSON_HEADERS);
    expect(await c.limits()).toEqual({ max: 15_000, remaining: 14_000 });
    expect(c.counters.refreshes).toBe(1);
    expect(tokens).toEqual(['new']);
    expect(c.conn.refreshToken).toBe('rt2');
  });

  it('given a revoked refresh token, when the session expires, then ERR_CRM_AUTH asks for re-authorisation', async () => {
    const c = client({ refresh: true });
    nock(HOST)
      .get(`${V}/limits`)
      .reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }], JSON_HEADERS);
    nock(LOGIN)
      .post('/services/oauth2/token')
      .reply(
        400,
        { error: 'invalid_grant', error_description: 'expired access/refresh token' },
        JSON_HEADERS,
      );
    await expect(c.limits()).rejects.toMatchObject({ code: 'ERR_CRM_AUTH' });
  });
});

describe('writer', () => {
  const writeFields = [{ name: 'score__c', label: 'Score', type: 'number' as const, description: '' }];
  it('given a collection answer with mixed results, when writing, then each record gets its outcome', async () => {
    const c = client();
    let sent: { allOrNone: boolean; records: Array<Record<string, unknown>> } | undefined;
    nock(HOST)
      .patch(`${V}/composite/sobjects`, (body) => {
        sent = body;
        return true;
      })
      .reply(
        200,
        [
          { id: '00Q1', success: true, errors: [] },
          {
            id: '00Q2',
            success: false,
            errors: [{ statusCode: 'STRING_TOO_LONG', message: 'too long', fields: ['score__c'] }],
          },
          {
            id: '00Q3',
            success: false,
            errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'locked', fields: [] }],
          },
          {
            id: '00Q4',
            success: false,
            errors: [{ statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'converted', fields: [] }],
          },
        ],
        JSON_HEADERS,
      );
    const writer = createSalesforceConnector({ client: c, object: 'Lead', writeFields }).writer;
    const outcomes = await writer.write(
      ['00Q1', '00Q2', '00Q3', '00Q4'].map((id, i) => ({
        outboxId: i + 1,
        externalId: id,
        values: { score__c: '5' },
      })),
    );
    expect(sent?.allOrNone).toBe(false);
    expect(sent?.records[0]).toEqual({ attributes: { type: 'Lead' }, id: '00Q1', score__c: 5 });
    expect(outcomes).toEqual([
      { outboxId: 1, outcome: 'written' },
      { outboxId: 2, outcome: 'failed', retryable: false, message: 'STRING_TOO_LONG: too long' },
      { outboxId: 3, outcome: 'failed', retryable: true, message: 'UNABLE_TO_LOCK_ROW: locked' },
      { outboxId: 4, outcome: 'skipped', message: 'CANNOT_UPDATE_CONVERTED_LEAD: converted' },
    ]);
  });

  it('given 450 writes, when writing, then they go in collections of 200, 200 and 50', async () => {
    const sizes: number[] = [];
    nock(HOST)
      .patch(`${V}/composite/sobjects`)
      .times(3)
      .reply(async (request: Request) => {
        const parsed = (await request.json()) as { records: Array<{ id: string }> };
        sizes.push(parsed.records.length);
        return [200, parsed.records.map((r) => ({ id: r.id, success: true, errors: [] })), JSON_HEADERS];
      });
    const writer = createSalesforceConnector({ client: client(), object: 'Lead', writeFields }).writer;
    const outcomes = await writer.write(
      Array.from({ length: 450 }, (_, i) => ({
        outboxId: i,
        externalId: `00Q${i}`,
        values: { score__c: i },
      })),
    );
    expect(sizes).toEqual([200, 200, 50]);
    expect(outcomes.every((o) => o.outcome === 'written')).toBe(true);
  });

  it('given REQUEST_LIMIT_EXCEEDED, when writing, then RateLimitedError says when to look again', async () => {
    nock(HOST)
      .patch(`${V}/composite/sobjects`)
      .reply(
        403,
        [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }],
        JSON_HEADERS,
      );
    const writer = createSalesforceConnector({ client: client(), object: 'Lead', writeFields }).writer;
    const error = await writer
      .write([{ outboxId: 1, externalId: '00Q1', values: { score__c: 1 } }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAt).toBeGreaterThan(Date.now());
    expect((error as Error).message).toMatch(/rolling 24-hour window/);
  });

  it('given a write to a field FLS hides, when writing, then it stops with setup steps', async () => {
    nock(HOST)
      .patch(`${V}/composite/sobjects`)
      .reply(
        400,
        [{ errorCode: 'INVALID_FIELD', message: "No such column 'score__c' on sobject of type Lead" }],
        JSON_HEADERS,
      );
    const writer = createSalesforceConnector({ client: client(), object: 'Lead', writeFields }).writer;
    await expect(
      writer.write([{ outboxId: 1, externalId: '00Q1', values: { score__c: 1 } }]),
    ).rejects.toMatchObject({
      code: 'ERR_CRM_FIELD_MISSING',
      message: expect.stringContaining('Lead.score__c ("Score"): Number(8, 2)'),
    });
  });
});

describe('readRecords', () => {
  it('given many ids, when read, then the ids are chunked so each URI stays under 16 KB', async () => {
    describeLead();
    const lengths: number[] = [];
    nock(HOST)
      .get(`${V}/query`)
      .query(true)
      .times(10)
      .reply((request: Request) => {
        const url = new URL(request.url);
        lengths.push(url.pathname.length + url.search.length);
        return [200, { totalSize: 0, done: true, records: [] }, JSON_HEADERS];
      });
    const ids = Array.from({ length: 1500 }, (_, i) => `00Q5g${String(i).padStart(13, '0')}`);
    await connector().reader.readRecords(ids);
    expect(lengths.length).toBeGreaterThan(1);
    expect(Math.max(...lengths)).toBeLessThan(16_384 - 2_000);
  });
});
