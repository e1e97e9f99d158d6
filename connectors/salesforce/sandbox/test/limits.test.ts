import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyAllowance, defaultBehaviours } from '../behaviours.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../server.js';
import { connect, errorOf, FIXED_NOW, raw } from './helpers.js';

let sandbox: SalesforceSandbox;
let clock = FIXED_NOW;
beforeAll(async () => {
  sandbox = await startSalesforceSandbox({
    port: 0,
    seed: 9,
    leads: 600,
    edition: 'developer',
    now: () => clock,
  });
});
afterAll(() => sandbox.close());

describe('API limits', () => {
  it('given REST calls, when responses arrive, then Sforce-Limit-Info counts each call and /limits agrees', async () => {
    const first = await raw(sandbox, '/services/data/v62.0/limits');
    const second = await raw(sandbox, '/services/data/v62.0/sobjects/Lead/describe');
    const a = /^api-usage=(\d+)\/15000$/.exec(first.headers.get('sforce-limit-info') ?? '');
    const b = /^api-usage=(\d+)\/15000$/.exec(second.headers.get('sforce-limit-info') ?? '');
    expect(a && b && Number(b[1]) - Number(a[1])).toBe(1);
    const limits = first.body as { DailyApiRequests: { Max: number; Remaining: number } };
    expect(limits.DailyApiRequests.Max).toBe(15000);
    expect(limits.DailyApiRequests.Remaining).toBe(15000 - Number(a?.[1]));
    const conn = connect(sandbox);
    const viaJsforce = await conn.limits();
    expect(viaJsforce.DailyApiRequests?.Max).toBe(15000);
    expect(conn.limitInfo?.apiUsage?.limit).toBe(15000);
  });

  it('given the daily allowance is used up, when calling, then 403 REQUEST_LIMIT_EXCEEDED (not 429) until usage drops', async () => {
    sandbox.state.exhaustDailyLimit();
    const res = await raw(sandbox, '/services/data/v62.0/query?q=SELECT+Id+FROM+Lead');
    expect(res.status).toBe(403);
    expect(res.body).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    expect(res.headers.get('retry-after')).toBeNull();
    const e = await errorOf(connect(sandbox).query('SELECT Id FROM Lead'));
    expect(e.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    sandbox.state.setApiUsage(0);
    expect((await connect(sandbox).query('SELECT Id FROM Lead LIMIT 1')).records).toHaveLength(1);
  });

  it('given editions, when deriving the allowance, then Developer 15,000 and Enterprise/Unlimited scale with licences', () => {
    const b = defaultBehaviours();
    expect(dailyAllowance('developer', b)).toBe(15_000);
    expect(dailyAllowance('enterprise', { ...b, userLicenses: 20 })).toBe(120_000);
    expect(dailyAllowance('unlimited', { ...b, userLicenses: 20 })).toBe(200_000);
    expect(dailyAllowance('enterprise', { ...b, dailyApiRequests: 500 })).toBe(500);
  });
});

describe('concurrent long-running requests', () => {
  it('given requests already running past the threshold, when another arrives, then 403 ConcurrentPerOrgLongTxn', async () => {
    const slow = await startSalesforceSandbox({
      port: 0,
      seed: 9,
      leads: 50,
      behaviours: { longRunningMs: 100, concurrentLongRunning: 1 },
    });
    try {
      slow.state.injectFault({ delayMs: 400, count: 1 });
      const first = raw(slow, '/services/data/v62.0/limits');
      await new Promise((r) => setTimeout(r, 200));
      const second = await raw(slow, '/services/data/v62.0/limits');
      expect(second.status).toBe(403);
      expect(second.body).toEqual([
        { message: 'ConcurrentPerOrgLongTxn Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
      ]);
      expect((await first).status).toBe(200);
      expect((await raw(slow, '/services/data/v62.0/limits')).status).toBe(200);
    } finally {
      await slow.close();
    }
  });
});

describe('Get Updated / Get Deleted', () => {
  it('given a window inside 30 days, when calling updated(), then ids and latestDateCovered; older starts fail', async () => {
    const conn = connect(sandbox);
    const end = new Date(FIXED_NOW);
    const res = await conn.sobject('Lead').updated(new Date(FIXED_NOW - 10 * 86_400_000), end);
    expect(res.ids.length).toBeGreaterThan(0);
    expect(res.latestDateCovered).toBe('2026-11-25T12:00:00.000+0000');
    const check = await conn.query(
      `SELECT COUNT() FROM Lead WHERE SystemModstamp >= ${new Date(FIXED_NOW - 10 * 86_400_000).toISOString().replace('.000', '')} AND SystemModstamp < 2026-11-25T12:00:00Z`,
    );
    expect(res.ids.length).toBe(check.totalSize);
    const tooOld = await errorOf(conn.sobject('Lead').updated(new Date(FIXED_NOW - 31 * 86_400_000), end));
    expect(tooOld.errorCode).toBe('INVALID_REPLICATION_DATE');
    const reversed = await errorOf(conn.sobject('Lead').updated(end, new Date(FIXED_NOW - 86_400_000)));
    expect(reversed.errorCode).toBe('INVALID_REPLICATION_DATE');
  });

  it('given merged leads, when calling deleted(), then deletedRecords within 15 days with earliestDateAvailable', async () => {
    const conn = connect(sandbox);
    const [master, loser] = (
      await conn.query('SELECT Id FROM Lead WHERE IsConverted = false ORDER BY Id LIMIT 2')
    ).records.map((r) => r.Id as string);
    clock = FIXED_NOW + 60_000;
    sandbox.state.mergeRecords('Lead', master as string, [loser as string]);
    clock = FIXED_NOW + 120_000;
    const res = await conn.sobject('Lead').deleted(new Date(FIXED_NOW - 14 * 86_400_000), new Date(clock));
    expect(res.deletedRecords.map((d) => d.id)).toContain(loser);
    expect(res.earliestDateAvailable).toBe('2026-11-10T12:02:00.000+0000');
    const all = await conn
      .query(`SELECT Id, IsDeleted, MasterRecordId FROM Lead WHERE Id = '${loser}'`)
      .run({ scanAll: true });
    expect(all.records[0]).toMatchObject({ IsDeleted: true, MasterRecordId: master });
    expect(
      (await errorOf(conn.sobject('Lead').deleted(new Date(FIXED_NOW - 16 * 86_400_000), new Date(clock))))
        .errorCode,
    ).toBe('INVALID_REPLICATION_DATE');
  });
});

describe('faults and the request log', () => {
  it('given injected 503 then 500, when calling, then Salesforce-shaped errors, then normal service', async () => {
    sandbox.state.injectFault({ status: 503, count: 1 });
    sandbox.state.injectFault({ status: 500, count: 1 });
    const a = await raw(sandbox, '/services/data/v62.0/limits');
    const b = await raw(sandbox, '/services/data/v62.0/limits');
    const c = await raw(sandbox, '/services/data/v62.0/limits');
    expect([a.status, b.status, c.status]).toEqual([503, 500, 200]);
    expect((b.body as { errorCode: string }[])[0]?.errorCode).toBe('UNKNOWN_EXCEPTION');
  });

  it('given a connection reset and a slow response, when calling, then the socket drops and the delay is observed', async () => {
    sandbox.state.injectFault({ reset: true });
    await expect(raw(sandbox, '/services/data/v62.0/limits')).rejects.toThrow();
    sandbox.state.injectFault({ delayMs: 150 });
    const t0 = Date.now();
    await raw(sandbox, '/services/data/v62.0/limits');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('given HTTP controls, when used, then the log records method, path, status and api counting', async () => {
    await fetch(`${sandbox.instanceUrl}/__sandbox/log`, { method: 'DELETE' });
    await raw(sandbox, '/services/data/v62.0/limits');
    await fetch(`${sandbox.instanceUrl}/__sandbox/sessions/expire`, { method: 'POST' });
    await raw(sandbox, '/services/data/v62.0/limits');
    const log = (await (await fetch(`${sandbox.instanceUrl}/__sandbox/log`)).json()) as {
      path: string;
      status: number;
      apiCounted: boolean;
    }[];
    expect(log.map((e) => [e.path, e.status, e.apiCounted])).toEqual([
      ['/services/data/v62.0/limits', 200, true],
      ['/services/data/v62.0/limits', 401, false],
    ]);
  });
});
