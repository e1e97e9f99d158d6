import type { Command } from 'commander';

import { runSandboxCli as runHubSpotSandbox } from '../../../connectors/hubspot/sandbox/cli.js';
import { runSandboxCli as runSalesforceSandbox } from '../../../connectors/salesforce/sandbox/cli.js';
import { withSyncLease } from '../../daemon/sync-lease.js';
import { LeadscoreError } from '../../errors.js';
import { pullAll } from '../../sync/pull.js';
import { rescore, resolveAsOf } from '../../sync/rescore.js';
import { runSync } from '../../sync/run.js';
import { formatPlan, pendingWrites, withLikelihoods, writeFieldsFor } from '../../sync/writeback.js';
import { type CommandContext, type GlobalOptions, withContext } from '../context.js';
import { type ConnectedCrm, connectCrm } from '../crm.js';
import { formatDate, printJson, printLine, renderTable } from '../output.js';
import { describeHandoff } from './handoff.js';

interface SyncFlags {
  full?: boolean;
  dryRun?: boolean;
}

async function sync(options: SyncFlags, global: GlobalOptions): Promise<void> {
  await withContext(global, async (context) => {
    const { config, store, logger } = context;
    const crm = connectCrm(config, store, logger);
    // The daemon's lease for this CRM: a manual sync and the daemon's schedule never run at once.
    const timing = { leaseTtlMs: config.daemon.leaseTtl, heartbeatMs: config.daemon.heartbeat };
    await withSyncLease(config.database, crm.source, timing, logger, () =>
      syncHoldingLease(options, context, crm),
    );
  });
}

async function syncHoldingLease(
  options: SyncFlags,
  { config, store, logger, json, now }: CommandContext,
  crm: ConnectedCrm,
): Promise<void> {
  const asOf = resolveAsOf(now, config.scoring.asOfResolution);
  const mode = options.full ? 'full' : 'incremental';
  if (options.dryRun) {
    // Pulls into the local store and scores there; nothing is sent to the CRM and the outbox is untouched.
    const pulled = await pullAll(store, crm.reader, { mode, logger });
    const scoring = rescore(store, config.rules, { mode: 'changed', asOf, now });
    // With the model's likelihoods (written or blended into the band), as the real sync would send them.
    const settings = withLikelihoods(store, crm.source, crm.writeBack, now, logger);
    const writes = [...pendingWrites(store, crm.source, settings, () => {})];
    const changes = await crm.planWrites(
      writes.map((write) => ({
        outboxId: write.recordId,
        externalId: write.externalId,
        values: write.payload,
      })),
      new Map(
        writes.map((write) => [
          write.externalId,
          write.crmValues as Record<string, string | number | boolean | null>,
        ]),
      ),
    );
    if (json) printJson({ dryRun: true, pulled, scoring, changes, apiCalls: crm.counters().calls });
    else {
      printLine(
        `Dry run: pulled ${pulled.records} records and ${pulled.events} events; nothing was written to ${crm.source}.`,
      );
      printLine(formatPlan(changes, crm.noun));
    }
    return;
  }
  const stats = await runSync({
    store,
    reader: crm.reader,
    ...(config.writeBack.enabled ? { writer: crm.writer, writeBack: crm.writeBack } : {}),
    ...(crm.handoff ? { handoff: crm.handoff } : {}),
    rules: config.rules,
    mode,
    asOf,
    logger,
    apiCounters: crm.counters,
  });
  const calls = { calls: stats.apiCalls ?? 0, rateLimited: stats.rateLimited ?? 0 };
  if (json) {
    printJson({ ...stats, byEndpoint: crm.counters().byEndpoint });
    return;
  }
  printLine(
    `Sync ${stats.runId} (${mode}): ${stats.pull.records} records and ${stats.pull.events} events pulled, ` +
      `${stats.scoring.records} scored (${stats.scoring.changed} changed), ` +
      `${stats.writeBack?.written ?? 0} written back in ${stats.writeBack?.batches ?? 0} batches, ` +
      `${calls.calls} API calls, ${calls.rateLimited} rate-limited, ${stats.durationMs} ms.`,
  );
  if (stats.fieldsCreated?.length) printLine(`Created CRM properties: ${stats.fieldsCreated.join(', ')}.`);
  if (stats.enqueue?.humanOverwrites) {
    printLine(
      `${stats.enqueue.humanOverwrites} records kept a value a person set (policy: ${crm.writeBack.onHumanOverwrite}).`,
    );
  }
  if (stats.handoff) printLine(describeHandoff(stats.handoff));
  if (stats.writeBack?.parked)
    printLine(`${stats.writeBack.parked} writes parked: see \`leadscore outbox\`.`);
}

async function connect(expected: string | undefined, global: GlobalOptions): Promise<void> {
  await withContext(global, async ({ config, store, logger, json }) => {
    if (expected !== undefined && expected !== config.connection.crm) {
      throw new LeadscoreError(
        'ERR_USAGE',
        `The config connects to "${config.connection.crm}", not "${expected}".`,
        {
          hint: `Set connection.crm: ${expected} in ${config.files.config} (see config/leadscore.example.yaml).`,
        },
      );
    }
    const crm = connectCrm(config, store, logger);
    const scopes = await crm.checkAccess();
    const fields = writeFieldsFor(crm.writeBack.fields);
    if (json) {
      printJson({ crm: crm.source, ...scopes, fields });
    } else {
      printLine(`Connected to ${crm.source}. Scopes granted: ${scopes.granted.join(', ') || '(none)'}.`);
      printLine(
        scopes.missing.length === 0
          ? 'Every scope leadscore needs is granted.'
          : `Missing scopes: ${scopes.missing.join(', ')}. Grant them to the app, then run \`leadscore connect\` again.`,
      );
      printLine('On the first sync, leadscore creates these properties if they are missing:');
      printLine(
        renderTable(
          ['property', 'type', 'label'],
          fields.map((field) => [field.name, field.type, field.label]),
        ),
      );
    }
    if (scopes.missing.length > 0) {
      throw new LeadscoreError('ERR_CRM_SCOPE', `The token lacks scopes: ${scopes.missing.join(', ')}.`);
    }
  });
}

async function outbox(
  options: { status: string; limit: string; retry?: boolean },
  global: GlobalOptions,
): Promise<void> {
  const statuses = ['pending', 'sent', 'parked', 'skipped'];
  if (!statuses.includes(options.status)) {
    throw new LeadscoreError(
      'ERR_USAGE',
      `--status "${options.status}" is not one of ${statuses.join(', ')}.`,
    );
  }
  await withContext(global, ({ store, json, now }) => {
    const status = options.status as 'pending' | 'sent' | 'parked' | 'skipped';
    const rows = store.listOutbox({ status, limit: Number(options.limit) || 50 });
    if (options.retry) {
      if (status !== 'parked') throw new LeadscoreError('ERR_USAGE', '--retry applies to --status parked.');
      const requeued = store.transaction(
        () => rows.filter((row) => store.enqueueWrite(row.recordId, row.target, row.payload, now)).length,
      );
      printLine(`Re-queued ${requeued} parked writes; the next sync sends them.`);
      return;
    }
    if (json) {
      printJson({ counts: store.outboxCounts(), rows });
      return;
    }
    printLine(
      renderTable(
        ['status', 'count'],
        Object.entries(store.outboxCounts()).map(([key, count]) => [key, Number(count)]),
      ),
    );
    if (rows.length === 0) return;
    printLine();
    printLine(
      renderTable(
        ['record', 'target', 'attempts', 'updated', 'last error'],
        rows.map((row) => [
          row.externalId,
          row.target,
          row.attempts,
          formatDate(row.updatedAt),
          row.lastError ?? '',
        ]),
      ),
    );
  });
}

export function registerSyncCommands(program: Command): void {
  program
    .command('sync')
    .description('pull changes from the CRM, score what changed, write back changed scores')
    .option('--full', 'walk every record and event from the start (a reconcile), not just changes')
    .option('--dry-run', 'print which properties on which records would change; write nothing to the CRM')
    .action(async (options, command: Command) => sync(options, command.optsWithGlobals()));

  program
    .command('connect')
    .description('check the CRM credentials and scopes, and list the properties leadscore will create')
    .argument('[crm]', 'the CRM of the config (checked against connection.crm)')
    .action(async (crm: string | undefined, _options, command: Command) =>
      connect(crm, command.optsWithGlobals()),
    );

  program
    .command('outbox')
    .description('show the write-back outbox: pending, parked (with the reason) or sent writes')
    .option('--status <status>', 'pending, sent, parked or skipped', 'parked')
    .option('-n, --limit <n>', 'how many rows', '50')
    .option('--retry', 'put the listed parked writes back in the queue')
    .action(async (options, command: Command) => outbox(options, command.optsWithGlobals()));

  program
    .command('sandbox')
    .description('start a local CRM sandbox that the real SDK talks to (for demos and tests)')
    .argument('<crm>', 'hubspot or salesforce; --help after it lists the options')
    .argument('[options...]', 'the sandbox options, e.g. --port 4010 --seed 42 --json')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (crm: string, rest: string[], _options, command: Command) => {
      // --json is also a global option, so commander hands it to the program: pass it on to the sandbox.
      const args = command.optsWithGlobals().json ? [...rest, '--json'] : rest;
      const sandbox =
        crm === 'hubspot'
          ? await runHubSpotSandbox(args)
          : crm === 'salesforce'
            ? await runSalesforceSandbox(args)
            : null;
      if (sandbox === null)
        throw new LeadscoreError('ERR_USAGE', `No sandbox for "${crm}"; use hubspot or salesforce.`);
      if (!sandbox) return;
      const stop = () => {
        void sandbox.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise(() => {}); // serve until stopped
    });
}
