import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isLeadscoreError } from '../../../src/errors.js';
import { HubSpotApiError, HubSpotClient, type HubSpotClientOptions } from '../client.js';
import { listPageSchema, parseResponse } from '../schemas.js';

const BASE = 'https://hs.test';
const LIST = '/crm/v3/objects/contacts';
const JSON_HEADERS = { 'Content-Type': 'application/json;charset=utf-8' };
const page = { results: [{ id: '1', properties: { email: 'a@b.c' } }] };

function setup(overrides: Partial<HubSpotClientOptions> = {}) {
  const sleeps: number[] = [];
  const client = new HubSpotClient({
    auth: { kind: 'privateApp', accessToken: 'pat-test' },
    tier: 'professional',
    basePath: BASE,
    pauseOnRateLimit: false,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
  const list = () =>
    client
      .call(`GET ${LIST}`, 'standard', (sdk) => sdk.crm.contacts.basicApi.getPage(100))
      .then((raw) => parseResponse(listPageSchema, raw, `GET ${LIST}`));
  return { client, sleeps, list };
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  nock.cleanAll();
});

async function caught(promise: Promise<unknown>): Promise<HubSpotApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HubSpotApiError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('HubSpotClient retries', () => {
  it('given a 502 then a 200, when listing, then it backs off once and succeeds', async () => {
    const { client, sleeps, list } = setup();
    nock(BASE).get(LIST).query(true).reply(502, '<html>Bad gateway</html>', { 'Content-Type': 'text/html' });
    nock(BASE).get(LIST).query(true).reply(200, page, JSON_HEADERS);
    const result = await list();
    expect(result.results[0]?.id).toBe('1');
    expect(sleeps).toEqual([500]);
    expect(client.counters).toMatchObject({ calls: 2, retries: 1, rateLimited: 0 });
  });

  it('given a TEN_SECONDLY_ROLLING 429 then a 200, when listing with one attempt allowed, then it waits 10 s without spending it', async () => {
    const { client, sleeps, list } = setup({ maxAttempts: 1 });
    nock(BASE).get(LIST).query(true).reply(
      429,
      {
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
      },
      JSON_HEADERS,
    );
    nock(BASE).get(LIST).query(true).reply(200, page, JSON_HEADERS);
    await list();
    expect(sleeps).toEqual([10_000]);
    expect(client.counters).toMatchObject({ calls: 2, rateLimited: 1, retries: 0 });
  });

  it('given a DAILY 429, when listing, then ERR_CRM_RATE_LIMITED with the reset time and no waiting', async () => {
    const now = Date.parse('2026-11-25T12:00:00.000Z');
    const { sleeps, list } = setup({ now: () => now });
    nock(BASE).get(LIST).query(true).reply(
      429,
      {
        status: 'error',
        message: 'You have reached your daily limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'DAILY',
      },
      JSON_HEADERS,
    );
    const error = await caught(list());
    expect(error.code).toBe('ERR_CRM_RATE_LIMITED');
    expect(error.retryAt).toBe(Date.parse('2026-11-26T00:00:00.000Z'));
    expect(error.message).toContain(`GET ${LIST}`);
    expect(sleeps).toEqual([]);
  });

  it('given 5xx every time, when listing, then ERR_CRM_UNAVAILABLE after the attempts', async () => {
    const { client, list } = setup({ maxAttempts: 3 });
    nock(BASE)
      .get(LIST)
      .query(true)
      .times(3)
      .reply(503, { status: 'error', message: 'unavailable' }, JSON_HEADERS);
    const error = await caught(list());
    expect(error.code).toBe('ERR_CRM_UNAVAILABLE');
    expect(client.counters.calls).toBe(3);
  });

  it('given a request that hangs then a 200, when listing, then the timeout retries it', async () => {
    const { list } = setup({ requestTimeoutMs: 50 });
    nock(BASE).get(LIST).query(true).delay(1000).reply(200, page, JSON_HEADERS);
    nock(BASE).get(LIST).query(true).reply(200, page, JSON_HEADERS);
    expect((await list()).results).toHaveLength(1);
  });

  it('given a connection reset then a 200, when listing, then it retries', async () => {
    const { list } = setup();
    nock(BASE)
      .get(LIST)
      .query(true)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    nock(BASE).get(LIST).query(true).reply(200, page, JSON_HEADERS);
    expect((await list()).results).toHaveLength(1);
  });
});

describe('HubSpotClient auth', () => {
  const tokenReply = (access: string) => ({
    access_token: access,
    refresh_token: 'refresh-1',
    expires_in: 1800,
    token_type: 'bearer',
  });

  it('given OAuth and a 401, when listing, then it refreshes once and retries with the new token', async () => {
    const stored: string[] = [];
    const { client, list } = setup({
      auth: {
        kind: 'oauth',
        clientId: 'cid',
        clientSecret: 'secret',
        refreshToken: 'refresh-1',
        accessToken: 'old',
        expiresAt: Date.now() + 3_600_000,
        onTokens: (tokens) => stored.push(tokens.accessToken),
      },
    });
    nock(BASE, { reqheaders: { authorization: 'Bearer old' } })
      .get(LIST)
      .query(true)
      .reply(
        401,
        {
          status: 'error',
          message: 'The OAuth token used to make this call expired 0 second(s) ago.',
          category: 'EXPIRED_AUTHENTICATION',
        },
        JSON_HEADERS,
      );
    const token = nock(BASE)
      .post(
        '/oauth/v1/token',
        (body: Record<string, string>) =>
          body.grant_type === 'refresh_token' && body.refresh_token === 'refresh-1',
      )
      .reply(200, tokenReply('new'), JSON_HEADERS);
    nock(BASE, { reqheaders: { authorization: 'Bearer new' } })
      .get(LIST)
      .query(true)
      .reply(200, page, JSON_HEADERS);
    await list();
    expect(token.isDone()).toBe(true);
    expect(stored).toEqual(['new']);
    expect(client.counters.refreshes).toBe(1);
  });

  it('given OAuth and 401 after the refresh too, when listing, then ERR_CRM_AUTH (refresh once only)', async () => {
    const { list } = setup({
      auth: {
        kind: 'oauth',
        clientId: 'cid',
        clientSecret: 's',
        refreshToken: 'r',
        accessToken: 'old',
        expiresAt: Date.now() + 3_600_000,
      },
    });
    nock(BASE)
      .get(LIST)
      .query(true)
      .times(2)
      .reply(401, { status: 'error', message: 'nope', category: 'INVALID_AUTHENTICATION' }, JSON_HEADERS);
    nock(BASE).post('/oauth/v1/token').once().reply(200, tokenReply('new'), JSON_HEADERS);
    const error = await caught(list());
    expect(error.code).toBe('ERR_CRM_AUTH');
    expect(error.message).toContain('INVALID_AUTHENTICATION');
  });

  it('given OAuth without a stored access token, when listing, then it refreshes before the first call', async () => {
    const { list } = setup({
      auth: { kind: 'oauth', clientId: 'cid', clientSecret: 's', refreshToken: 'r' },
    });
    nock(BASE).post('/oauth/v1/token').reply(200, tokenReply('fresh'), JSON_HEADERS);
    nock(BASE, { reqheaders: { authorization: 'Bearer fresh' } })
      .get(LIST)
      .query(true)
      .reply(200, page, JSON_HEADERS);
    await list();
  });

  it('given a rejected refresh token, when listing, then ERR_CRM_AUTH says to re-authorise', async () => {
    const { list } = setup({
      auth: { kind: 'oauth', clientId: 'cid', clientSecret: 's', refreshToken: 'bad' },
    });
    nock(BASE)
      .post('/oauth/v1/token')
      .reply(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' }, JSON_HEADERS);
    const error = await caught(list());
    expect(error.code).toBe('ERR_CRM_AUTH');
    expect(error.message).toMatch(/re-authorise/);
  });

  it('given a private-app token and a 401, when listing, then ERR_CRM_AUTH without a refresh', async () => {
    const { client, list } = setup();
    nock(BASE).get(LIST).query(true).reply(
      401,
      {
        status: 'error',
        message: 'Authentication credentials not found.',
        category: 'INVALID_AUTHENTICATION',
      },
      JSON_HEADERS,
    );
    const error = await caught(list());
    expect(error.code).toBe('ERR_CRM_AUTH');
    expect(client.counters.calls).toBe(1);
  });

  it('given a 403 naming scopes, when listing, then ERR_CRM_SCOPE names them', async () => {
    const { list } = setup();
    nock(BASE)
      .get(LIST)
      .query(true)
      .reply(
        403,
        {
          status: 'error',
          message: "This app hasn't been granted all required scopes to make this call.",
          category: 'MISSING_SCOPES',
          errors: [
            {
              message: 'One or more of the following scopes are required.',
              context: { requiredGranularScopes: ['crm.objects.contacts.read'] },
            },
          ],
        },
        JSON_HEADERS,
      );
    const error = await caught(list());
    expect(error.code).toBe('ERR_CRM_SCOPE');
    expect(error.message).toContain('crm.objects.contacts.read');
    expect(error.hint).toContain('crm.objects.contacts.read');
  });
});

describe('HubSpotClient malformed answers', () => {
  it.each([
    [
      'an HTML page with status 200',
      '<html><body>Oops</body></html>',
      { 'Content-Type': 'text/html' },
      /results/,
    ],
    ['truncated JSON', '{"results":[{"id":"1","prop', JSON_HEADERS, /does not parse/],
    [
      'a wrong type',
      JSON.stringify({ results: [{ id: 7, properties: {} }] }),
      JSON_HEADERS,
      /results\[0\]\.id/,
    ],
    ['a missing field', JSON.stringify({ paging: {} }), JSON_HEADERS, /at results/],
  ])(
    'given %s, when listing, then ERR_CRM_RESPONSE names the endpoint and the field',
    async (_name, body, headers, pattern) => {
      const { list } = setup({ maxAttempts: 2 });
      nock(BASE).get(LIST).query(true).times(2).reply(200, body, headers);
      let error: unknown;
      try {
        await list();
      } catch (caughtError) {
        error = caughtError;
      }
      expect(isLeadscoreError(error) && error.code).toBe('ERR_CRM_RESPONSE');
      expect((error as Error).message).toContain(`GET ${LIST}`);
      expect((error as Error).message).toMatch(pattern);
    },
  );

  it('given apiRequest answers 500 then JSON, when requesting, then the Response is checked and retried', async () => {
    const { client } = setup();
    nock(BASE)
      .get('/email/public/v1/events')
      .query(true)
      .reply(500, { status: 'error', message: 'boom' }, JSON_HEADERS);
    nock(BASE)
      .get('/email/public/v1/events')
      .query({ limit: '5' })
      .reply(200, { hasMore: false, events: [] }, JSON_HEADERS);
    const body = await client.requestJson('GET /email/public/v1/events', 'standard', {
      method: 'GET',
      path: '/email/public/v1/events',
      qs: { limit: 5, offset: undefined },
    });
    expect(body).toEqual({ hasMore: false, events: [] });
    expect(client.counters.retries).toBe(1);
  });

  it('given apiRequest answers HTML with 200, when requesting, then ERR_CRM_RESPONSE', async () => {
    const { client } = setup({ maxAttempts: 1 });
    nock(BASE).get('/email/public/v1/events').reply(200, '<html></html>', { 'Content-Type': 'text/html' });
    const error = await caught(
      client.requestJson('GET /email/public/v1/events', 'standard', {
        method: 'GET',
        path: '/email/public/v1/events',
      }),
    );
    expect(error.code).toBe('ERR_CRM_RESPONSE');
  });
});

describe('HubSpotClient daily budget', () => {
  it('given a budget share and the usage so far, when calls use it up, then the next call stops with the reset time', async () => {
    const { client, list } = setup({ dailyBudgetShare: 0.5 });
    nock(BASE)
      .get('/account-info/v3/api-usage/daily/private-apps')
      .reply(
        200,
        {
          results: [
            {
              name: 'api-calls-daily',
              usageLimit: 10,
              currentUsage: 3,
              fetchStatus: 'SUCCESS',
              resetsAt: '2026-11-26T00:00:00.000Z',
            },
          ],
        },
        JSON_HEADERS,
      );
    nock(BASE).get(LIST).query(true).twice().reply(200, page, JSON_HEADERS);
    await list();
    expect(client.remainingBudget()).toBe(1);
    await list();
    const error = await caught(list());
    expect(error.code).toBe('ERR_CRM_RATE_LIMITED');
    expect(error.retryAt).toBe(Date.parse('2026-11-26T00:00:00.000Z'));
  });
});
