import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Fixture, startFixture } from './support.js';

describe('rate limits and fault injection', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ contacts: 50, tier: 'starter' });
  });
  afterAll(() => f.sb.close());
  beforeEach(async () => {
    await f.control('POST', '/rate-limits/reset');
    f.clock.advance(11_000);
  });

  it('given a private-app call, then the five documented headers carry the tier limits', async () => {
    const res = await f.client.crm.contacts.basicApi.getPageWithHttpInfo(1);
    expect(res.headers['x-hubspot-ratelimit-daily']).toBe('250000');
    expect(res.headers['x-hubspot-ratelimit-daily-remaining']).toBe('249999');
    expect(res.headers['x-hubspot-ratelimit-interval-milliseconds']).toBe('10000');
    expect(res.headers['x-hubspot-ratelimit-max']).toBe('100');
    expect(res.headers['x-hubspot-ratelimit-remaining']).toBe('99');
  });

  it('given 100 calls inside 10 s on Starter, then the 101st is 429 TEN_SECONDLY_ROLLING, and it clears when the window rolls', async () => {
    for (let i = 0; i < 100; i++) {
      await f.raw('GET', '/crm/v3/objects/contacts?limit=1');
      f.clock.advance(50);
    }
    const err = await apiError(f.client.crm.contacts.basicApi.getPage(1));
    expect(err.code).toBe(429);
    expect(err.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(err.headers['x-hubspot-ratelimit-remaining']).toBe('0');
    expect(err.headers['retry-after']).toBeUndefined();
    f.clock.advance(10_000);
    await expect(f.client.crm.contacts.basicApi.getPage(1)).resolves.toBeTruthy();
  });

  it('given the daily budget spent, then 429 DAILY until local midnight', async () => {
    f.sb.state.limiter.dailyUsed = 250_000;
    // The counter is per day; pin the day first so the override sticks.
    await f.raw('GET', '/crm/v3/objects/contacts?limit=1');
    f.sb.state.limiter.dailyUsed = 250_000;
    const err = await apiError(f.client.crm.contacts.basicApi.getPage(1));
    expect(err.code).toBe(429);
    expect(err.body).toMatchObject({
      message: 'You have reached your daily limit.',
      policyName: 'DAILY',
      errorType: 'RATE_LIMIT',
    });
    f.clock.advance(f.sb.state.limiter.dailyResetsAt(f.clock.now()) - f.clock.now() + 1);
    await expect(f.client.crm.contacts.basicApi.getPage(1)).resolves.toBeTruthy();
  });

  it('given injected faults, then 429 (burst body), 503, slow and connection reset come back in order', async () => {
    await f.control('POST', '/faults', { kind: '429', count: 1, policy: 'TEN_SECONDLY_ROLLING' });
    const r429 = await apiError(f.client.crm.contacts.basicApi.getPage(1));
    expect(r429.code).toBe(429);
    expect(r429.body.policyName).toBe('TEN_SECONDLY_ROLLING');
    expect(r429.headers['x-hubspot-ratelimit-max']).toBe('100');

    await f.control('POST', '/faults', { kind: '5xx', status: 503, count: 2 });
    expect((await apiError(f.client.crm.contacts.basicApi.getPage(1))).code).toBe(503);
    expect((await apiError(f.client.crm.contacts.basicApi.getPage(1))).code).toBe(503);
    await expect(f.client.crm.contacts.basicApi.getPage(1)).resolves.toBeTruthy();

    await f.control('POST', '/faults', { kind: 'slow', ms: 150, count: 1 });
    const t0 = performance.now();
    await f.client.crm.contacts.basicApi.getPage(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);

    await f.control('POST', '/faults', { kind: 'reset', count: 1 });
    await expect(
      fetch(`${f.sb.baseUrl}/crm/v3/objects/contacts`, {
        headers: { authorization: `Bearer ${f.sb.token}` },
      }),
    ).rejects.toThrow();
    await expect(f.client.crm.contacts.basicApi.getPage(1)).resolves.toBeTruthy();
  });

  it('given a path-scoped fault, then only matching requests fail', async () => {
    await f.control('POST', '/faults', {
      kind: '5xx',
      status: 502,
      count: 1,
      pathPrefix: '/crm/v3/objects/contacts/search',
    });
    await expect(f.client.crm.contacts.basicApi.getPage(1)).resolves.toBeTruthy();
    const err = await apiError(
      f.client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 1 } as never),
    );
    expect(err.code).toBe(502);
  });

  it('given requests, then the request log counts them by endpoint and can be cleared', async () => {
    await f.control('DELETE', '/requests');
    await f.client.crm.contacts.basicApi.getPage(1);
    await f.client.crm.contacts.basicApi.getById('1001');
    const log = await f.control<{
      total: number;
      countsByEndpoint: Record<string, number>;
      entries: Array<{ status: number; responseBytes: number }>;
    }>('GET', '/requests');
    expect(log.total).toBe(2);
    expect(log.countsByEndpoint['GET /crm/v3/objects/contacts']).toBe(1);
    expect(log.countsByEndpoint['GET /crm/v3/objects/contacts/:id']).toBe(1);
    expect(log.entries[0]?.status).toBe(200);
    expect(log.entries[0]?.responseBytes).toBeGreaterThan(0);
  });
});
