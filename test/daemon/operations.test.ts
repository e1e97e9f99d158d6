import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import { openStore } from '../../src/store/index.js';
import { runCliAsync } from '../cli/helpers.js';
import { type CliProcess, leases, type RunRow, runs, startDaemon, workspace } from './helpers.js';

/** The daemon as operators meet it: health endpoints, metrics, `status`, `backup`, stopping, skipped ticks. */
describe('leadscore daemon in operation', { timeout: 150_000 }, () => {
  let sandbox: HubSpotSandbox;
  const started: CliProcess[] = [];
  const env = () => ({ HUBSPOT_TOKEN: sandbox.token });
  const track = (process: CliProcess) => {
    started.push(process);
    return process;
  };
  const faults = (body?: Record<string, unknown>) =>
    fetch(`${sandbox.baseUrl}/__sandbox/faults`, {
      method: body ? 'POST' : 'DELETE',
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const exitWithin10s = (process: CliProcess) =>
    Promise.race([process.exited, new Promise<null>((resolve) => setTimeout(resolve, 10_000, null))]);
  const get = async (port: number, path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: await response.text(),
    };
  };

  beforeAll(async () => {
    sandbox = await startHubSpotSandbox({ port: 0, seed: 5, contacts: 40, tier: 'professional' });
  });

  afterEach(async () => {
    for (const process of started.splice(0)) {
      process.kill('SIGKILL');
      await process.exited;
    }
    await faults();
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it('given a daemon that synced, then /healthz, /readyz and /metrics answer, status describes it, and backup copies it while it runs', async () => {
    const ws = workspace(sandbox, { incremental: '*/2 * * * * *', reconcile: '0 0 1 1 *' });
    const daemon = track(startDaemon(ws, env()));
    const port = await daemon.port();
    await daemon.waitForMessage('run finished');

    expect(await get(port, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    const ready = await get(port, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({
      ready: true,
      checks: { store: { ok: true }, 'lease:hubspot': { ok: true }, 'lastRun:hubspot': { ok: true } },
    });
    const metrics = await get(port, '/metrics');
    expect(metrics.type).toContain('text/plain');
    for (const pattern of [
      /^leadscore_last_success_timestamp_seconds\{crm="hubspot",job="incremental"\} \d+/m,
      /^leadscore_last_success_age_seconds\{crm="hubspot",job="incremental"\} [\d.]+/m,
      /^leadscore_records_synced_total\{crm="hubspot"\} [1-9]\d*/m,
      /^leadscore_events_synced_total\{crm="hubspot"\} [1-9]\d*/m,
      /^leadscore_crm_api_calls_total\{crm="hubspot"\} [1-9]\d*/m,
      /^leadscore_crm_rate_limited_total\{crm="hubspot"\} 0/m,
      /^leadscore_outbox_pending\{crm="hubspot"\} 0/m,
      /^leadscore_outbox_parked\{crm="hubspot"\} 0/m,
      /^leadscore_run_duration_seconds_count\{crm="hubspot",job="incremental",status="succeeded"\} [1-9]/m,
      /^leadscore_runs_total\{crm="hubspot",job="incremental",status="succeeded"\} [1-9]/m,
      /^leadscore_lease_held\{lease="sync:hubspot"\} 1/m,
      /^leadscore_process_resident_memory_bytes \d+/m,
    ]) {
      expect(metrics.body).toMatch(pattern);
    }
    expect(await get(port, '/nope')).toMatchObject({ status: 404 });

    const file = join(ws.dir, 'backup.db');
    // Independent commands run side by side: each is a process of its own, as an operator's would be.
    const [text, json, backup] = await Promise.all([
      runCliAsync(['--config', ws.config, 'status'], { env: env() }),
      runCliAsync(['--config', ws.config, '--json', 'status', '-n', '3'], { env: env() }),
      runCliAsync(['--config', ws.config, '--json', 'backup', file], { env: env() }),
    ]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`sync:hubspot: held \\(pid ${daemon.pid} on `));
    expect(text.stdout).toMatch(/hubspot incremental: run \d+/);
    expect(text.stdout).toMatch(/Outbox: 0 pending, 0 parked, 40 sent/);
    const report = JSON.parse(json.stdout);
    expect(report.leases).toEqual([
      expect.objectContaining({ pid: daemon.pid, live: true, processAlive: true }),
    ]);
    expect(report.lastRuns.length).toBeGreaterThan(0);
    expect(report.lastRuns.length).toBeLessThanOrEqual(3);
    expect(report.lastSuccess).toEqual([expect.objectContaining({ crm: 'hubspot', job: 'incremental' })]);

    expect(backup.status, backup.stderr).toBe(0);
    expect(JSON.parse(backup.stdout)).toMatchObject({ path: file, records: 40 });
    const copy = new Database(file, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((copy.prepare('SELECT count(*) AS n FROM records').get() as { n: number }).n).toBe(40);
    copy.close();
    const again = await runCliAsync(['--config', ws.config, 'backup', file], { env: env() });
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(existsSync(`${file}.partial`)).toBe(false);

    await faults({ kind: 'status', status: 400, count: 1_000 });
    const failed = await daemon.waitForMessage('run failed');
    const notReady = await get(port, '/readyz');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.body).checks['lastRun:hubspot']).toMatchObject({
      ok: false,
      detail: expect.stringContaining(`run ${failed.runId} (sync) failed`),
    });
    expect((await get(port, '/metrics')).body).toMatch(
      new RegExp(`^leadscore_errors_total\\{code="${failed.code}"\\} [1-9]`, 'm'),
    );
    const failures = await runCliAsync(['--config', ws.config, 'status'], { env: env() });
    expect(failures.stdout).toMatch(/Failed runs\n {2}run \d+ \(sync, [^)]+\): HubSpot rejected/);
  });

  it('given a run longer than the interval, then ticks that come during it are skipped, not queued; and SIGTERM mid-run stops within 10 s, records the run interrupted and releases the lease', async () => {
    const ws = workspace(sandbox, { incremental: '* * * * * *', reconcile: '0 0 1 1 *' });
    await faults({ kind: 'slow', ms: 400, count: 12 });
    const daemon = track(startDaemon(ws, env()));
    const long = await daemon.waitForMessage('run finished');
    expect(long.durationMs as number).toBeGreaterThan(1_000);
    const skipped = daemon.logs.filter((line) => line.msg.includes('incremental tick skipped'));
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    // Queued ticks would start back to back once the long run ended; skipped ones leave one run per tick.
    await daemon.waitFor((line) => line.msg === 'run finished' && line.runId === 3, 'two more runs');
    const rows = runs(ws.database);
    const first = rows[0] as RunRow;
    const soonAfter = rows.filter(
      (row) =>
        row.started_at >= (first.finished_at as number) &&
        row.started_at < (first.finished_at as number) + 900,
    );
    expect(soonAfter.length).toBeLessThanOrEqual(1);
    for (let i = 1; i < rows.length; i++) {
      expect((rows[i] as RunRow).started_at).toBeGreaterThanOrEqual(
        (rows[i - 1] as RunRow).finished_at as number,
      );
    }

    await faults({ kind: 'slow', ms: 1_000, count: 1_000 });
    const before = daemon.count('run started');
    await daemon.waitFor(() => daemon.count('run started') > before, 'a slow run');
    daemon.kill('SIGTERM');
    expect(await exitWithin10s(daemon)).toEqual({ code: 0, signal: null });
    await daemon.waitForMessage('run interrupted at a safe point');
    expect(daemon.count('lease released')).toBe(1);
    expect(leases(ws.database)).toEqual([]);
    const last = runs(ws.database).at(-1);
    expect(last).toMatchObject({ status: 'interrupted', error: expect.stringContaining('received SIGTERM') });
  });

  it('given a call slower than the grace period, when SIGTERM comes, then the run is abandoned as interrupted and the daemon still exits', async () => {
    const ws = workspace(sandbox, { incremental: '* * * * * *', reconcile: '0 0 1 1 *' });
    await faults({ kind: 'slow', ms: 6_000, count: 1_000 });
    const daemon = track(startDaemon(ws, env(), ['--grace', '500ms']));
    await daemon.waitForMessage('run started');
    await new Promise((resolve) => setTimeout(resolve, 300));
    daemon.kill('SIGTERM');
    expect(await exitWithin10s(daemon)).toEqual({ code: 0, signal: null });
    expect(daemon.count('run abandoned')).toBe(1);
    expect(leases(ws.database)).toEqual([]);
    expect(runs(ws.database)).toEqual([
      expect.objectContaining({ status: 'interrupted', error: expect.stringContaining('abandoned') }),
    ]);
  });

  it('given a damaged database, when the daemon starts, then it refuses and says how to restore', async () => {
    const ws = workspace(sandbox, { incremental: '*/10 * * * *', reconcile: '30 2 * * *' });
    const store = openStore(ws.database);
    store.close();
    const fd = openSync(ws.database, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 4096 * 2);
    closeSync(fd);
    const result = await runCliAsync(['--config', ws.config, 'daemon', '--port', '0'], { env: env() });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('error ERR_STORE_CORRUPT');
    expect(result.stderr).toContain('the daemon will not run on it');
    expect(result.stderr).toContain('leadscore backup');
  });

  it('given a database no daemon has run on, when asking for the status, then it says no daemon holds a lease', async () => {
    const ws = workspace(sandbox, { incremental: '*/10 * * * *', reconcile: '30 2 * * *' });
    const result = await runCliAsync(['--config', ws.config, 'status']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('no daemon holds a lease');
    expect(result.stdout).toContain('Outbox: 0 pending, 0 parked');
  });
});
