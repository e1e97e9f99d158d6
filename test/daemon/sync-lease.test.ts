import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import { CliProcess, leases, type RunRow, runs, workspace } from './helpers.js';

/**
 * The lease shared by `leadscore sync` and the daemon, and the `daemon:` config section driving a real daemon.
 * Child processes only (the sandbox is served by this process).
 */
describe('one lease per CRM for the daemon and manual syncs', { timeout: 150_000 }, () => {
  let sandbox: HubSpotSandbox;
  const started: CliProcess[] = [];
  const env = () => ({ HUBSPOT_TOKEN: sandbox.token });
  const cli = (args: string[]) => {
    const child = new CliProcess(args, env());
    started.push(child);
    return child;
  };
  /** Every second, from the per-CRM schedule; the top-level one never fires during a test. */
  const config = {
    schedule: { incremental: '0 0 1 1 *', reconcile: '0 0 1 1 *' },
    extra:
      'daemon:\n  leaseTtl: 2s\n  heartbeat: 250ms\n  grace: 3s\n  metrics:\n    port: 0\n' +
      '  schedules:\n    hubspot:\n      incremental: "* * * * * *"\n',
  };

  beforeAll(async () => {
    sandbox = await startHubSpotSandbox({ port: 0, seed: 5, contacts: 30, tier: 'professional' });
  });

  afterEach(async () => {
    for (const child of started.splice(0)) {
      child.kill('SIGKILL');
      await child.exited;
    }
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it('given a daemon running, when `leadscore sync` runs, then it exits with ERR_DAEMON_LEASE_HELD naming the daemon; once the daemon stops, the sync runs and releases the lease', async () => {
    const ws = workspace(sandbox, config.schedule, { extra: config.extra });
    const daemon = cli(['--config', ws.config, '--log-level', 'debug', 'daemon']);
    await daemon.waitForMessage('holding the lease');

    const refused = cli(['--config', ws.config, 'sync']);
    expect(await refused.exited).toEqual({ code: 1, signal: null });
    expect(refused.stderr).toContain('error ERR_DAEMON_LEASE_HELD');
    expect(refused.stderr).toContain(`pid ${daemon.pid}`);
    expect(refused.stderr).toContain('leadscore status');

    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    const manual = cli(['--config', ws.config, '--json', 'sync']);
    expect((await manual.exited).code, manual.stderr.slice(-2000)).toBe(0);
    expect(leases(ws.database)).toEqual([]);
    expect(runs(ws.database).filter((run) => run.status === 'running')).toEqual([]);
  });

  it('given two daemons started at the same moment on one database, then exactly one takes the lease and runs every job, on the schedule and timing from the daemon: config section', async () => {
    const ws = workspace(sandbox, config.schedule, { extra: config.extra });
    const args = ['--config', ws.config, '--log-level', 'debug', 'daemon'];
    const pair = [cli(args), cli(args)];
    await Promise.race(pair.map((daemon) => daemon.waitForMessage('holding the lease')));
    const active = pair.find((daemon) => daemon.count('holding the lease') === 1) as CliProcess;
    const standby = pair.find((daemon) => daemon !== active) as CliProcess;
    await standby.waitForMessage('standing by');
    await active.waitFor(() => active.count(/^run finished$/) >= 3, 'three finished runs');

    const holding = await active.waitForMessage('holding the lease');
    expect(holding.jobs).toContainEqual({ job: 'incremental', cron: '* * * * * *' });
    const serving = await active.waitForMessage('health and metrics on');
    expect(serving.timing).toEqual({ leaseTtlMs: 2_000, heartbeatMs: 250, graceMs: 3_000 });

    // The standby first: it would take over the lease the active one releases.
    standby.kill('SIGTERM');
    expect((await standby.exited).code).toBe(0);
    active.kill('SIGTERM');
    expect((await active.exited).code).toBe(0);
    expect(standby.count('run started')).toBe(0);
    const rows = runs(ws.database);
    expect(rows).toHaveLength(active.count('run started'));
    for (let i = 1; i < rows.length; i++) {
      expect((rows[i] as RunRow).started_at).toBeGreaterThanOrEqual(
        (rows[i - 1] as RunRow).finished_at as number,
      );
    }
  });
});
