import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { starterConfigText } from '../../config/starter.js';
import type { EngagementEvent } from '../../crm/vocabulary.js';
import { createLogger } from '../../logger.js';
import { writeSyntheticFiles } from '../../sample/synthetic.js';
import { openStore } from '../../store/index.js';
import { resolveAsOf, rescore } from '../../sync/rescore.js';
import { printLine, renderTable } from '../output.js';
import { importFiles } from './import.js';
import { topTable } from './read.js';
import { defaultRulesPath } from './setup.js';

/**
 * The no-CRM walk-through: a seeded sample of leads and events is imported, scored with the default rules and
 * shown as a rep would see it; then new events arrive and only the records they touch are rescored.
 */
async function runDemo(options: { dir?: string; records: string; seed: string }): Promise<void> {
  const folder = options.dir ? resolve(options.dir) : mkdtempSync(join(tmpdir(), 'leadscore-demo-'));
  mkdirSync(folder, { recursive: true });
  const configPath = join(folder, 'leadscore.yaml');
  writeFileSync(
    configPath,
    starterConfigText({ crm: 'none', rulesPath: defaultRulesPath(), databasePath: './leadscore.db' }),
  );
  const config = loadConfig(configPath);
  const logger = createLogger({ level: 'warn' });
  const now = Date.now();
  const records = Number(options.records);
  const files = { records: join(folder, 'records.jsonl'), events: join(folder, 'events.jsonl') };
  const generated = writeSyntheticFiles(
    { seed: Number(options.seed), records, eventsPerRecord: 12, now },
    files,
  );
  printLine(`leadscore demo in ${folder}`);
  printLine(
    `Generated ${generated.records} leads and ${generated.events} engagement events (seed ${options.seed}).`,
  );

  const store = openStore(config.database);
  try {
    const imported = await importFiles(
      store,
      { records: [files.records], events: [files.events] },
      { source: 'file', now },
    );
    printLine(`Imported ${imported.records.inserted} records and ${imported.events.inserted} events.`);
    const asOf = resolveAsOf(now, config.scoring.asOfResolution);
    const first = rescore(store, config.rules, { mode: 'changed', asOf, now });
    logger.info(first, 'demo first scoring');
    printLine(
      `Scored ${first.records} records (${first.events} events) in ${first.durationMs} ms with "${config.rules.name}".`,
    );
    printLine();
    printLine('Bands (fit A-D x engagement 1-3):');
    printLine(
      renderTable(
        ['band', 'records'],
        store.scoreDistribution().map((row) => [row.band, row.count]),
      ),
    );
    printLine();
    printLine('Top 10 leads, with the reasons a rep reads in the CRM:');
    printLine(topTable(store.topScores({ limit: 10 })));

    // New activity for three mid-table leads: only they are rescored, and the ledger says why.
    const movers = store.topScores({ limit: 60 }).slice(40, 43);
    const fresh: EngagementEvent[] = movers.flatMap(({ record }, index): EngagementEvent[] => [
      {
        source: 'file',
        sourceId: `demo-new-${index}-a`,
        recordExternalId: record.externalId,
        type: 'demo_request' as const,
        occurredAt: now - 3_600_000,
        attributes: { formId: 'demo-form' },
      },
      {
        source: 'file',
        sourceId: `demo-new-${index}-b`,
        recordExternalId: record.externalId,
        type: 'page_view' as const,
        occurredAt: now - 3_000_000,
        attributes: { url: 'https://www.example.com/pricing' },
      },
    ]);
    store.insertEvents(fresh);
    const second = rescore(store, config.rules, { mode: 'changed', asOf, now });
    printLine();
    printLine(
      `New events for ${movers.length} leads: rescored ${second.records} records in ${second.durationMs} ms, ${second.changed} changed.`,
    );
    for (const { record } of movers) {
      const [latest] = store.history(record.id);
      if (latest) {
        printLine(
          `  ${record.externalId}: ${latest.oldScore} -> ${latest.newScore} (${latest.oldBand} -> ${latest.newBand}), cause ${latest.cause}: ${latest.eventIds.join(', ')}`,
        );
      }
    }
    printLine();
    printLine(
      `Try: npx leadscore --config ${configPath} explain ${movers[0]?.record.externalId ?? 'lead-0'}`,
    );
  } finally {
    store.close();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('import a seeded sample of leads and events, score them, and show the result')
    .option('--dir <folder>', 'where to keep the demo database and files (default: a new temporary folder)')
    .option('--records <n>', 'how many sample leads', '3000')
    .option('--seed <n>', 'the sample data seed', '42')
    .action(async (options) => runDemo(options));
}
