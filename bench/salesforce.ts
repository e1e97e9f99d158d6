import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PAGE_SIZES } from '../connectors/salesforce/limits.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../connectors/salesforce/sandbox/index.js';
import { compileQuery, runQuery, type TableLookup } from '../connectors/salesforce/sandbox/soql.js';
import type { CustomFieldSpec } from '../connectors/salesforce/sandbox/store.js';
import { defaultRulesPath } from '../src/cli/commands/setup.js';
import { connectCrm } from '../src/cli/crm.js';
import { renderTable } from '../src/cli/output.js';
import { loadConfig } from '../src/config/load.js';
import { starterConfigText } from '../src/config/starter.js';
import { createLogger } from '../src/logger.js';
import { openStore } from '../src/store/index.js';
import { resolveAsOf } from '../src/sync/rescore.js';
import { runSync } from '../src/sync/run.js';

/**
 * The Salesforce benchmark (issue 4, "Demo and benchmark"): against the sandbox at Enterprise edition, an initial
 * sync of every lead and its engagement (Tasks, Events, CampaignMembers, EmailMessages, won Opportunities), scored
 * and written back through sObject Collections; then an incremental sync after 1 % of the leads change.
 *
 * Processes as in bench/hubspot.ts: the sandbox runs in its own child, each leadscore sync in its own child (as
 * `leadscore sync` would from cron), so each peak RSS is that child's own `process.resourceUsage().maxRSS`.
 * Calls are counted twice: by leadscore's client and in the sandbox's request log (the cross-check).
 */

const SEED = 42;
const EDITION = 'enterprise' as const;
const SELF = fileURLToPath(import.meta.url);
const REPO = dirname(dirname(SELF));
const SECRET_ENV = 'LEADSCORE_BENCH_SF_SECRET';
const REFRESH_ENV = 'LEADSCORE_BENCH_SF_REFRESH';

/** What leadscore must read, counted in the sandbox with the connector's own filters (adapter.ts). */
export interface Inventory {
  leads: number;
  deletedLeads: number;
  wonOpportunities: number;
  tasks: number;
  events: number;
  campaignMembers: number;
  emailMessages: number;
}

export interface SandboxLog {
  total: number;
  /** 403 REQUEST_LIMIT_EXCEEDED answers in the log. */
  requestLimitExceeded: number;
  byEndpoint: Record<string, number>;
}

export interface SyncRun {
  /** Requests counted by leadscore's SalesforceClient. */
  calls: number;
  /** Requests the sandbox logged for the same run. */
  sandboxCalls: number;
  /** REQUEST_LIMIT_EXCEEDED: the larger of the client's and the log's count. */
  requestLimitExceeded: number;
  byEndpoint: Record<string, number>;
  sandboxByEndpoint: Record<string, number>;
  wallSeconds: number;
  /** User + system CPU of the sync child (the machine is shared: read wall time with this beside it). */
  cpuSeconds: number;
  peakRssMiB: number;
  pulledRecords: number;
  pulledEvents: number;
  scored: number;
  scoresChanged: number;
  written: number;
  skipped: number;
  writeCalls: number;
  queryCalls: number;
}

export interface SalesforceBenchResult {
  quick: boolean;
  edition: typeof EDITION;
  inventory: Inventory;
  changedLeads: number;
  minimum: { initial: number; incremental: number; formula: { initial: string; incremental: string } };
  initial: SyncRun;
  incremental: SyncRun;
  peakRssMiB: number;
  writeBackVerified: boolean;
  targets: { peakRssUnder300MiB: boolean; noRequestLimitExceeded: boolean };
}

// --- the orchestrator -------------------------------------------------------------------------------------------

export async function runSalesforceBench(options: { quick: boolean }): Promise<SalesforceBenchResult> {
  // 50,000: the full run must finish in minutes on a shared 2-core machine (100,000 took > 15 min wall there).
  const leads = options.quick ? 2_000 : 50_000;
  const folder = mkdtempSync(join(tmpdir(), 'leadscore-bench-salesforce-'));
  const sandbox = spawnSelf(['sandbox', '--leads', String(leads)]);
  try {
    const ready = JSON.parse(await firstLine(sandbox)) as SandboxReady;
    const controls = new Controls(ready.instanceUrl);
    const env = { [SECRET_ENV]: ready.clientSecret, [REFRESH_ENV]: ready.refreshToken };
    const syncRun = async (mode: 'full' | 'incremental'): Promise<SyncRun> => {
      await controls.clearLog();
      const file = join(folder, `leadscore-${mode}.json`);
      await runSelf(
        [
          'leadscore',
          '--mode',
          mode,
          '--dir',
          folder,
          '--login-url',
          ready.loginUrl,
          '--client-id',
          ready.clientId,
          '--out',
          file,
        ],
        env,
      );
      const run = JSON.parse(readFileSync(file, 'utf8')) as SyncRun;
      const log = await controls.log();
      return {
        ...run,
        sandboxCalls: log.total,
        sandboxByEndpoint: log.byEndpoint,
        requestLimitExceeded: Math.max(run.requestLimitExceeded, log.requestLimitExceeded),
      };
    };

    const initial = await syncRun('full');
    const sample = ready.sampleIds;
    const writeBackVerified = await controls.hasScore(sample[0] ?? '');
    await controls.changeLeads(sample);
    const incremental = await syncRun('incremental');
    const peak = Math.max(initial.peakRssMiB, incremental.peakRssMiB);
    return {
      quick: options.quick,
      edition: EDITION,
      inventory: ready.inventory,
      changedLeads: sample.length,
      minimum: minimumCalls(ready.inventory, sample.length, initial.written, incremental.written),
      initial,
      incremental,
      peakRssMiB: peak,
      writeBackVerified,
      targets: {
        peakRssUnder300MiB: peak < 300,
        noRequestLimitExceeded: initial.requestLimitExceeded + incremental.requestLimitExceeded === 0,
      },
    };
  } finally {
    await stop(sandbox);
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * The fewest calls the page and batch sizes allow (limits.ts PAGE_SIZES: 2,000 rows a query page, 200 records a
 * collection update), one walk per stream leadscore reads, each at least one call:
 * - initial: leads, deleted leads (queryAll), won opportunities, Tasks, Events, responded CampaignMembers and
 *   tracked EmailMessages, each rows / 2,000; plus the leads written / 200.
 * - incremental: the changed leads / 2,000 and their new Tasks / 2,000, one call for each other stream to learn
 *   that nothing changed (5), and the leads written / 200.
 * Setup calls (describe, the token, /limits) are not in it.
 */
export function minimumCalls(
  inventory: Inventory,
  changed: number,
  writtenInitial: number,
  writtenIncremental: number,
): SalesforceBenchResult['minimum'] {
  const pages = (items: number, size: number) => Math.max(1, Math.ceil(items / size));
  const writes = (items: number) => Math.ceil(items / PAGE_SIZES.collection);
  const q = PAGE_SIZES.query;
  const initial =
    pages(inventory.leads, q) +
    pages(inventory.deletedLeads, q) +
    pages(inventory.wonOpportunities, q) +
    pages(inventory.tasks, q) +
    pages(inventory.events, q) +
    pages(inventory.campaignMembers, q) +
    pages(inventory.emailMessages, q) +
    writes(writtenInitial);
  // Each changed lead gets a new Title and one logged call (Controls.changeLeads).
  const incremental = pages(changed, q) + pages(changed, q) + 5 + writes(writtenIncremental);
  return {
    initial,
    incremental,
    formula: {
      initial:
        '(leads + deleted leads + won opportunities + Tasks + Events + CampaignMembers + EmailMessages) per 2,000 each (>= 1) + leads written / 200',
      incremental: 'changed leads / 2,000 + new Tasks / 2,000 + 1 per other stream (5) + leads written / 200',
    },
  };
}

interface SandboxReady {
  loginUrl: string;
  instanceUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  inventory: Inventory;
  /** 1 % of the leads (at least one), open and writable, spread over the rows: the ones the incremental run changes. */
  sampleIds: string[];
}

/** The sandbox's test controls (connectors/salesforce/BEHAVIOR.md): unauthenticated, not logged, not counted. */
class Controls {
  constructor(private readonly baseUrl: string) {}

  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}/__sandbox/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok) throw new Error(`sandbox control ${method} ${path}: HTTP ${response.status}`);
    return response.json();
  }

  /** Each run starts on an empty request log. */
  async clearLog(): Promise<void> {
    await this.send('DELETE', 'log');
  }

  async log(): Promise<SandboxLog> {
    const entries = (await this.send('GET', 'log')) as Array<{
      method: string;
      path: string;
      status: number;
    }>;
    const byEndpoint: Record<string, number> = {};
    for (const entry of entries) {
      const key = endpointOf(entry.method, entry.path);
      byEndpoint[key] = (byEndpoint[key] ?? 0) + 1;
    }
    return {
      total: entries.length,
      // The sandbox answers 403 only for REQUEST_LIMIT_EXCEEDED (the daily allowance or long-running requests).
      requestLimitExceeded: entries.filter((entry) => entry.status === 403).length,
      byEndpoint,
    };
  }

  async hasScore(id: string): Promise<boolean> {
    const lead = (await this.send('GET', `records/Lead/${id}`)) as Record<string, unknown>;
    return typeof lead.leadscore_score__c === 'number';
  }

  /** A rep edits the title and logs a call: both move the lead's SystemModstamp. */
  async changeLeads(ids: string[]): Promise<void> {
    const today = new Date().toISOString().slice(0, 10);
    for (const id of ids) {
      await this.send('PATCH', `records/Lead/${id}`, { Title: 'VP Revenue Operations' });
      await this.send('POST', 'activities', {
        type: 'Task',
        fields: {
          WhoId: id,
          Subject: 'Call: Connected',
          TaskSubtype: 'Call',
          CallDurationInSeconds: 420,
          Status: 'Completed',
          ActivityDate: today,
        },
      });
    }
  }
}

/** A log path as an endpoint: the query's FROM object, or a next page by its locator. */
export function endpointOf(method: string, path: string): string {
  const url = new URL(path, 'http://sandbox');
  const rest = url.pathname.replace(/^\/services\/data\/v[\d.]+/, '');
  const q = url.searchParams.get('q');
  if (q !== null) {
    const from = /\bFROM\s+(\w+)/i.exec(q)?.[1] ?? '?';
    return `${method} ${rest} ${from}`;
  }
  if (/^\/query(All)?\/[^/]+$/.test(rest)) return `${method} ${rest.replace(/\/[^/]+$/, '')} (next page)`;
  return `${method} ${rest.replace(/\/[A-Za-z0-9]{15,18}(?=\/|$)/g, '/{id}')}`;
}

function spawnSelf(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', SELF, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error('child has no stdout'));
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      lines.close();
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited (${code}) before it was ready`)));
  });
}

function runSelf(args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnSelf(args, env);
    child.stdout?.resume();
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`bench child "${args[0]}" exited with ${code}`)),
    );
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Longest a sync child may run (a busy machine stretches wall time far beyond the CPU time). */
const CHILD_DEADLINE_MS = 30 * 60_000;

const peakRssMiB = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
const round = (value: number, decimals = 2) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** The score fields, as an admin creates them from `leadscore connect`'s setup steps (as the demo does). */
const SCORE_FIELDS: CustomFieldSpec[] = (
  [
    ['leadscore_score__c', 'Number', 'Lead score'],
    ['leadscore_band__c', 'Text', 'Lead score band'],
    ['leadscore_fit__c', 'Number', 'Lead fit score'],
    ['leadscore_engagement__c', 'Number', 'Lead engagement score'],
    ['leadscore_reasons__c', 'LongTextArea', 'Lead score reasons'],
    ['leadscore_stage__c', 'Text', 'Lead score stage'],
    ['leadscore_updated_at__c', 'DateTime', 'Lead score changed at'],
  ] as const
).map(([name, type, label]) => ({
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
}));

/** The rows each stream walks, counted with the sandbox's own SOQL engine and the connector's WHERE clauses. */
function inventoryOf(sandbox: SalesforceSandbox): Inventory {
  const tables = [...sandbox.state.org.tables.values()];
  const lookup: TableLookup = {
    table: (name) => sandbox.state.table(name),
    tableByPrefix: (prefix) => tables.find((table) => table.def.keyPrefix === prefix),
  };
  const count = (soql: string, all = false) => runQuery(compileQuery(soql, lookup, Date.now()), all).length;
  const who = "IsDeleted = false AND Who.Type IN ('Lead', 'Contact')";
  return {
    leads: count('SELECT Id FROM Lead'),
    deletedLeads: count('SELECT Id FROM Lead WHERE IsDeleted = true', true),
    wonOpportunities: count('SELECT Id FROM Opportunity WHERE IsWon = true'),
    tasks: count(`SELECT Id FROM Task WHERE ${who} AND TaskSubtype IN ('Email', 'ListEmail', 'Call')`, true),
    events: count(`SELECT Id FROM Event WHERE ${who}`, true),
    campaignMembers: count('SELECT Id FROM CampaignMember WHERE LeadId != null AND HasResponded = true'),
    emailMessages: count(
      'SELECT Id FROM EmailMessage WHERE ActivityId != null AND (FirstOpenedDate != null OR FirstLinkClickedDate != null OR IsBounced = true OR Incoming = true)',
    ),
  };
}

/** Child: the sandbox; the first stdout line carries the connection details, the inventory and the sample. */
async function sandboxChild(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { leads: { type: 'string' } } });
  const sandbox = await startSalesforceSandbox({
    port: 0,
    seed: SEED,
    leads: Number(values.leads ?? '2000'),
    edition: EDITION,
    customFields: SCORE_FIELDS,
  });
  const leads = sandbox.state.table('Lead');
  if (!leads) throw new Error('the sandbox has no Lead table');
  const open: string[] = [];
  for (let row = 0; row < leads.rows; row++)
    if (leads.get(row, 'IsDeleted') !== true && leads.get(row, 'IsConverted') !== true)
      open.push(leads.id(row));
  const changed = Math.max(1, Math.floor(leads.rows / 100));
  const sampleIds = Array.from(
    { length: changed },
    (_, index) => open[Math.floor(((index + 0.5) * open.length) / changed)] as string,
  );
  const ready: SandboxReady = {
    loginUrl: sandbox.loginUrl,
    instanceUrl: sandbox.instanceUrl,
    clientId: sandbox.oauth.clientId,
    clientSecret: sandbox.oauth.clientSecret,
    refreshToken: sandbox.oauth.refreshToken,
    inventory: inventoryOf(sandbox),
    sampleIds,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  const close = () => void sandbox.close().then(() => process.exit(0));
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

/** Child: one leadscore sync run (full or incremental) in the workspace `dir`, as the CLI would run it. */
async function leadscoreChild(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: 'string' },
      dir: { type: 'string' },
      'login-url': { type: 'string' },
      'client-id': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const dir = required(values.dir, 'dir');
  const mode = values.mode === 'full' ? 'full' : 'incremental';
  const configPath = join(dir, 'leadscore.yaml');
  if (!existsSync(configPath)) {
    writeFileSync(
      configPath,
      starterConfigText({ crm: 'salesforce', rulesPath: defaultRulesPath(), databasePath: './leadscore.db' })
        .replace(
          'loginUrl: https://login.salesforce.com',
          `loginUrl: "${required(values['login-url'], 'login-url')}"`,
        )
        .replace(
          'clientId: REPLACE_WITH_CONSUMER_KEY',
          `clientId: "${required(values['client-id'], 'client-id')}"`,
        )
        .replace('{ env: SALESFORCE_CLIENT_SECRET }', `{ env: ${SECRET_ENV} }`)
        .replace('{ env: SALESFORCE_REFRESH_TOKEN }', `{ env: ${REFRESH_ENV} }`),
    );
  }
  const config = loadConfig(configPath);
  const logger = createLogger({ level: 'warn' });
  const store = openStore(config.database);
  try {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const crm = connectCrm(config, store, logger);
    const stats = await runSync({
      store,
      reader: crm.reader,
      writer: crm.writer,
      writeBack: crm.writeBack,
      rules: config.rules,
      mode,
      asOf: resolveAsOf(Date.now(), config.scoring.asOfResolution),
      logger,
    });
    const wallSeconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const counters = crm.counters();
    const sum = (match: (endpoint: string) => boolean) =>
      Object.entries(counters.byEndpoint)
        .filter(([endpoint]) => match(endpoint))
        .reduce((total, [, n]) => total + n, 0);
    const run: SyncRun = {
      calls: counters.calls,
      sandboxCalls: 0,
      requestLimitExceeded: counters.rateLimited,
      byEndpoint: counters.byEndpoint,
      sandboxByEndpoint: {},
      wallSeconds: round(wallSeconds),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6),
      peakRssMiB: peakRssMiB(),
      pulledRecords: stats.pull.records,
      pulledEvents: stats.pull.events,
      scored: stats.scoring.records,
      scoresChanged: stats.scoring.changed,
      written: stats.writeBack?.written ?? 0,
      skipped: stats.writeBack?.skipped ?? 0,
      writeCalls: counters.byEndpoint[crm.writeEndpoint] ?? 0,
      queryCalls: sum((endpoint) => /^GET \/query/.test(endpoint)),
    };
    writeFileSync(required(values.out, 'out'), JSON.stringify(run));
  } finally {
    store.close();
  }
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new Error(`bench child: --${name} is required`);
  return value;
}

// --- the table -------------------------------------------------------------------------------------------------

export function renderSalesforceBench(result: SalesforceBenchResult): string {
  const { inventory, minimum } = result;
  const per1k = (calls: number) => round((calls / inventory.leads) * 1000, 1);
  const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  const rows: Array<Array<string | number>> = [];
  for (const [label, run, min] of [
    ['initial', result.initial, minimum.initial],
    ['incremental', result.incremental, minimum.incremental],
  ] as const) {
    rows.push(
      [label, 'API calls (sandbox log)', `${run.calls} (${run.sandboxCalls})`, min, ''],
      [label, '  of which query pages', run.queryCalls, '', ''],
      [label, '  of which collection updates', run.writeCalls, '', ''],
      [label, 'API calls per 1,000 leads', per1k(run.calls), per1k(min), ''],
      [label, 'calls / minimum', `${round(run.calls / min, 2)}x`, '', ''],
      [
        label,
        'REQUEST_LIMIT_EXCEEDED',
        run.requestLimitExceeded,
        '',
        `0 ${mark(run.requestLimitExceeded === 0)}`,
      ],
      [label, 'wall time (s)', run.wallSeconds, '', ''],
      [label, 'CPU time (s), sync child', run.cpuSeconds, '', ''],
      [label, 'peak RSS (MiB), sync child', run.peakRssMiB, '', `< 300 ${mark(run.peakRssMiB < 300)}`],
    );
  }
  const table = renderTable(['run', 'measure', 'leadscore', 'minimum', 'target'], rows, [
    'left',
    'left',
    'right',
    'right',
    'left',
  ]);
  const { initial, incremental } = result;
  return [
    `Salesforce sandbox, ${result.edition} edition (seed ${SEED}):`,
    `  ${inventory.leads} leads (${inventory.deletedLeads} deleted or merged), ${inventory.wonOpportunities} won opportunities, ${inventory.tasks} Tasks, ${inventory.events} Events, ${inventory.campaignMembers} responded CampaignMembers, ${inventory.emailMessages} tracked EmailMessages`,
    `  initial pulled ${initial.pulledRecords} records and ${initial.pulledEvents} events, wrote ${initial.written} (skipped ${initial.skipped} converted: read-only); then ${result.changedLeads} leads changed (Title + a logged call):`,
    `  incremental pulled ${incremental.pulledRecords} records and ${incremental.pulledEvents} events, ${incremental.scoresChanged} scores changed, wrote ${incremental.written}; write-back read back: ${result.writeBackVerified ? 'yes' : 'NO'}`,
    `  minimum: initial = ${minimum.formula.initial}; incremental = ${minimum.formula.incremental}`,
    table,
  ].join('\n');
}

// --- child entry ---------------------------------------------------------------------------------------------------

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [role, ...rest] = process.argv.slice(2);
  const roles: Record<string, (argv: string[]) => Promise<void>> = {
    sandbox: sandboxChild,
    leadscore: leadscoreChild,
  };
  const child = roles[role ?? ''];
  if (!child) {
    process.stderr.write('usage: bench/salesforce.ts sandbox|leadscore ... (run by `npm run bench`)\n');
    process.exit(2);
  }
  if (role !== 'sandbox') {
    setTimeout(() => {
      process.stderr.write(`bench child "${role}" gave up after ${CHILD_DEADLINE_MS / 60_000} minutes\n`);
      process.exit(3);
    }, CHILD_DEADLINE_MS).unref();
  }
  child(rest).then(
    () => role !== 'sandbox' && process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
