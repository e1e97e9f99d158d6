import Database from 'better-sqlite3';
import { type Command, Option } from 'commander';
import { loadConfig, resolveConfigPath } from '../../config/load.js';
import { type BackupResult, backupDatabase } from '../../daemon/backup.js';
import { runUntilSignal, startDaemon } from '../../daemon/daemon.js';
import { type LeaseHolder, readLeases } from '../../daemon/lease.js';
import {
  checkTiming,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_TIMING,
  parseDuration,
  parsePort,
} from '../../daemon/options.js';
import { describeHolder, type RetrainOutcome } from '../../daemon/runner.js';
import { collectStatus, type StatusReport } from '../../daemon/status.js';
import { isLeadscoreError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import type { Store } from '../../store/index.js';
import { type GlobalOptions, withContext } from '../context.js';
import { connectCrm } from '../crm.js';
import { formatDate, printJson, printLine, renderTable } from '../output.js';
import { trainCommand } from './model.js';

/** Unset flags (and their environment variables) take the config's `daemon:` values. */
interface DaemonFlags {
  port?: string;
  host?: string;
  leaseTtl?: string;
  heartbeat?: string;
  grace?: string;
  wait: boolean;
}

async function daemon(flags: DaemonFlags, global: GlobalOptions): Promise<void> {
  const config = loadConfig(resolveConfigPath(global.config));
  const settings = config.daemon;
  const timing = checkTiming({
    leaseTtlMs: flags.leaseTtl ? parseDuration(flags.leaseTtl, '--lease-ttl') : settings.leaseTtl,
    heartbeatMs: flags.heartbeat ? parseDuration(flags.heartbeat, '--heartbeat') : settings.heartbeat,
    graceMs: flags.grace ? parseDuration(flags.grace, '--grace') : settings.grace,
  });
  const port = flags.port ? parsePort(flags.port) : settings.metrics.port;
  const logger = createLogger({ level: global.logLevel ?? config.logging.level, base: { pid: process.pid } });
  const running = await startDaemon({
    config,
    logger,
    timing,
    port,
    host: flags.host ?? settings.metrics.host,
    wait: flags.wait,
    retrain: scheduledRetrain,
    connect: (store) => {
      const crm = connectCrm(config, store, logger);
      return [
        {
          source: crm.source,
          reader: crm.reader,
          ...(config.writeBack.enabled ? { writer: crm.writer, writeBack: crm.writeBack } : {}),
          ...(crm.handoff ? { handoff: crm.handoff } : {}),
          counters: crm.counters(),
        },
      ];
    },
  });
  await runUntilSignal(running, logger);
  // An HTTP request still open to the CRM must not keep a stopped daemon alive.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1_000).unref();
}

/** The daemon's `retrain` job: `leadscore model train --source <crm>` with its defaults. */
function scheduledRetrain(store: Store, source: string): RetrainOutcome {
  try {
    const model = trainCommand(store, { source }, Date.now());
    const holdout = model.metrics.holdout as { auc?: unknown } | undefined;
    return {
      trained: true,
      modelId: model.id,
      rows: model.rows,
      positives: model.positives,
      auc: typeof holdout?.auc === 'number' ? holdout.auc : null,
    };
  } catch (error) {
    // Too little labelled history is the normal state of a young portal: scoring stays as it is.
    if (isLeadscoreError(error) && error.code === 'ERR_MODEL_TOO_FEW_LABELS')
      return { trained: false, reason: error.message };
    throw error;
  }
}

function readLeasesOf(path: string): LeaseHolder[] {
  if (path === ':memory:') return [];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return readLeases(db);
  } finally {
    db.close();
  }
}

function ago(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

function printStatus(report: StatusReport): void {
  const now = report.at;
  printLine('Daemon');
  if (report.leases.length === 0) printLine('  no daemon holds a lease: none is running on this database.');
  for (const lease of report.leases) {
    const state = lease.live
      ? lease.processAlive === false
        ? 'held by a process that is gone; free once it expires'
        : 'held'
      : 'expired: the next daemon to start takes it over';
    printLine(
      `  ${lease.name}: ${state} (${describeHolder(lease, now)}, since ${formatDate(lease.acquiredAt)})`,
    );
  }
  printLine();
  printLine('Last successful sync');
  if (report.lastSuccess.length === 0) printLine('  none yet.');
  for (const success of report.lastSuccess) {
    printLine(
      `  ${success.crm} ${success.job}: run ${success.runId}, ${formatDate(success.at)} (${ago(now - success.at)})`,
    );
  }
  printLine();
  printLine('Last runs');
  if (report.lastRuns.length === 0) printLine('  none yet.');
  else {
    printLine(
      renderTable(
        ['run', 'kind', 'crm', 'started', 'seconds', 'status', 'error'],
        report.lastRuns.map((run) => [
          run.id,
          run.kind,
          run.source ?? '-',
          formatDate(run.startedAt),
          run.finishedAt === null ? '-' : ((run.finishedAt - run.startedAt) / 1000).toFixed(1),
          run.status,
          run.error ?? '',
        ]),
      ),
    );
  }
  if (report.failures.length > 0) {
    printLine();
    printLine('Failed runs');
    for (const run of report.failures) {
      printLine(`  run ${run.id} (${run.kind}, ${formatDate(run.startedAt)}): ${run.error ?? 'no message'}`);
    }
  }
  printLine();
  printLine(
    `CRM API calls today (UTC): ${report.apiToday.calls}, of which answered 429: ${report.apiToday.rateLimited}.`,
  );
  const counts = report.outbox;
  printLine(
    `Outbox: ${counts.pending ?? 0} pending, ${counts.parked ?? 0} parked, ${counts.sent ?? 0} sent, ${counts.skipped ?? 0} skipped.`,
  );
  if (report.parked.length > 0) {
    printLine('Parked writes (`leadscore outbox --retry` re-queues them):');
    printLine(
      renderTable(
        ['record', 'target', 'attempts', 'updated', 'reason'],
        report.parked.map((row) => [
          row.externalId,
          row.target,
          row.attempts,
          formatDate(row.updatedAt),
          row.lastError ?? '',
        ]),
      ),
    );
  }
}

async function status(options: { runs: string }, global: GlobalOptions): Promise<void> {
  await withContext(global, ({ config, store, json, now }) => {
    const report = collectStatus(store, readLeasesOf(config.database), now, {
      runs: Number(options.runs) || 10,
    });
    if (json) printJson(report);
    else printStatus(report);
  });
}

async function backup(file: string, options: { force?: boolean }, global: GlobalOptions): Promise<void> {
  const config = loadConfig(resolveConfigPath(global.config));
  const result: BackupResult = await backupDatabase(config.database, file, {
    overwrite: options.force === true,
  });
  if (global.json) printJson(result);
  else {
    printLine(
      `Backed up ${config.database} to ${result.path}: ${result.bytes} bytes, schema version ${result.schemaVersion}, ` +
        `${result.records} records, ${result.runs} runs; integrity check ok.`,
    );
  }
}

export function registerDaemonCommands(program: Command): void {
  program
    .command('daemon')
    .description('run the sync schedule from the config until stopped, with /healthz, /readyz and /metrics')
    .addOption(
      new Option(
        '--port <port>',
        `port of the health and metrics server (0: any free port; default daemon.metrics.port, ${DEFAULT_PORT})`,
      ).env('LEADSCORE_DAEMON_PORT'),
    )
    .addOption(
      new Option(
        '--host <address>',
        `address the health and metrics server binds to (default daemon.metrics.host, ${DEFAULT_HOST})`,
      ).env('LEADSCORE_DAEMON_HOST'),
    )
    .addOption(
      new Option(
        '--lease-ttl <duration>',
        `a lease not renewed for this long can be taken over (default daemon.leaseTtl, ${DEFAULT_TIMING.leaseTtlMs / 1000}s)`,
      ).env('LEADSCORE_LEASE_TTL'),
    )
    .addOption(
      new Option(
        '--heartbeat <duration>',
        `how often the lease is renewed (or, standing by, retried) (default daemon.heartbeat, ${DEFAULT_TIMING.heartbeatMs / 1000}s)`,
      ).env('LEADSCORE_LEASE_HEARTBEAT'),
    )
    .addOption(
      new Option(
        '--grace <duration>',
        `on SIGTERM, how long the current run gets to reach a safe point (default daemon.grace, ${DEFAULT_TIMING.graceMs / 1000}s)`,
      ).env('LEADSCORE_SHUTDOWN_GRACE'),
    )
    .option(
      '--no-wait',
      'exit with ERR_DAEMON_LEASE_HELD if another daemon runs the schedule, rather than standing by',
    )
    .action(async (options: DaemonFlags, command: Command) => daemon(options, command.optsWithGlobals()));

  program
    .command('status')
    .description('show the daemon lease, the last runs and what failed, and the parked writes')
    .option('-n, --runs <n>', 'how many runs to list', '10')
    .action(async (options, command: Command) => status(options, command.optsWithGlobals()));

  program
    .command('backup')
    .description('copy the database to FILE while leadscore runs (SQLite online backup), then check the copy')
    .argument('<file>', 'the backup file to write')
    .option('--force', 'replace FILE if it exists')
    .action(async (file: string, options, command: Command) =>
      backup(file, options, command.optsWithGlobals()),
    );
}
