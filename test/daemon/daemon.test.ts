import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import { CliProcess, FAST, leases, type RunRow, runs, startDaemon, workspace } from './helpers.js';

/**
 * Real daemons in child processes on one database, syncing with the HubSpot sandbox hosted by this process
 * (hence spawn, never spawnSync). Leases use a 2 s TTL and a 250 ms heartbeat.
 */
describe('leadscore daemon: one daemon runs a CRM schedule at a time', { timeout: 150_000 }, () => {
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
  /** The exit of a process sent SIGTERM, or null if it took more than 10 s. */
  const exitWithin10s = (process: CliProcess) =>
    Promise.race([process.exited, new Promise<null>((resolve) => setTimeout(resolve, 10_000, null))]);
  const expectNoOverlap = (rows: RunRow[]) => {
    for (let i = 1; i < rows.length; i++) {
      const previous = rows[i - 1] as RunRow;
      expect(previous.finished_at, `run ${previous.id} has an end`).not.toBeNull();
      expect((rows[i] as RunRow).started_at).toBeGreaterThanOrEqual(previous.finished_at as number);
    }
  };

  beforeAll(async () => {
    sandbox = await startHubSpotSandbox({ port: 0, seed: 11, contacts: 40, tier: 'professional' });
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

  it('given a daemon holding the lease, when a second starts with --no-wait, then it exits naming the first; a third stands by and takes over once the first stops', async () => {
    const ws = workspace(sandbox, { incremental: '* * * * * *', reconcile: '0 0 1 1 *' });
    const first = track(startDaemon(ws, env()));
    await first.waitForMessage('holding the lease');

    const second = track(new CliProcess(['--config', ws.config, 'daemon', ...FAST, '--no-wait'], env()));
    const third = track(startDaemon(ws, env()));
    expect(await second.exited).toEqual({ code: 1, signal: null });
    expect(second.stderr).toContain('error ERR_DAEMON_LEASE_HELD');
    expect(second.stderr).toContain(`pid ${first.pid}`);
    expect(second.stderr).toContain('leadscore status');

    const standby = await third.waitForMessage('standing by');
    expect(standby.holder).toMatchObject({ pid: first.pid });
    const notReady = await fetch(`http://127.0.0.1:${await third.port()}/readyz`);
    expect(notReady.status).toBe(503);
    expect((await notReady.json()).checks['lease:hubspot'].detail).toContain(
      `standing by: held by pid ${first.pid}`,
    );
    await first.waitFor((line) => line.msg === 'run finished' && line.runId !== 1, 'a second run');
    expect(third.count('run started')).toBe(0);

    first.kill('SIGTERM');
    expect(await exitWithin10s(first)).toEqual({ code: 0, signal: null });
    expect(first.count('lease released')).toBe(1);
    await third.waitForMessage('holding the lease');
    expect(third.count('took over')).toBe(0); // released, not expired: no wait for the TTL
    await third.waitForMessage('run finished');

    third.kill('SIGTERM');
    expect(await exitWithin10s(third)).toEqual({ code: 0, signal: null });
    expect(leases(ws.database)).toEqual([]);
    const rows = runs(ws.database);
    expect(rows.length).toBe(first.count('run started') + third.count('run started'));
    expect(rows.filter((row) => row.status === 'running')).toEqual([]);
    expectNoOverlap(rows);
  });

  it('given a daemon killed with SIGKILL mid-run, when a standby waits, then it takes the lease over only after it expires and marks the dead run interrupted', async () => {
    const ws = workspace(sandbox, { incremental: '* * * * * *', reconcile: '0 0 1 1 *' });
    await faults({ kind: 'slow', ms: 300, count: 1000 });
    const victim = track(startDaemon(ws, env()));
    await victim.waitForMessage('holding the lease');
    const standby = track(startDaemon(ws, env()));
    await standby.waitForMessage('standing by');
    await victim.waitForMessage('page saved');

    victim.kill('SIGKILL');
    await victim.exited;
    await faults();
    const [left] = leases(ws.database);
    expect(left).toMatchObject({ pid: victim.pid });
    // On a loaded machine a first run may finish before the kill lands: the victim's last run is the one left.
    const leftRuns = runs(ws.database);
    const killed = leftRuns.at(-1) as RunRow;
    expect(killed.status).toBe('running');
    expect(leftRuns.slice(0, -1).every((row) => row.status === 'succeeded')).toBe(true);

    const takeover = await standby.waitForMessage('took over');
    expect(takeover.previous).toMatchObject({ pid: victim.pid });
    expect(Date.parse(takeover.time as string)).toBeGreaterThanOrEqual(left?.expires_at as number);
    await standby.waitForMessage('marked runs a stopped process left running as interrupted');
    await standby.waitForMessage('run finished');

    const rows = runs(ws.database);
    expect(rows.find((row) => row.id === killed.id)).toMatchObject({
      status: 'interrupted',
      error: expect.stringContaining('the process stopped'),
    });
    expect(rows.filter((row) => row.id > killed.id).some((row) => row.status === 'succeeded')).toBe(true);
    expect(leases(ws.database)).toEqual([expect.objectContaining({ pid: standby.pid })]);
  });
});
