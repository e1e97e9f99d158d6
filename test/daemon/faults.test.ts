import { chmodSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import type { RequestLogEntry } from '../../connectors/hubspot/sandbox/server.js';
import { CliProcess, oauthEnv, readDb, runs, type Workspace, workspace } from './helpers.js';

/**
 * `leadscore sync` in a child process against the HubSpot sandbox's fault injection (the sandbox is served by
 * this process, so the child is awaited asynchronously). Each test gets a fresh sandbox.
 */
const SCHEDULE = { incremental: '*/10 * * * *', reconcile: '30 2 * * *' };
const CONTACTS = 60;
/** HubSpot professional: 190 requests per rolling 10 s per app (connectors/hubspot/limits.ts). */
const BURST_LIMIT = 190;
const BURST_WINDOW_MS = 10_000;

describe('leadscore sync under CRM and disk faults', { timeout: 150_000 }, () => {
  let sandbox: HubSpotSandbox;
  const started: CliProcess[] = [];

  const sync = async (ws: Workspace, env: NodeJS.ProcessEnv, options = {}, args: string[] = []) => {
    const child = new CliProcess(
      ['--config', ws.config, '--log-level', 'debug', '--json', 'sync', ...args],
      env,
      options,
    );
    started.push(child);
    const exit = await child.exited;
    return { exit, child };
  };
  const apiEntries = () => sandbox.requestLog.entries.filter((entry) => !entry.path.startsWith('/oauth'));
  /** Calls `fn` once, when the sandbox has answered `nth` API requests. */
  const onRequest = (nth: number, fn: () => void) => {
    const log = sandbox.requestLog;
    const add = log.add.bind(log);
    let seen = 0;
    log.add = (entry: RequestLogEntry) => {
      add(entry);
      if (!entry.path.startsWith('/oauth') && ++seen === nth) {
        log.add = add;
        fn();
      }
    };
  };
  const scoredInCrm = () => {
    const { store } = sandbox.state;
    let scored = 0;
    for (let row = 0; row < store.rowCount; row++) if (store.get(row, 'leadscore_score') !== null) scored++;
    return scored;
  };
  const counts = (ws: Workspace) =>
    readDb(ws.database, (db) => ({
      records: (db.prepare('SELECT count(*) AS n FROM records').get() as { n: number }).n,
      events: (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n,
      scores: (db.prepare('SELECT count(*) AS n FROM scores').get() as { n: number }).n,
      ledger: (db.prepare('SELECT count(*) AS n FROM score_ledger').get() as { n: number }).n,
      cursors: (db.prepare('SELECT count(*) AS n FROM cursors').get() as { n: number }).n,
      integrity: (db.pragma('integrity_check') as Array<{ integrity_check: string }>)[0]?.integrity_check,
    }));

  beforeEach(async () => {
    sandbox = await startHubSpotSandbox({
      port: 0,
      seed: 21,
      contacts: CONTACTS,
      eventsPerContact: 4,
      tier: 'professional',
    });
  });

  afterEach(async () => {
    for (const child of started.splice(0)) {
      child.kill('SIGKILL');
      await child.exited;
    }
    await sandbox.close();
  });

  it('given 429 storms, 5xx bursts, connection resets and slow responses, when a sync runs, then it backs off, finishes with every record scored and written, and never exceeds the rate limit', async () => {
    const ws = workspace(sandbox, SCHEDULE);
    // Retry-After: 1 keeps the test short; without it a burst 429 waits for the 10 s window to roll on.
    sandbox.state.behaviours.retryAfterSeconds = 1;
    sandbox.state.faults.push(
      { kind: 'rate-limit', remaining: 6 },
      { kind: 'status', status: 503, remaining: 2 },
      { kind: 'reset', remaining: 2 },
      { kind: 'status', status: 502, remaining: 2 },
      { kind: 'slow', ms: 1_000, remaining: 2 },
    );
    const { exit, child } = await sync(ws, { HUBSPOT_TOKEN: sandbox.token });
    expect(exit, child.stderr.slice(-3000)).toEqual({ code: 0, signal: null });
    expect(sandbox.state.faults).toEqual([]);

    const entries = apiEntries();
    const byStatus = (status: number) => entries.filter((entry) => entry.status === status);
    // Every 429 is an injected one: the client's pacing never ran into the sandbox's real limiter.
    expect(byStatus(429)).toHaveLength(6);
    expect(byStatus(503)).toHaveLength(2);
    expect(byStatus(502)).toHaveLength(2);
    expect(byStatus(0)).toHaveLength(2); // resets: the socket was destroyed without an answer
    // Retry-After honoured: nothing succeeded within 1 s of the first 429.
    const first429 = byStatus(429)[0] as RequestLogEntry;
    const nextOk = entries.find((entry) => entry.at > first429.at && entry.status === 200) as RequestLogEntry;
    expect(nextOk.at - first429.at).toBeGreaterThanOrEqual(900);
    // The rolling window the vendor counts: never more than its limit in any 10 s.
    const times = entries.map((entry) => entry.at).sort((a, b) => a - b);
    let busiest = 0;
    for (let start = 0, end = 0; start < times.length; start++) {
      while (end < times.length && (times[end] as number) < (times[start] as number) + BURST_WINDOW_MS) end++;
      busiest = Math.max(busiest, end - start);
    }
    expect(busiest).toBeLessThanOrEqual(BURST_LIMIT);

    const report = JSON.parse(child.stdout) as { rateLimited: number; pull: { records: number } };
    expect(report.rateLimited).toBeGreaterThanOrEqual(6);
    const state = counts(ws);
    expect(state).toMatchObject({ records: CONTACTS, scores: CONTACTS, integrity: 'ok' });
    expect(state.events).toBeGreaterThan(CONTACTS);
    expect(scoredInCrm()).toBe(CONTACTS);
  });

  it('given an OAuth access token that expires mid-run, when the sync gets a 401, then it refreshes the token and finishes', async () => {
    const ws = workspace(sandbox, SCHEDULE, { oauth: true });
    onRequest(4, () => sandbox.state.auth.expire());
    const { exit, child } = await sync(ws, oauthEnv(sandbox));
    expect(exit, child.stderr.slice(-3000)).toEqual({ code: 0, signal: null });
    const refreshes = sandbox.requestLog.entries.filter((entry) => entry.path === '/oauth/v1/token');
    expect(refreshes.length).toBeGreaterThanOrEqual(2); // the first token, and one after the expiry
    expect(apiEntries().filter((entry) => entry.status === 401).length).toBeGreaterThanOrEqual(1);
    expect(counts(ws)).toMatchObject({ records: CONTACTS, scores: CONTACTS });
    expect(scoredInCrm()).toBe(CONTACTS);
  });

  it('given the refresh token revoked mid-run, when the access token expires, then the sync stops with ERR_CRM_AUTH saying to re-authorise, and keeps every page it saved', async () => {
    const ws = workspace(sandbox, SCHEDULE, { oauth: true });
    onRequest(4, () => {
      sandbox.state.auth.revokeRefreshToken();
      sandbox.state.auth.expire();
    });
    const { exit, child } = await sync(ws, oauthEnv(sandbox));
    expect(exit.code).toBe(1);
    expect(child.stderr).toContain('ERR_CRM_AUTH');
    expect(child.stderr).toMatch(/re-authori[sz]e/);
    expect(child.stderr).not.toContain(sandbox.oauth.refreshToken);
    expect(child.stderr).not.toContain(sandbox.oauth.clientSecret);

    const saved = child.logs.filter((line) => line.msg === 'page saved');
    const savedRecords = saved.reduce((sum, line) => sum + (line.records as number), 0);
    expect(savedRecords).toBeGreaterThan(0);
    const state = counts(ws);
    expect(state.records).toBe(savedRecords);
    expect(state.integrity).toBe('ok');
    expect(runs(ws.database).map((run) => [run.status, run.error])).toEqual([
      ['failed', expect.stringContaining('re-authorise')],
    ]);
  });

  it('given a disk that fills up mid-sync, when SQLite cannot grow the file, then the sync fails with ERR_STORE_WRITE and the database keeps its last committed state, from which the next sync completes', async () => {
    // A short lease: the failed sync cannot release its lease on a full disk, and it must expire first.
    const ws = workspace(sandbox, SCHEDULE, { extra: 'daemon:\n  leaseTtl: 2s\n  heartbeat: 500ms\n' });
    const env = { HUBSPOT_TOKEN: sandbox.token };
    const first = await sync(ws, env);
    expect(first.exit.code, first.child.stderr.slice(-2000)).toBe(0);
    const before = counts(ws);

    // RLIMIT_FSIZE: no file may grow beyond 64 KB (Node ignores SIGXFSZ, so the write fails with EFBIG), so
    // the write-ahead log fills up a few pages into the full re-pull, as on a full disk.
    expect(statSync(ws.database).size).toBeGreaterThan(64 * 1024);
    const full = await sync(ws, env, { shell: 'ulimit -f 64;' }, ['--full']);
    expect(full.exit.code).toBe(1);
    expect(full.child.stderr).toContain('ERR_STORE_WRITE');
    expect(full.child.stderr).toContain(ws.database);
    expect(full.child.stderr).toContain('free space');
    expect(full.child.count('page saved')).toBeGreaterThan(0); // it failed mid-pull, not at start
    // The pages it saved before the disk filled are committed checkpoints (a cursor may have been added);
    // nothing else moved and nothing is half-written.
    const { cursors, ...after } = counts(ws);
    const { cursors: cursorsBefore, ...unchanged } = before;
    expect(after).toEqual(unchanged);
    expect(cursors).toBeGreaterThanOrEqual(cursorsBefore);

    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const again = await sync(ws, env, {}, ['--full']);
    expect(again.exit.code, again.child.stderr.slice(-2000)).toBe(0);
    expect(counts(ws)).toMatchObject({ records: CONTACTS, scores: CONTACTS, integrity: 'ok' });
  });

  it('given a read-only database file, when a sync starts, then it fails with ERR_STORE_WRITE naming the file and changes nothing', async () => {
    const ws = workspace(sandbox, SCHEDULE);
    const env = { HUBSPOT_TOKEN: sandbox.token };
    const first = await sync(ws, env);
    expect(first.exit.code, first.child.stderr.slice(-2000)).toBe(0);
    const before = counts(ws);
    sandbox.state.store.setValues(0, { jobtitle: 'Chief Read-Only Officer' });

    chmodSync(ws.database, 0o444);
    chmodSync(ws.dir, 0o755);
    // Root writes to a read-only file regardless of its mode: run the sync as an unprivileged user then.
    const user = process.getuid?.() === 0 ? { uid: 65_534, gid: 65_534 } : undefined;
    const readOnly = await sync(ws, env, user ? { user } : {});
    expect(readOnly.exit.code).toBe(1);
    expect(readOnly.child.stderr).toContain('ERR_STORE_WRITE');
    expect(readOnly.child.stderr).toContain(ws.database);
    expect(counts(ws)).toEqual(before);
  });
});
