import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import { isLeadscoreError, LeadscoreError } from '../errors.js';
import { openStore, type Store } from '../store/index.js';
import { Leases, processIdentity } from './lease.js';
import { DaemonMetrics } from './metrics.js';
import type { DaemonTiming } from './options.js';
import { CrmRunner, type DaemonCrm, describeHolder, type JobSpec, type RetrainOutcome } from './runner.js';
import { type HealthServer, type Readiness, startHealthServer } from './server.js';
import { lastFinishedRun } from './status.js';

export interface DaemonOptions {
  config: LoadedConfig;
  logger: Logger;
  timing: DaemonTiming;
  port: number;
  host: string;
  /** Stand by while another daemon holds a lease (true), or fail with ERR_DAEMON_LEASE_HELD. */
  wait: boolean;
  /** The composition root: the CRMs this installation syncs with (one today). */
  connect: (store: Store) => DaemonCrm[];
  /** Trains and activates a model for a CRM (the `retrain` schedule); without it no retrain is scheduled. */
  retrain?: (store: Store, source: string) => RetrainOutcome;
  now?: () => number;
}

export interface RunningDaemon {
  port: number;
  host: string;
  runners: readonly CrmRunner[];
  readiness(): Readiness;
  /** Stops every schedule (each run gets the grace period), releases the leases, closes the server and store. */
  stop(reason: string): Promise<void>;
  /** For a second signal: records current runs as interrupted, releases the leases, no waiting. */
  stopNow(reason: string): void;
}

export function restoreHint(path: string): string {
  return (
    `Stop every leadscore process; move ${path} and its -wal and -shm files aside; copy the newest backup ` +
    `(made by \`leadscore backup FILE\`) to ${path}; start the daemon again: the next runs pull what changed ` +
    'since the backup and re-send pending writes. With no backup, start from an empty database: the next ' +
    'reconcile pulls everything again. See docs/operations.md.'
  );
}

/** Opens the store after `PRAGMA quick_check`; a damaged file is refused with the steps to restore it. */
export function openCheckedStore(path: string): Store {
  if (path === ':memory:') {
    throw new LeadscoreError(
      'ERR_CONFIG_INVALID',
      'database is ":memory:": the daemon needs a database file.',
      {
        hint: 'Set database to a file path in the config, e.g. ./leadscore.db.',
      },
    );
  }
  try {
    return openStore(path, { integrityCheck: true });
  } catch (error) {
    if (isLeadscoreError(error) && error.code === 'ERR_STORE_CORRUPT') {
      throw new LeadscoreError('ERR_STORE_CORRUPT', `${error.message}; the daemon will not run on it`, {
        cause: error,
        hint: restoreHint(path),
      });
    }
    throw error;
  }
}

/** One CRM's jobs: its entry under `daemon.schedules`, key by key, else the top-level `schedule`. */
export function jobsFor(config: LoadedConfig, source: string): JobSpec[] {
  const own = source === 'hubspot' || source === 'salesforce' ? config.daemon.schedules[source] : undefined;
  const retrain = own?.retrain ?? config.schedule.retrain;
  return [
    { name: 'incremental', mode: 'incremental', cron: own?.incremental ?? config.schedule.incremental },
    { name: 'reconcile', mode: 'full', cron: own?.reconcile ?? config.schedule.reconcile },
    ...(retrain !== undefined ? [{ name: 'retrain', mode: 'retrain', cron: retrain } as const] : []),
  ];
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { config, logger, timing } = options;
  const now = options.now ?? Date.now;
  const store = openCheckedStore(config.database);
  const identity = processIdentity();
  const metrics = new DaemonMetrics(now);
  let leases: Leases | undefined;
  let server: HealthServer | undefined;
  const runners: CrmRunner[] = [];
  const retrain = options.retrain;
  const close = async () => {
    await server?.close();
    leases?.close();
    store.close();
  };
  try {
    leases = Leases.open(config.database, now);
    const crms = options.connect(store);
    metrics.seedFromRuns(store.listRuns(200));
    for (const crm of crms) {
      metrics.watchCrm({
        source: crm.source,
        counters: crm.counters,
        outbox: () => store.outboxCounts(crm.source),
      });
      runners.push(
        new CrmRunner({
          crm,
          jobs: jobsFor(config, crm.source).filter((job) => job.mode !== 'retrain' || retrain),
          ...(retrain ? { retrain: (source: string) => retrain(store, source) } : {}),
          timezone: config.schedule.timezone,
          store,
          leases,
          identity,
          rules: config.rules,
          asOfResolution: config.scoring.asOfResolution,
          timing,
          metrics,
          logger,
          wait: options.wait,
          now,
        }),
      );
    }
    const readiness = (): Readiness => {
      const checks: Readiness['checks'] = {};
      let runs: ReturnType<Store['listRuns']> = [];
      try {
        runs = store.listRuns(50);
        checks.store = { ok: true, detail: `open: ${config.database}` };
      } catch (error) {
        checks.store = { ok: false, detail: (error as Error).message };
      }
      for (const runner of runners) {
        const holder = runner.holder;
        checks[`lease:${runner.source}`] =
          runner.state === 'active'
            ? { ok: true, detail: `held by this process (pid ${process.pid})` }
            : {
                ok: false,
                detail:
                  runner.state === 'standby' && holder
                    ? `standing by: held by ${describeHolder(holder, now())}`
                    : runner.state,
              };
        const last = lastFinishedRun(runs, runner.source);
        checks[`lastRun:${runner.source}`] =
          last?.status === 'failed'
            ? { ok: false, detail: `run ${last.id} (${last.kind}) failed: ${last.error ?? 'no message'}` }
            : { ok: true, detail: last ? `run ${last.id} (${last.kind}) ${last.status}` : 'no run yet' };
      }
      return { ready: Object.values(checks).every((check) => check.ok), checks };
    };
    server = await startHealthServer(
      { readiness, metrics: () => metrics.metrics(), metricsContentType: metrics.registry.contentType },
      options.port,
      options.host,
    );
    logger.info(
      { host: server.host, port: server.port, pid: process.pid, owner: identity.owner, timing },
      `health and metrics on http://${server.host}:${server.port} (/healthz, /readyz, /metrics)`,
    );
    for (const runner of runners) runner.start();
    const started = server;
    return {
      port: started.port,
      host: started.host,
      runners,
      readiness,
      async stop(reason) {
        logger.info({ reason }, 'daemon stopping');
        await Promise.all(runners.map((runner) => runner.stop(reason)));
        await close();
        logger.info('daemon stopped');
      },
      stopNow(reason) {
        for (const runner of runners) runner.stopNow(reason);
        leases?.close();
        store.close();
      },
    };
  } catch (error) {
    for (const runner of runners) runner.stopNow('the daemon failed to start');
    await close();
    throw error;
  }
}

/**
 * Serves until SIGTERM or SIGINT, then stops gracefully; a second signal stops at once. Resolves with the
 * signal's name once stopped.
 */
export function runUntilSignal(daemon: RunningDaemon, logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: stopping now');
        daemon.stopNow(`received ${signal} twice`);
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, `received ${signal}`);
      daemon.stop(`received ${signal}`).then(() => resolve(signal), reject);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
