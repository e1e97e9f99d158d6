import { basename } from 'node:path';
import type { Command } from 'commander';
import { LeadscoreError } from '../../errors.js';
import { type ImportProblem, ProblemTally, readImportFile } from '../../importer/index.js';
import type { Store } from '../../store/index.js';
import { type GlobalOptions, withContext } from '../context.js';
import { printJson, printLine } from '../output.js';

export interface ImportSummary {
  records: { inserted: number; updated: number; unchanged: number };
  events: { inserted: number; duplicates: number };
  skippedRows: number;
  warnings: number;
  /** The first problems (all are counted, only some kept, so a file of a million bad rows stays small). */
  problems: ImportProblem[];
  problemsByKind: Array<{ kind: string; severity: string; count: number }>;
}

/** Imports record files before event files, one transaction per batch; bad rows are reported, never dropped silently. */
export async function importFiles(
  store: Store,
  files: { records: string[]; events: string[] },
  options: { source: string; now: number; keepProblems?: number },
): Promise<ImportSummary> {
  const tally = new ProblemTally(options.keepProblems ?? 200);
  const records = { inserted: 0, updated: 0, unchanged: 0 };
  const events = { inserted: 0, duplicates: 0 };
  for (const path of files.records) {
    for await (const batch of readImportFile(path, {
      kind: 'records',
      source: options.source,
      now: options.now,
    })) {
      tally.add(batch.problems);
      const result = store.upsertRecords(batch.records);
      records.inserted += result.inserted;
      records.updated += result.updated;
      records.unchanged += result.unchanged;
    }
  }
  for (const path of files.events) {
    for await (const batch of readImportFile(path, {
      kind: 'events',
      source: options.source,
      now: options.now,
    })) {
      tally.add(batch.problems);
      const result = store.insertEvents(batch.events);
      events.inserted += result.inserted;
      events.duplicates += result.duplicates;
      if (result.unknownRecords.length === 0) continue;
      const unknown = new Set(result.unknownRecords);
      tally.add(
        batch.events
          .filter((event) => unknown.has(event.recordExternalId))
          .map((event) => ({
            file: basename(path),
            line: 0,
            severity: 'error' as const,
            kind: 'event for a record that is not stored',
            message: `event "${event.sourceId}": record "${event.recordExternalId}" is not stored; import its record first; row skipped`,
          })),
      );
    }
  }
  return {
    records,
    events,
    skippedRows: tally.errors,
    warnings: tally.warnings,
    problems: tally.first,
    problemsByKind: tally.byKind(),
  };
}

const PROBLEMS_SHOWN = 20;

function printSummary(summary: ImportSummary): void {
  const { records, events } = summary;
  printLine(
    `Records: ${records.inserted} new, ${records.updated} updated, ${records.unchanged} unchanged. ` +
      `Events: ${events.inserted} new, ${events.duplicates} already stored.`,
  );
  if (summary.skippedRows + summary.warnings === 0) return;
  printLine(
    `${summary.skippedRows} rows skipped, ${summary.warnings} warnings (rows kept with a data-quality note):`,
  );
  for (const problem of summary.problems.slice(0, PROBLEMS_SHOWN)) {
    printLine(
      `  ${problem.severity === 'error' ? 'skipped' : 'warning'} ${problem.file}: ${problem.message}`,
    );
  }
  const more = summary.skippedRows + summary.warnings - Math.min(PROBLEMS_SHOWN, summary.problems.length);
  if (more > 0) printLine(`  ... and ${more} more (--json lists the first ${summary.problems.length})`);
  printLine('By kind:');
  for (const kind of summary.problemsByKind)
    printLine(`  ${String(kind.count).padStart(7)}  ${kind.severity.padEnd(7)} ${kind.kind}`);
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'load records and engagement events from JSON Lines or CSV files (see docs/import-format.md)',
    )
    .option('-r, --records <file...>', 'record files (.jsonl, .ndjson or .csv)', [])
    .option('-e, --events <file...>', 'event files (.jsonl, .ndjson or .csv)', [])
    .option('--source <name>', 'the source label the records belong to', 'file')
    .action(async (options: { records: string[]; events: string[]; source: string }, command: Command) => {
      if (options.records.length === 0 && options.events.length === 0) {
        throw new LeadscoreError('ERR_USAGE', 'Nothing to import: give --records FILE and/or --events FILE.');
      }
      const global: GlobalOptions = command.optsWithGlobals();
      await withContext(global, async ({ store, json, logger, now }) => {
        const summary = await importFiles(store, options, { source: options.source, now });
        logger.info(
          { records: summary.records, events: summary.events, skipped: summary.skippedRows },
          'import finished',
        );
        if (json) printJson(summary);
        else {
          printSummary(summary);
          printLine('Run `leadscore score` to score what changed.');
        }
      });
    });
}
