import type { Command } from 'commander';
import { LeadscoreError } from '../../errors.js';
import { type HandoffStepStats, runHandoffStep } from '../../handoff/index.js';
import type { HandoffActionKind, HandoffActionStatus } from '../../store/index.js';
import { type GlobalOptions, withContext } from '../context.js';
import { connectCrm } from '../crm.js';
import { formatDate, printJson, printLine, renderTable } from '../output.js';

/**
 * `leadscore handoff`: the hand-off queue (tasks, assignments, lifecycle writes, webhooks), its delivery log and
 * dead letters; `retry` puts dead letters back, `send` runs the hand-off now.
 */

const STATUSES: readonly HandoffActionStatus[] = ['pending', 'done', 'skipped', 'dead'];
const KINDS: readonly HandoffActionKind[] = ['assign', 'task', 'lifecycle', 'webhook'];

/** One line for `leadscore sync`. */
export function describeHandoff(stats: HandoffStepStats): string {
  if ('error' in stats) return `Hand-off failed (${stats.error}); its crossings wait for the next run.`;
  const { plan, send } = stats;
  return (
    `Hand-off: ${plan.crossings} crossings (${plan.skipped} skipped), ${send.tasks} tasks created, ` +
    `${send.assigned} leads assigned, ${send.webhooks} webhooks delivered, ${send.retried} to retry, ` +
    `${send.dead} dead letters${send.dead > 0 ? ' (see `leadscore handoff dead`)' : ''}.`
  );
}

function limitOf(raw: string): number {
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1)
    throw new LeadscoreError('ERR_USAGE', `--limit "${raw}" is not a whole number above 0.`);
  return limit;
}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T))
    throw new LeadscoreError('ERR_USAGE', `--${flag} "${value}" is not one of ${allowed.join(', ')}.`);
  return value as T;
}

async function list(
  options: { status?: string; kind?: string; limit: string },
  global: GlobalOptions,
): Promise<void> {
  const status = oneOf('status', options.status, STATUSES);
  const kind = oneOf('kind', options.kind, KINDS);
  await withContext(global, ({ store, json }) => {
    const rows = store.handoff.listActions({
      ...(status ? { status } : {}),
      ...(kind ? { kind } : {}),
      limit: limitOf(options.limit),
    });
    const counts = store.handoff.counts();
    if (json) {
      printJson({ counts, actions: rows });
      return;
    }
    printLine(
      `${counts.crossings} crossings; actions: ${counts.pending} pending, ${counts.done} done, ${counts.skipped} skipped, ${counts.dead} dead.`,
    );
    if (rows.length === 0) return;
    printLine();
    printLine(
      renderTable(
        ['id', 'record', 'stage', 'action', 'target', 'status', 'attempts', 'updated', 'result / last error'],
        rows.map((row) => [
          row.id,
          row.externalId,
          row.stage,
          row.kind,
          row.target,
          row.status,
          row.attempts,
          formatDate(row.updatedAt),
          (row.status === 'done' ? row.result : row.lastError) ?? '',
        ]),
      ),
    );
  });
}

async function log(options: { kind?: string; limit: string }, global: GlobalOptions): Promise<void> {
  const kind = oneOf('kind', options.kind, KINDS);
  await withContext(global, ({ store, json }) => {
    const attempts = store.handoff.listAttempts({ ...(kind ? { kind } : {}), limit: limitOf(options.limit) });
    if (json) {
      printJson({ attempts });
      return;
    }
    if (attempts.length === 0) {
      printLine('No hand-off attempts yet.');
      return;
    }
    printLine(
      renderTable(
        ['at', 'action', 'record', 'stage', 'action', 'target', 'outcome', 'http', 'ms', 'detail'],
        attempts.map((attempt) => [
          formatDate(attempt.at),
          attempt.actionId,
          attempt.externalId,
          attempt.stage,
          attempt.kind,
          attempt.target,
          attempt.outcome,
          attempt.httpStatus ?? '',
          attempt.durationMs ?? '',
          attempt.detail ?? '',
        ]),
      ),
    );
  });
}

async function retry(ids: string[], options: { all?: boolean }, global: GlobalOptions): Promise<void> {
  if (!options.all && ids.length === 0)
    throw new LeadscoreError(
      'ERR_USAGE',
      'Name the dead letters to retry (ids from `leadscore handoff dead`) or pass --all.',
    );
  const numbers = ids.map((id) => {
    if (!/^\d+$/.test(id)) throw new LeadscoreError('ERR_USAGE', `"${id}" is not an action id.`);
    return Number(id);
  });
  await withContext(global, ({ store, json, now }) => {
    const requeued = store.handoff.requeueDead(options.all ? 'all' : numbers, now);
    if (json) printJson({ requeued });
    else
      printLine(
        `Re-queued ${requeued} dead letters; the next sync (or \`leadscore handoff send\`) sends them.`,
      );
  });
}

async function send(global: GlobalOptions): Promise<void> {
  await withContext(global, async ({ config, store, logger, json }) => {
    const crm = connectCrm(config, store, logger);
    if (!crm.handoff)
      throw new LeadscoreError('ERR_CONFIG_INVALID', `${config.files.config}: handoff.enabled is false.`, {
        hint: 'Set handoff.enabled: true (see docs/configuration.md, "handoff").',
      });
    const stats = await runHandoffStep(store, crm.handoff, { logger });
    if (json) printJson(stats);
    else printLine(describeHandoff(stats));
  });
}

export function registerHandoffCommands(program: Command): void {
  const handoff = program
    .command('handoff')
    .description('the hand-off at the threshold: tasks, owner routing and webhooks per stage crossing');
  handoff
    .command('list', { isDefault: true })
    .description('hand-off actions, most recent first, with the counts per status')
    .option('--status <status>', STATUSES.join(', '))
    .option('--kind <kind>', KINDS.join(', '))
    .option('-n, --limit <n>', 'how many rows', '50')
    .action(async (options, command: Command) => list(options, command.optsWithGlobals()));
  handoff
    .command('dead')
    .description('the dead letters: actions that failed for good, with the reason')
    .option('-n, --limit <n>', 'how many rows', '50')
    .action(async (options, command: Command) =>
      list({ ...options, status: 'dead' }, command.optsWithGlobals()),
    );
  handoff
    .command('log')
    .description('the delivery log: every attempt, newest first (HTTP status and time for webhooks)')
    .option('--kind <kind>', KINDS.join(', '))
    .option('-n, --limit <n>', 'how many rows', '50')
    .action(async (options, command: Command) => log(options, command.optsWithGlobals()));
  handoff
    .command('retry')
    .description('put dead letters back in the queue with a fresh retry budget')
    .argument('[ids...]', 'action ids (from `leadscore handoff dead`)')
    .option('--all', 'every dead letter')
    .action(async (ids: string[], options, command: Command) =>
      retry(ids, options, command.optsWithGlobals()),
    );
  handoff
    .command('send')
    .description('plan new crossings and send what is due now (a sync does this after write-back)')
    .action(async (_options, command: Command) => send(command.optsWithGlobals()));
}
