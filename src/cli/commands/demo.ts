import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@hubspot/api-client';
import type { Command } from 'commander';
import { startHubSpotSandbox } from '../../../connectors/hubspot/sandbox/index.js';
import { loadConfig } from '../../config/load.js';
import { starterConfigText } from '../../config/starter.js';
import type { EngagementEvent } from '../../crm/vocabulary.js';
import { LeadscoreError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { writeSyntheticFiles } from '../../sample/synthetic.js';
import { openStore } from '../../store/index.js';
import { rescore, resolveAsOf } from '../../sync/rescore.js';
import { runSync } from '../../sync/run.js';
import { connectCrm } from '../crm.js';
import { printLine, renderTable } from '../output.js';
import { importFiles } from './import.js';
import { topTable } from './read.js';
import { defaultRulesPath } from './setup.js';

/**
 * The no-CRM walk-through: a seeded sample of leads and events is imported, scored with the default rules and
 * shown as a rep would see it; then new events arrive and only the records they touch are rescored.
 */
async function runFileDemo(options: { dir?: string; records: string; seed: string }): Promise<void> {
  const folder = demoFolder(options.dir);
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

function demoFolder(dir: string | undefined): string {
  const folder = dir ? resolve(dir) : mkdtempSync(join(tmpdir(), 'leadscore-demo-'));
  mkdirSync(folder, { recursive: true });
  return folder;
}

const TOKEN_ENV = 'LEADSCORE_DEMO_HUBSPOT_TOKEN';

/**
 * The default demo: a seeded HubSpot sandbox runs in-process, and leadscore syncs it through the real SDK,
 * scores, writes back, and shows what reps see; then an incremental sync makes no write calls.
 */
async function runHubSpotDemo(options: { dir?: string; records: string; seed: string }): Promise<void> {
  const contacts = Number(options.records);
  const seed = Number(options.seed);
  const sandbox = await startHubSpotSandbox({ port: 0, seed, contacts, tier: 'professional' });
  const folder = demoFolder(options.dir);
  try {
    const configPath = join(folder, 'leadscore.yaml');
    const starter = starterConfigText({
      crm: 'hubspot',
      rulesPath: defaultRulesPath(),
      databasePath: './leadscore.db',
    });
    writeFileSync(
      configPath,
      starter.replace(
        'token: { env: HUBSPOT_TOKEN }',
        `token: { env: ${TOKEN_ENV} }\n    basePath: "${sandbox.baseUrl}"`,
      ),
    );
    process.env[TOKEN_ENV] = sandbox.token;
    const config = loadConfig(configPath);
    const logger = createLogger({ level: 'warn' });
    printLine(
      `leadscore demo: HubSpot sandbox at ${sandbox.baseUrl} (seed ${seed}, ${contacts} contacts, Professional tier)`,
    );
    printLine(`Workspace: ${folder}`);

    const store = openStore(config.database);
    try {
      const syncOnce = async (mode: 'full' | 'incremental') => {
        const crm = connectCrm(config, store, logger);
        const now = Date.now();
        const stats = await runSync({
          store,
          reader: crm.connector.reader,
          writer: crm.connector.writer,
          writeBack: crm.writeBack,
          rules: config.rules,
          mode,
          asOf: resolveAsOf(now, config.scoring.asOfResolution),
          logger,
        });
        const writes = crm.client.counters.byEndpoint['POST /crm/v3/objects/contacts/batch/update'] ?? 0;
        return {
          stats,
          calls: crm.client.counters.calls,
          rateLimited: crm.client.counters.rateLimited,
          writes,
        };
      };

      printLine();
      printLine('1. First sync: every contact and its engagement, through @hubspot/api-client');
      const first = await syncOnce('full');
      printLine(
        `   Pulled ${first.stats.pull.records} contacts and ${first.stats.pull.events} events; ` +
          `scored ${first.stats.scoring.records}; wrote score, band and reasons to ${first.stats.writeBack?.written ?? 0} contacts ` +
          `in ${first.writes} batch calls.`,
      );
      printLine(
        `   ${first.calls} API calls in all, ${first.rateLimited} rate-limited, ${(first.stats.durationMs / 1000).toFixed(1)} s.` +
          (first.stats.fieldsCreated?.length
            ? ` Created properties: ${first.stats.fieldsCreated.join(', ')}.`
            : ''),
      );
      printLine();
      printLine('Bands (fit A-D x engagement 1-3):');
      printLine(
        renderTable(
          ['band', 'contacts'],
          store.scoreDistribution().map((row) => [row.band, row.count]),
        ),
      );

      const top = store.topScores({ limit: 10 });
      const fields = config.writeBack.fields;
      const hubspot = new Client({ accessToken: sandbox.token, basePath: sandbox.baseUrl });
      const readBack = await hubspot.crm.contacts.batchApi.read({
        inputs: top.map(({ record }) => ({ id: record.externalId })),
        properties: ['firstname', 'lastname', 'company', fields.score, fields.band, fields.reasons],
        propertiesWithHistory: [],
      });
      const byId = new Map(readBack.results.map((contact) => [contact.id, contact.properties]));
      printLine();
      printLine(
        '2. The top 10 leads as a rep sees them on the contact record in HubSpot (read back from the CRM):',
      );
      printLine(
        renderTable(
          ['contact', 'name', 'company', fields.score, fields.band, fields.reasons],
          top.map(({ record }) => {
            const properties = byId.get(record.externalId) ?? {};
            return [
              record.externalId,
              [properties.firstname, properties.lastname].filter(Boolean).join(' '),
              properties.company ?? '',
              properties[fields.score] ?? '',
              properties[fields.band] ?? '',
              properties[fields.reasons] ?? '',
            ];
          }),
          ['left', 'left', 'left', 'right', 'left', 'left'],
        ),
      );

      printLine();
      printLine('3. Second sync, incremental from the saved cursors:');
      const second = await syncOnce('incremental');
      printLine(
        `   Pulled ${second.stats.pull.records} changed contacts (the write-back itself modified them) and ${second.stats.pull.events} new events; ` +
          `${second.stats.scoring.changed} scores changed; ${second.writes} write calls (nothing to write); ${second.calls} API calls.`,
      );
      printLine();
      printLine(
        `Try: npx leadscore --config ${configPath} explain ${top[0]?.record.externalId ?? '1'}   (while this workspace exists)`,
      );
    } finally {
      store.close();
    }
  } finally {
    await sandbox.close();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('sync a seeded HubSpot sandbox through the real SDK, score, write back, and show the result')
    .option('--crm <crm>', 'hubspot (a local sandbox), or none (files only)', 'hubspot')
    .option('--dir <folder>', 'where to keep the demo database and files (default: a new temporary folder)')
    .option('--records <n>', 'how many sample contacts or leads', '3000')
    .option('--seed <n>', 'the sample data seed', '42')
    .action(async (options) => {
      for (const flag of ['records', 'seed'] as const) {
        if (!/^\d+$/.test(options[flag]))
          throw new LeadscoreError('ERR_USAGE', `--${flag} "${options[flag]}" is not a whole number.`);
      }
      if (options.crm === 'none') return runFileDemo(options);
      if (options.crm === 'hubspot') return runHubSpotDemo(options);
      throw new LeadscoreError('ERR_USAGE', `--crm "${options.crm}" is not one of hubspot, none.`);
    });
}
