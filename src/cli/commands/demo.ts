import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@hubspot/api-client';
import type { Command } from 'commander';
import { Connection } from 'jsforce';
import { startHubSpotSandbox } from '../../../connectors/hubspot/sandbox/index.js';
import { startSalesforceSandbox } from '../../../connectors/salesforce/sandbox/index.js';
import { loadConfig } from '../../config/load.js';
import { starterConfigText } from '../../config/starter.js';
import type { EngagementEvent } from '../../crm/vocabulary.js';
import { LeadscoreError } from '../../errors.js';
import { resolveHandoffSettings, runHandoff } from '../../handoff/index.js';
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

/** A CRM sandbox started for the demo, with what the demo needs to know about it. */
interface DemoSandbox {
  /** e.g. "HubSpot sandbox at http://127.0.0.1:4010 (Professional tier)" */
  description: string;
  /** The config file's text. */
  config(rulesPath: string): string;
  /** Environment variables the config refers to. */
  env: Record<string, string>;
  /** Reads the written fields and the name of these records back from the CRM, as a rep would see them. */
  readBack(externalIds: string[], fields: string[]): Promise<Map<string, Record<string, string | null>>>;
  close(): Promise<void>;
}

async function hubSpotDemoSandbox(seed: number, contacts: number): Promise<DemoSandbox> {
  const sandbox = await startHubSpotSandbox({ port: 0, seed, contacts, tier: 'professional' });
  return {
    description: `HubSpot sandbox at ${sandbox.baseUrl} (seed ${seed}, ${contacts} contacts, Professional tier)`,
    config: (rulesPath) =>
      starterConfigText({ crm: 'hubspot', rulesPath, databasePath: './leadscore.db' }).replace(
        'token: { env: HUBSPOT_TOKEN }',
        `token: { env: LEADSCORE_DEMO_HUBSPOT_TOKEN }\n    basePath: "${sandbox.baseUrl}"`,
      ),
    env: { LEADSCORE_DEMO_HUBSPOT_TOKEN: sandbox.token },
    readBack: async (ids, fields) => {
      const hubspot = new Client({ accessToken: sandbox.token, basePath: sandbox.baseUrl });
      const result = await hubspot.crm.contacts.batchApi.read({
        inputs: ids.map((id) => ({ id })),
        properties: ['firstname', 'lastname', 'company', ...fields],
        propertiesWithHistory: [],
      });
      return new Map(
        result.results.map((contact) => [
          contact.id,
          {
            ...contact.properties,
            name: [contact.properties.firstname, contact.properties.lastname].filter(Boolean).join(' '),
          },
        ]),
      );
    },
    close: () => sandbox.close(),
  };
}

async function salesforceDemoSandbox(seed: number, leads: number): Promise<DemoSandbox> {
  // The score fields exist as an admin would create them from `leadscore connect`'s setup steps: creating them
  // through the Tooling API also needs a permission set for field-level security, which the sandbox lacks.
  const field = (name: string, type: 'Number' | 'Text' | 'LongTextArea' | 'DateTime', label: string) => ({
    fullName: `Lead.${name}`,
    type,
    label,
    ...(type === 'Number'
      ? { precision: 8, scale: 2 }
      : type === 'Text'
        ? { length: 255 }
        : type === 'LongTextArea'
          ? { length: 32768 }
          : {}),
  });
  const sandbox = await startSalesforceSandbox({
    port: 0,
    seed,
    leads,
    edition: 'enterprise',
    customFields: [
      field('leadscore_score__c', 'Number', 'Lead score'),
      field('leadscore_band__c', 'Text', 'Lead score band'),
      field('leadscore_fit__c', 'Number', 'Lead fit score'),
      field('leadscore_engagement__c', 'Number', 'Lead engagement score'),
      field('leadscore_reasons__c', 'LongTextArea', 'Lead score reasons'),
      field('leadscore_stage__c', 'Text', 'Lead score stage'),
      field('leadscore_updated_at__c', 'DateTime', 'Lead score changed at'),
    ],
  });
  return {
    description: `Salesforce sandbox at ${sandbox.instanceUrl} (seed ${seed}, ${leads} leads, Enterprise edition)`,
    config: (rulesPath) =>
      starterConfigText({ crm: 'salesforce', rulesPath, databasePath: './leadscore.db' })
        .replace('loginUrl: https://login.salesforce.com', `loginUrl: "${sandbox.loginUrl}"`)
        .replace('clientId: REPLACE_WITH_CONSUMER_KEY', `clientId: "${sandbox.oauth.clientId}"`),
    env: {
      SALESFORCE_CLIENT_SECRET: sandbox.oauth.clientSecret,
      SALESFORCE_REFRESH_TOKEN: sandbox.oauth.refreshToken,
    },
    readBack: async (ids, fields) => {
      const connection = new Connection({
        instanceUrl: sandbox.instanceUrl,
        accessToken: sandbox.accessToken,
        version: '62.0',
      });
      const quoted = ids.map((id) => `'${id}'`).join(',');
      const result = await connection.query<Record<string, string | null>>(
        `SELECT Id, FirstName, LastName, Company, ${fields.join(', ')} FROM Lead WHERE Id IN (${quoted})`,
      );
      return new Map(
        result.records.map((lead) => [
          String(lead.Id),
          {
            ...lead,
            name: [lead.FirstName, lead.LastName].filter(Boolean).join(' '),
            company: lead.Company ?? null,
          },
        ]),
      );
    },
    close: () => sandbox.close(),
  };
}

/**
 * The default demo: a seeded CRM sandbox runs in-process, and leadscore syncs it through the vendor's own SDK,
 * scores, writes back, and shows what reps see; then an incremental sync makes no write calls.
 */
async function runCrmDemo(
  crmName: 'hubspot' | 'salesforce',
  options: { dir?: string; records: string; seed: string },
): Promise<void> {
  const count = Number(options.records);
  const seed = Number(options.seed);
  const sandbox =
    crmName === 'hubspot' ? await hubSpotDemoSandbox(seed, count) : await salesforceDemoSandbox(seed, count);
  const folder = demoFolder(options.dir);
  const noun = crmName === 'hubspot' ? 'contacts' : 'leads';
  try {
    const configPath = join(folder, 'leadscore.yaml');
    writeFileSync(configPath, sandbox.config(defaultRulesPath()));
    Object.assign(process.env, sandbox.env);
    const config = loadConfig(configPath);
    const logger = createLogger({ level: 'warn' });
    printLine(`leadscore demo: ${sandbox.description}`);
    printLine(`Workspace: ${folder}`);

    const store = openStore(config.database);
    try {
      const syncOnce = async (mode: 'full' | 'incremental') => {
        const crm = connectCrm(config, store, logger);
        const now = Date.now();
        const stats = await runSync({
          store,
          reader: crm.reader,
          writer: crm.writer,
          writeBack: crm.writeBack,
          rules: config.rules,
          mode,
          asOf: resolveAsOf(now, config.scoring.asOfResolution),
          logger,
        });
        const counts = crm.counters();
        return {
          stats,
          calls: counts.calls,
          rateLimited: counts.rateLimited,
          writes: counts.byEndpoint[crm.writeEndpoint] ?? 0,
        };
      };

      printLine();
      printLine(
        `1. First sync: every ${noun.slice(0, -1)} and its engagement, through ${crmName === 'hubspot' ? '@hubspot/api-client' : 'jsforce'}`,
      );
      const first = await syncOnce('full');
      printLine(
        `   Pulled ${first.stats.pull.records} ${noun} and ${first.stats.pull.events} events; ` +
          `scored ${first.stats.scoring.records}; wrote score, band and reasons to ${first.stats.writeBack?.written ?? 0} ${noun} ` +
          `in ${first.writes} batch calls.`,
      );
      printLine(
        `   ${first.calls} API calls in all, ${first.rateLimited} rate-limited, ${(first.stats.durationMs / 1000).toFixed(1)} s.` +
          (first.stats.fieldsCreated?.length
            ? ` Created fields: ${first.stats.fieldsCreated.join(', ')}.`
            : ''),
      );
      printLine();
      printLine('Bands (fit A-D x engagement 1-3):');
      printLine(
        renderTable(
          ['band', noun],
          store.scoreDistribution().map((row) => [row.band, row.count]),
        ),
      );

      const top = store.topScores({ limit: 10 });
      const fields = config.writeBack.fields;
      const shown = [fields.score, fields.band, fields.reasons];
      const crmView = await sandbox.readBack(
        top.map(({ record }) => record.externalId),
        shown,
      );
      printLine();
      printLine(
        `2. The top 10 leads as a rep sees them on the record in ${crmName === 'hubspot' ? 'HubSpot' : 'Salesforce'} (read back from the CRM):`,
      );
      printLine(
        renderTable(
          ['record', 'name', 'company', ...shown],
          top.map(({ record }) => {
            const values = crmView.get(record.externalId) ?? {};
            // Salesforce refuses updates to converted leads (CANNOT_UPDATE_CONVERTED_LEAD): say so, not blanks.
            const converted = record.properties.IsConverted === true && !values[fields.score];
            return [
              record.externalId,
              values.name ?? '',
              values.company ?? '',
              ...shown.map((field, index) =>
                converted && index === shown.length - 1
                  ? '(converted lead: Salesforce keeps it read-only)'
                  : String(values[field] ?? ''),
              ),
            ];
          }),
          ['left', 'left', 'left', 'right', 'left', 'left'],
        ),
      );

      printLine();
      printLine('3. Second sync, incremental from the saved cursors:');
      const second = await syncOnce('incremental');
      printLine(
        `   Pulled ${second.stats.pull.records} changed ${noun} (the write-back itself modified them) and ${second.stats.pull.events} new events; ` +
          `${second.stats.scoring.changed} scores changed; ${second.writes} write calls (nothing to write); ${second.calls} API calls.`,
      );
      await demoHandoff(store, connectCrm(config, store, logger), config, top.slice(0, 5));
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

/**
 * 4. The hand-off for the top leads: a task for each one's owner in the CRM, made through the same engine a sync
 * runs. The demo counts their first scores as crossings (a real first import does not: handoff.firstScores).
 */
async function demoHandoff(
  store: ReturnType<typeof openStore>,
  crm: ReturnType<typeof connectCrm>,
  config: ReturnType<typeof loadConfig>,
  top: ReturnType<ReturnType<typeof openStore>['topScores']>,
): Promise<void> {
  const stages = [...new Set(top.flatMap(({ score }) => (score.stage ? [score.stage] : [])))];
  if (stages.length === 0) return;
  const settings = resolveHandoffSettings(
    { ...config.handoff, enabled: true, stages, firstScores: 'handoff', webhooks: [] },
    config.rules.stages,
    crm.handoffHooks.lifecycle,
    () => '',
  );
  const stats = await runHandoff(store, crm.handoffHooks, settings, {
    recordIds: new Set(top.map(({ record }) => record.id)),
  });
  const tasks = store.handoff.listActions({ kind: 'task', limit: top.length }).reverse();
  printLine();
  printLine(
    `4. Hand-off: ${stats.send.tasks} tasks created in the CRM for the top leads (${stages.join(', ')}), one per crossing:`,
  );
  printLine(
    renderTable(
      ['record', 'stage', 'owner', 'task', 'subject'],
      tasks.map((task) => [
        task.externalId,
        task.stage,
        String(task.payload.ownerId ?? '(unassigned)'),
        task.status === 'done' ? (task.result ?? '') : `${task.status}: ${task.lastError ?? ''}`,
        String(task.payload.subject ?? ''),
      ]),
    ),
  );
  printLine('   A rerun makes no second task: see `leadscore handoff` and `leadscore handoff log`.');
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('sync a seeded HubSpot sandbox through the real SDK, score, write back, and show the result')
    .option('--crm <crm>', 'hubspot or salesforce (a local sandbox), or none (files only)', 'hubspot')
    .option('--dir <folder>', 'where to keep the demo database and files (default: a new temporary folder)')
    .option('--records <n>', 'how many sample contacts or leads', '3000')
    .option('--seed <n>', 'the sample data seed', '42')
    .action(async (options) => {
      for (const flag of ['records', 'seed'] as const) {
        if (!/^\d+$/.test(options[flag]))
          throw new LeadscoreError('ERR_USAGE', `--${flag} "${options[flag]}" is not a whole number.`);
      }
      if (options.crm === 'none') return runFileDemo(options);
      if (options.crm === 'hubspot' || options.crm === 'salesforce') return runCrmDemo(options.crm, options);
      throw new LeadscoreError(
        'ERR_USAGE',
        `--crm "${options.crm}" is not one of hubspot, salesforce, none.`,
      );
    });
}
