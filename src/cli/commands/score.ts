import type { Command } from 'commander';
import { LeadscoreError } from '../../errors.js';
import { rescore, resolveAsOf } from '../../sync/rescore.js';
import { type GlobalOptions, withContext } from '../context.js';
import { printJson, printLine, progressBar, renderTable } from '../output.js';

function parseAsOf(value: string | undefined, now: number, resolution: 'day' | 'hour' | 'exact'): number {
  if (value === undefined) return resolveAsOf(now, resolution);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw new LeadscoreError(
      'ERR_USAGE',
      `--as-of "${value}" is not a date; expected ISO 8601 such as 2026-11-25.`,
    );
  }
  return parsed;
}

async function runScoring(
  global: GlobalOptions,
  mode: 'all' | 'changed',
  options: { asOf?: string; chunkSize?: string },
): Promise<void> {
  await withContext(global, ({ config, store, logger, json, now }) => {
    const asOf = parseAsOf(options.asOf, now, config.scoring.asOfResolution);
    // Only a full rescore knows its total up front; a changed-only pass is short.
    const progress = progressBar('Rescoring', store.countRecords(), !json && mode === 'all');
    const stats = rescore(store, config.rules, {
      mode,
      asOf,
      now,
      chunkSize: options.chunkSize ? Number(options.chunkSize) : 2000,
      onProgress: (scored) => progress.update(scored),
    });
    progress.stop();
    logger.info({ ...stats, asOf: new Date(asOf).toISOString(), mode }, 'scoring finished');
    const distribution = store.scoreDistribution();
    if (json) {
      printJson({ ...stats, asOf: new Date(asOf).toISOString(), mode, bands: distribution });
      return;
    }
    printLine(
      `Scored ${stats.records} records (${stats.events} events) in ${stats.durationMs} ms as of ${new Date(asOf).toISOString()}: ` +
        `${stats.changed} changed, rule set ${config.rules.name}@${stats.rulesetHash}.`,
    );
    if (distribution.length > 0) {
      printLine();
      printLine(
        renderTable(
          ['band', 'records'],
          distribution.map((row) => [row.band, row.count]),
        ),
      );
    }
  });
}

export function registerScoreCommands(program: Command): void {
  program
    .command('score')
    .description(
      'score records with new events or data, or whose scores are out of date (rules changed, a new day)',
    )
    .option(
      '--as-of <date>',
      'score as of this instant (ISO 8601); default: now, at the configured resolution',
    )
    .option('--chunk-size <n>', 'records per transaction', '2000')
    .action(async (options, command: Command) => runScoring(command.optsWithGlobals(), 'changed', options));

  program
    .command('rescore')
    .description('rebuild scores from the stored events and the active rules (--all: every record)')
    .option('--all', 'rescore every record, whether or not it changed')
    .option(
      '--as-of <date>',
      'score as of this instant (ISO 8601); default: now, at the configured resolution',
    )
    .option('--chunk-size <n>', 'records per transaction', '2000')
    .action(async (options, command: Command) => {
      if (!options.all) {
        throw new LeadscoreError(
          'ERR_USAGE',
          'rescore needs --all (use `leadscore score` for changed records only).',
        );
      }
      await runScoring(command.optsWithGlobals(), 'all', options);
    });
}
