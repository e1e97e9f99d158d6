import type { Command } from 'commander';
import { LeadscoreError } from '../../errors.js';
import type { Contribution } from '../../scoring/types.js';
import type { Store, StoredScore } from '../../store/index.js';
import { type GlobalOptions, withContext } from '../context.js';
import { formatDate, printJson, printLine, renderTable, signed } from '../output.js';
import { findOneRecord } from '../records.js';

function displayName(record: {
  firstName?: string;
  lastName?: string;
  email?: string;
  externalId: string;
}): string {
  const name = [record.firstName, record.lastName].filter(Boolean).join(' ');
  return name || record.email || record.externalId;
}

/** A stored score as JSON output shows it: contributions parsed, not as a JSON string. */
function publicScore(score: StoredScore) {
  const { contributionsJson, ...rest } = score;
  return { ...rest, contributions: JSON.parse(contributionsJson) as Contribution[] };
}

function positiveInt(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new LeadscoreError('ERR_USAGE', `${flag} "${value}" is not a positive whole number.`);
  }
  return parsed;
}

async function explain(query: string, global: GlobalOptions): Promise<void> {
  await withContext(global, ({ store, json }) => {
    const record = findOneRecord(store, query);
    const score = store.getScore(record.id);
    if (!score) {
      throw new LeadscoreError(
        'ERR_RECORD_NOT_FOUND',
        `Record ${record.externalId} has not been scored yet.`,
        {
          hint: 'Run `leadscore score` first.',
        },
      );
    }
    const contributions = JSON.parse(score.contributionsJson) as Contribution[];
    const events = new Map(store.eventsForRecord(record.id).map((event) => [event.id, event]));
    if (json) {
      printJson({ record, score: publicScore(score) });
      return;
    }
    printLine(
      `${displayName(record)} <${record.email ?? 'no email'}>  ${record.company ?? ''}  ${record.title ?? ''}`.trim(),
    );
    printLine(`Record ${record.source}:${record.externalId}`);
    printLine(
      `Score ${score.score} = fit ${score.fit} + engagement ${score.engagement}   band ${score.band}   stage ${score.stage ?? '-'}`,
    );
    printLine(`As of ${formatDate(score.asOf)} with rule set ${score.rulesetHash}`);
    for (const subScore of ['fit', 'engagement'] as const) {
      const rows = contributions.filter((contribution) => contribution.subScore === subScore);
      printLine();
      printLine(`${subScore === 'fit' ? 'Fit' : 'Engagement'} (${rows.length} rules)`);
      if (rows.length === 0) continue;
      printLine(
        renderTable(
          ['rule', 'points', 'base', 'events', 'decay', 'notes'],
          rows.map((contribution) => [
            contribution.label,
            signed(contribution.points, 2),
            signed(contribution.basePoints),
            contribution.count,
            contribution.decayFactor === 1 ? '-' : contribution.decayFactor.toFixed(2),
            [
              contribution.capped ? 'capped' : '',
              contribution.skipped ? `${contribution.skipped} not counted (limit)` : '',
            ]
              .filter(Boolean)
              .join(', '),
          ]),
          ['left', 'right', 'right', 'right', 'right', 'left'],
        ),
      );
      for (const contribution of rows) {
        for (const eventId of contribution.eventIds.slice(0, 5)) {
          const event = events.get(eventId);
          if (!event) continue;
          const detail = Object.entries(event.attributes)
            .map(([key, value]) => `${key}=${value}`)
            .join(' ');
          printLine(
            `    ${contribution.ruleId}: ${formatDate(event.occurredAt)} ${event.type} ${detail}`.trimEnd(),
          );
        }
        if (contribution.eventIds.length > 5)
          printLine(`    ${contribution.ruleId}: ... and ${contribution.eventIds.length - 5} more`);
      }
    }
    printLine();
    printLine(`In the CRM: ${score.reasonsText || '(no reasons)'}`);
  });
}

type TopRow = ReturnType<Store['topScores']>[number];

/** The top-records table, as `leadscore top` and the demo print it. */
export function topTable(rows: TopRow[]): string {
  return renderTable(
    ['#', 'record', 'name', 'company', 'score', 'fit', 'eng', 'band', 'stage', 'reasons'],
    rows.map(({ record, score }, index) => [
      index + 1,
      record.externalId,
      displayName(record),
      record.company ?? '',
      score.score,
      score.fit,
      score.engagement,
      score.band,
      score.stage ?? '-',
      score.reasonsText,
    ]),
  );
}

async function top(
  options: { limit: string; stage?: string; band?: string },
  global: GlobalOptions,
): Promise<void> {
  await withContext(global, ({ store, json }) => {
    const rows = store.topScores({
      limit: positiveInt(options.limit, '--limit'),
      ...(options.stage ? { stage: options.stage } : {}),
      ...(options.band ? { band: options.band } : {}),
    });
    if (json) {
      printJson(rows.map(({ record, score }) => ({ record, score: publicScore(score) })));
      return;
    }
    if (rows.length === 0) {
      printLine('No scored records match. Import or sync records, then run `leadscore score`.');
      return;
    }
    printLine(topTable(rows));
  });
}

async function history(query: string, global: GlobalOptions): Promise<void> {
  await withContext(global, ({ store, json }) => {
    const record = findOneRecord(store, query);
    const entries = store.history(record.id);
    if (json) {
      printJson({
        record: { id: record.id, source: record.source, externalId: record.externalId },
        history: entries,
      });
      return;
    }
    if (entries.length === 0) {
      printLine(`No score changes recorded for ${record.externalId}.`);
      return;
    }
    printLine(
      renderTable(
        ['when', 'score', 'band', 'stage', 'cause', 'rule set', 'events'],
        entries.map((entry) => [
          formatDate(entry.at),
          `${entry.oldScore ?? '-'} -> ${entry.newScore}`,
          `${entry.oldBand ?? '-'} -> ${entry.newBand}`,
          `${entry.oldStage ?? '-'} -> ${entry.newStage ?? '-'}`,
          entry.cause,
          entry.rulesetHash,
          entry.eventIds.length > 3
            ? `${entry.eventIds.slice(0, 3).join(', ')} +${entry.eventIds.length - 3}`
            : entry.eventIds.join(', '),
        ]),
      ),
    );
  });
}

export function registerReadCommands(program: Command): void {
  program
    .command('explain')
    .description(
      'show why a record has its score: each rule, its points after decay, and the events behind it',
    )
    .argument('<record>', 'record id (external id or source:id) or email')
    .action(async (query: string, _options, command: Command) => explain(query, command.optsWithGlobals()));

  program
    .command('top')
    .description('list the highest-scored records')
    .option('-n, --limit <n>', 'how many', '10')
    .option('--stage <name>', 'only records in this stage, e.g. SQL')
    .option('--band <band>', 'only records in this band, e.g. A1')
    .action(async (options, command: Command) => top(options, command.optsWithGlobals()));

  program
    .command('history')
    .description("show a record's score ledger: every change, what caused it, with which rule set")
    .argument('<record>', 'record id (external id or source:id) or email')
    .action(async (query: string, _options, command: Command) => history(query, command.optsWithGlobals()));
}
