import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { CrmReader, PulledPage } from '../../src/crm/ports.js';
import { Leases, processIdentity } from '../../src/daemon/lease.js';
import { DaemonMetrics } from '../../src/daemon/metrics.js';
import { CrmRunner, type JobSpec, type Retrain } from '../../src/daemon/runner.js';
import { createLogger } from '../../src/logger.js';
import { openStore, type Store } from '../../src/store/index.js';
import { rules } from '../scoring/helpers.js';
import { until } from './helpers.js';

const EMPTY: Omit<PulledPage, 'cursor' | 'done'> = { records: [], events: [], archived: [], merges: [] };

/** A CRM whose incremental runs wait for `open()` at their first page; an incremental run pulls two pages. */
function gatedCrm() {
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => (release = resolve));
  const reader: CrmReader = {
    source: 'fake',
    streams: (mode) => {
      let page = 0;
      return [
        {
          name: 'contacts',
          pull: async () => {
            page++;
            if (mode === 'incremental' && page === 1) await gate;
            return { ...EMPTY, cursor: `page-${page}`, done: mode === 'full' || page === 2 };
          },
        },
      ];
    },
    readRecords: async () => [],
  };
  return {
    crm: { source: 'fake', reader, counters: { calls: 0, rateLimited: 0 } },
    open: () => {
      release();
      gate = Promise.resolve();
    },
  };
}

interface Line {
  msg: string;
  job?: string;
  [key: string]: unknown;
}

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function setup(
  crm: ReturnType<typeof gatedCrm>['crm'],
  reconcile = '* * * * * *',
  retrain?: { retrain: Retrain; jobs: JobSpec[] },
) {
  const path = join(mkdtempSync(join(tmpdir(), 'leadscore-runner-')), 'leadscore.db');
  const store: Store = openStore(path);
  const leases = Leases.open(path);
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n')) if (text) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  const runner = new CrmRunner({
    crm,
    jobs: retrain?.jobs ?? [
      { name: 'incremental', mode: 'incremental', cron: '* * * * * *' },
      { name: 'reconcile', mode: 'full', cron: reconcile },
    ],
    ...(retrain ? { retrain: retrain.retrain } : {}),
    timezone: 'UTC',
    store,
    leases,
    identity: processIdentity(),
    rules: rules(),
    asOfResolution: 'exact',
    // A TTL well above the heartbeat, so a loaded machine's slow event loop never loses the lease by accident.
    timing: { leaseTtlMs: 5_000, heartbeatMs: 100, graceMs: 2_000 },
    metrics: new DaemonMetrics(),
    logger: createLogger({ level: 'debug', destination }),
    wait: true,
  });
  cleanup.push(() => {
    store.close();
    leases.close();
  });
  cleanup.push(() => runner.stop('test over'));
  const count = (text: string) => lines.filter((line) => line.msg.includes(text)).length;
  return { path, store, runner, lines, count };
}

describe('a CRM runner in one process', () => {
  it('given an incremental run still going, then incremental ticks are skipped and a reconcile tick runs right after it, never alongside', async () => {
    const fake = gatedCrm();
    const { store, runner, count } = setup(fake.crm);
    runner.start();
    expect(runner.state).toBe('active');
    await until(
      () => runner.currentRun?.job === 'incremental' && count('reconcile deferred') > 0,
      'a deferral',
      10_000,
    );
    await until(() => count('incremental tick skipped') > 0, 'a skipped tick', 10_000);
    fake.open();
    // The reconcile deferred behind the gated incremental: one that starts after that incremental finished.
    await until(() => {
      const runs = store.listRuns(50);
      const incremental = [...runs]
        .reverse()
        .find((run) => run.kind === 'sync' && run.status === 'succeeded');
      return runs.some(
        (run) =>
          run.kind === 'full-sync' &&
          run.status === 'succeeded' &&
          incremental?.finishedAt != null &&
          run.startedAt >= incremental.finishedAt,
      );
    }, 'the reconcile');

    const ordered = store.listRuns(50).reverse();
    const incremental = ordered.find((run) => run.kind === 'sync' && run.status === 'succeeded');
    const reconcile = ordered.find(
      (run) => run.kind === 'full-sync' && run.startedAt >= (incremental?.finishedAt ?? 0),
    );
    expect(incremental).toBeDefined();
    expect(reconcile).toBeDefined();
    for (let i = 1; i < ordered.length; i++) {
      expect(ordered[i]?.startedAt).toBeGreaterThanOrEqual(
        ordered[i - 1]?.finishedAt ?? Number.POSITIVE_INFINITY,
      );
    }
  });

  it('given a retrain schedule, then it trains under the lease between syncs, never alongside one, and a refusal is recorded, not failed', async () => {
    const fake = gatedCrm();
    const calls: Array<{ source: string; during: string | undefined }> = [];
    let runner: CrmRunner | undefined;
    const retrain: Retrain = (source) => {
      calls.push({ source, during: runner?.currentRun?.job });
      return calls.length === 1
        ? { trained: false, reason: 'only 3 conversions; at least 50 are needed' }
        : { trained: true, modelId: calls.length, rows: 120, positives: 60, auc: 0.8 };
    };
    const jobs: JobSpec[] = [
      { name: 'incremental', mode: 'incremental', cron: '* * * * * *' },
      { name: 'retrain', mode: 'retrain', cron: '* * * * * *' },
    ];
    const setupResult = setup(fake.crm, undefined, { retrain, jobs });
    runner = setupResult.runner;
    const { store, count } = setupResult;
    runner.start();
    await until(() => runner?.currentRun?.job === 'incremental', 'the gated sync', 10_000);
    const before = calls.length;
    await until(() => count('retrain tick skipped') > 0, 'a retrain tick skipped during the sync', 10_000);
    expect(calls).toHaveLength(before);
    fake.open();
    await until(
      () =>
        store.listRuns(50).filter((run) => run.kind === 'retrain' && run.status === 'succeeded').length >= 2,
      'two retrains',
      15_000,
    );
    // The runner's own job is the retrain while it trains: no sync was going at the same time.
    expect(calls.every((call) => call.source === 'fake' && call.during === 'retrain')).toBe(true);
    const retrains = store
      .listRuns(50)
      .filter((run) => run.kind === 'retrain')
      .reverse();
    expect(retrains[0]?.stats).toEqual({
      trained: false,
      reason: 'only 3 conversions; at least 50 are needed',
    });
    expect(retrains[1]?.stats).toMatchObject({ trained: true, modelId: 2 });
    expect(count('training refused: only 3 conversions')).toBe(1);
  });

  it('given the lease taken by another process mid-run, then the run stops at its next page as interrupted and the runner stands by', async () => {
    const fake = gatedCrm();
    const { path, store, runner, count, lines } = setup(fake.crm, '0 0 1 1 *');
    runner.start();
    await until(() => runner.currentRun?.job === 'incremental', 'a run', 10_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(lines)}`);
    });
    const thief = new Database(path);
    thief.prepare("UPDATE leases SET owner = 'thief', pid = 1, expires_at = ?").run(Date.now() + 60_000);
    thief.close();
    await until(() => count('lost the sync:fake lease') > 0, 'the loss');
    expect(runner.state).toBe('standby');
    fake.open();
    await until(() => count('run interrupted') > 0, 'the interruption');
    const [run] = store.listRuns(1);
    expect(run).toMatchObject({
      status: 'interrupted',
      error: expect.stringContaining('the lease was lost'),
    });
  });
});
