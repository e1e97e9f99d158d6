import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@hubspot/api-client';
import {
  BURST_WINDOW_MS,
  PAGE_SIZES,
  SAFETY_MARGIN,
  SEARCH_PER_SECOND,
  TIER_LIMITS,
} from '../connectors/hubspot/limits.js';
import { EV, runSandboxCli } from '../connectors/hubspot/sandbox/index.js';
import { FORMS } from '../connectors/hubspot/sandbox/pools.js';
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
 * The HubSpot benchmark (issue: "Benchmark"): at the sandbox's Professional tier, an initial sync of every contact
 * and its engagement, scored and written back, then an incremental sync after 1 % of the contacts change; and the
 * same two runs done the way a user without leadscore would (the SDK's getAll of every contact, then a batch
 * update of every contact, on each run).
 *
 * Processes: the sandbox runs in its own child (the CRM is remote in reality), each leadscore sync runs in its own
 * child (as `leadscore sync` would from cron), and so does each naive run; peak RSS is each child's own
 * `process.resourceUsage().maxRSS`, so neither the sandbox nor the core bench that ran before is counted.
 */

const TIER = 'professional' as const;
const SEED = 42;
const EVENTS_PER_CONTACT = 10;
const TOKEN_ENV = 'LEADSCORE_BENCH_HUBSPOT_TOKEN';
const SELF = fileURLToPath(import.meta.url);
const REPO = dirname(dirname(SELF));
/** The documented rates the bound is computed from (not leadscore's paced share of them). */
const BURST_PER_SECOND = TIER_LIMITS[TIER].burstPer10s / (BURST_WINDOW_MS / 1000);

export interface CallCounts {
  /** Requests sent, as counted by the client (leadscore's HubSpotClient counters, or SDK middleware). */
  calls: number;
  /** Requests the sandbox logged for the same run: the cross-check. */
  sandboxCalls: number;
  searchCalls: number;
  /** 429s received (client count; the sandbox log agrees or the larger is shown). */
  rateLimited: number;
  byEndpoint: Record<string, number>;
}

export interface RunMeasure extends CallCounts {
  wallSeconds: number;
  /**
   * The larger of standard calls / the burst rate and search calls / the search rate, at the documented limits:
   * search is exempt from the ten-secondly bucket, so the two lanes run side by side.
   */
  rateBoundSeconds: number;
  peakRssMiB: number;
}

export interface StageMeasure {
  wallSeconds: number;
  cpuSeconds: number;
  /** Highest RSS and V8 heap sampled (every 25 ms) while the stage ran. */
  peakRssMiB: number;
  peakHeapMiB: number;
  /** process.memoryUsage() (MiB) at the stage's peak RSS: what the RSS was made of. */
  atPeakMiB: { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
}

export interface LeadscoreRun extends RunMeasure {
  pulledRecords: number;
  pulledEvents: number;
  /** Records read but not stored: changed only by leadscore's own write-back (src/sync/echo.ts). */
  echoRecords: number;
  scored: number;
  scoresChanged: number;
  written: number;
  writeBatches: number;
  /** Score rows the write-back plan read ('full': every one; 'changed': those changed since the last plan). */
  planScoresRead?: number;
  plan?: 'full' | 'changed';
  /** CPU seconds of the whole child (user + system), start-up included. */
  cpuSeconds: number;
  stages: Record<string, StageMeasure>;
}

export interface NaiveRun extends RunMeasure {
  contacts: number;
  written: number;
}

export interface Inventory {
  contacts: number;
  /** Every generated event, page views included. */
  events: number;
  emailEvents: number;
  formSubmissions: number[];
  meetings: number;
  calls: number;
  /** Per-visit page views: the Events API is Enterprise-only, so at Professional they are only rollups. */
  pageViews: number;
}

export interface HubSpotBenchResult {
  quick: boolean;
  tier: typeof TIER;
  safetyMargin: number;
  inventory: Inventory;
  changedContacts: number;
  /** Simulated time between runs (both clocks), as cron would space them. */
  runGapMinutes: number;
  minimum: {
    initial: number;
    settle: number;
    incremental: number;
    formula: { initial: string; settle: string; incremental: string };
  };
  leadscore: { initial: LeadscoreRun; settle: LeadscoreRun; incremental: LeadscoreRun; peakRssMiB: number };
  naive: { initial: NaiveRun; incremental: NaiveRun; peakRssMiB: number; pacing: string };
  writeBackVerified: boolean;
  targets: {
    initialNo429: boolean;
    incrementalNo429: boolean;
    initialWithin115: boolean;
    incrementalWithin115: boolean;
    peakRssUnder300MiB: boolean;
  };
}

// --- the orchestrator (runs in the `npm run bench` process) ---------------------------------------------------

/**
 * Time between runs, moved on both clocks (the sandbox's and the leadscore child's): longer than the search
 * overlap (limits.ts DEFAULT_SEARCH_OVERLAP_MS), as cron runs would be, so a run does not read again what the one
 * before it read only because the two ran seconds apart.
 */
const RUN_GAP_MS = 10 * 60_000;

export async function runHubSpotBench(options: { quick: boolean }): Promise<HubSpotBenchResult> {
  // BENCH_HUBSPOT_CONTACTS: another size while developing (the results file still says quick or full).
  const contacts = Number(process.env.BENCH_HUBSPOT_CONTACTS ?? 0) || (options.quick ? 2_000 : 100_000);
  const folder = mkdtempSync(join(tmpdir(), 'leadscore-bench-hubspot-'));
  const sandbox = spawnSelf(['sandbox', '--contacts', String(contacts)]);
  try {
    const ready = JSON.parse(await firstLine(sandbox)) as SandboxReady;
    const controls = new Controls(ready.baseUrl);
    const env = { [TOKEN_ENV]: ready.token };
    let clockOffsetMs = 0;
    const leadscoreRun = async (mode: 'full' | 'incremental', label: string): Promise<LeadscoreRun> => {
      await controls.freshWindow();
      const file = join(folder, `leadscore-${label}.json`);
      await runSelf(
        [
          'leadscore',
          '--mode',
          mode,
          '--dir',
          folder,
          '--base-url',
          ready.baseUrl,
          '--out',
          file,
          '--clock-offset-ms',
          String(clockOffsetMs),
        ],
        env,
      );
      const run = JSON.parse(readFileSync(file, 'utf8')) as LeadscoreRun;
      return withSandboxLog(run, await controls.requests());
    };
    const later = async () => {
      clockOffsetMs += RUN_GAP_MS;
      await controls.advanceClock(RUN_GAP_MS);
    };
    const naiveRun = async (phase: 'initial' | 'incremental'): Promise<NaiveRun> => {
      await controls.freshWindow();
      const file = join(folder, `naive-${phase}.json`);
      await runSelf(['naive', '--phase', phase, '--base-url', ready.baseUrl, '--out', file], env);
      const run = JSON.parse(readFileSync(file, 'utf8')) as NaiveRun;
      const log = await controls.requests();
      return {
        ...run,
        calls: log.total,
        sandboxCalls: log.total,
        rateLimited: log.rateLimited,
        byEndpoint: log.byEndpoint,
        rateBoundSeconds: round(rateBound(log.total, 0)),
      };
    };

    const initial = await leadscoreRun('full', 'initial');
    const sample = ready.sampleIds;
    const writeBackVerified = await controls.hasScore(sample[0] ?? '1');
    // The first incremental run reads the initial write-back's echo (every contact): measured, but apart.
    await later();
    const settle = await leadscoreRun('incremental', 'settle');
    await later();
    await controls.changeContacts(sample);
    const incremental = await leadscoreRun('incremental', 'incremental');
    // The naive runs go last: their writes touch every contact, which would otherwise feed leadscore's search.
    const naiveInitial = await naiveRun('initial');
    const naiveIncremental = await naiveRun('incremental');

    const minimum = minimumCalls(ready.inventory, sample.length, {
      initial: initial.written,
      settle: settle.written,
    });
    const leadscorePeak = Math.max(initial.peakRssMiB, settle.peakRssMiB, incremental.peakRssMiB);
    const ratio = (run: RunMeasure) => run.wallSeconds / run.rateBoundSeconds;
    return {
      quick: options.quick,
      tier: TIER,
      safetyMargin: SAFETY_MARGIN,
      inventory: ready.inventory,
      changedContacts: sample.length,
      runGapMinutes: RUN_GAP_MS / 60_000,
      minimum,
      leadscore: { initial, settle, incremental, peakRssMiB: leadscorePeak },
      naive: {
        initial: naiveInitial,
        incremental: naiveIncremental,
        peakRssMiB: Math.max(naiveInitial.peakRssMiB, naiveIncremental.peakRssMiB),
        pacing: NAIVE_PACING,
      },
      writeBackVerified,
      targets: {
        initialNo429: initial.rateLimited === 0,
        incrementalNo429: incremental.rateLimited === 0,
        initialWithin115: ratio(initial) <= 1.15,
        incrementalWithin115: ratio(incremental) <= 1.15,
        peakRssUnder300MiB: leadscorePeak < 300,
      },
    };
  } finally {
    await stop(sandbox);
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * The fewest calls the page and batch sizes allow (limits.ts PAGE_SIZES), per stream leadscore must read:
 * - initial: every contact listed (C / 100 a page) and written (C / 100 a batch), plus each engagement source
 *   walked at its largest page: email events / 1,000, the forms list (1) and each form's submissions / 50,
 *   meetings / 100 and calls / 100 (list pages). Page views are not readable per visit below Enterprise.
 * - every incremental run: the contacts search returns the contacts changed since the last run and, as HubSpot
 *   cannot tell them apart (BEHAVIOR.md, write-back echo), every contact the last run wrote: (changed + last
 *   run's writes) / 200. Then the changed contacts' writes (changed / 100), the new email events / 1,000, and one
 *   call per other source to learn that nothing changed (the forms list, one page per form, one meetings search,
 *   one calls search).
 * Every source costs at least one call. Setup calls (property checks, the archived list, usage) are not in it.
 */
export function minimumCalls(
  inventory: Inventory,
  changed: number,
  written: { initial: number; settle: number },
): HubSpotBenchResult['minimum'] {
  const pages = (items: number, size: number) => Math.max(1, Math.ceil(items / size));
  const forms =
    1 + inventory.formSubmissions.reduce((sum, n) => sum + pages(n, PAGE_SIZES.formSubmissions), 0);
  const initial =
    pages(inventory.contacts, PAGE_SIZES.list) +
    pages(inventory.contacts, PAGE_SIZES.batch) +
    pages(inventory.emailEvents, PAGE_SIZES.emailEvents) +
    forms +
    pages(inventory.meetings, PAGE_SIZES.list) +
    pages(inventory.calls, PAGE_SIZES.list);
  const nothingElse = 1 + 1 + inventory.formSubmissions.length + 2;
  // The settle run: nothing changed but the initial write-back's echo; nothing to write.
  const settle = pages(written.initial, PAGE_SIZES.search) + nothingElse;
  // Each changed contact gets one new email event (Controls.changeContacts).
  const incremental =
    pages(changed + written.settle, PAGE_SIZES.search) +
    pages(changed, PAGE_SIZES.batch) +
    pages(changed, PAGE_SIZES.emailEvents) +
    nothingElse -
    1;
  return {
    initial,
    settle,
    incremental,
    formula: {
      initial:
        'C/100 list + C/100 batch update + email events/1000 + 1 forms list + per form submissions/50 + meetings/100 + calls/100',
      settle:
        "initial run's writes/200 search (the echo) + 1 email events + 1 forms list + 1 per form + 1 meetings search + 1 calls search",
      incremental:
        "(changed + settle run's writes)/200 search + changed/100 batch update + new email events/1000 + 1 forms list + 1 per form + 1 meetings search + 1 calls search",
    },
  };
}

/** The documented limits are two independent lanes (search is exempt from the burst bucket): the slower one bounds. */
function rateBound(standard: number, search: number): number {
  return Math.max(standard / BURST_PER_SECOND, search / SEARCH_PER_SECOND);
}

function withSandboxLog<T extends RunMeasure>(run: T, log: SandboxLog): T {
  return { ...run, sandboxCalls: log.total, rateLimited: Math.max(run.rateLimited, log.rateLimited) };
}

interface SandboxReady {
  baseUrl: string;
  token: string;
  inventory: Inventory;
  /** 1 % of the contacts (at least one), spread over the id range: the ones the incremental run changes. */
  sampleIds: string[];
}

interface SandboxLog {
  total: number;
  rateLimited: number;
  byEndpoint: Record<string, number>;
}

/** The sandbox's test controls (connectors/hubspot/BEHAVIOR.md): unauthenticated, unlimited, not logged. */
class Controls {
  constructor(private readonly baseUrl: string) {}

  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}/__sandbox${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok) throw new Error(`sandbox control ${method} ${path}: HTTP ${response.status}`);
    return response.status === 204 ? undefined : response.json();
  }

  /** Each run starts on empty rate-limit windows and an empty request log, as runs hours apart would. */
  async freshWindow(): Promise<void> {
    await this.send('POST', '/rate-limits/reset');
    await this.send('DELETE', '/requests');
  }

  /** Moves the sandbox's clock on (the leadscore child moves its own by the same, --clock-offset-ms). */
  async advanceClock(ms: number): Promise<void> {
    await this.send('POST', '/clock', { advanceMs: ms });
  }

  async requests(): Promise<SandboxLog> {
    const log = (await this.send('GET', '/requests')) as {
      total: number;
      countsByEndpoint: Record<string, number>;
      entries: Array<{ status: number }>;
    };
    return {
      total: log.total,
      rateLimited: log.entries.filter((entry) => entry.status === 429).length,
      byEndpoint: log.countsByEndpoint,
    };
  }

  async hasScore(id: string): Promise<boolean> {
    const contact = (await this.send('GET', `/contacts/${id}`)) as { properties: Record<string, unknown> };
    const score = contact.properties.leadscore_score;
    return score !== null && score !== undefined && score !== '';
  }

  /**
   * The 1 % change: a rep edits the job title (across the decision-maker rule, so the fit score moves) and the
   * contact clicks a marketing email to the pricing page (a new email event).
   */
  async changeContacts(ids: readonly string[]): Promise<void> {
    const decisionMaker = /\b(ceo|cto|cfo|chief|founder|vp|head of|director)\b/i;
    await inParallel(ids, 16, async (id) => {
      const contact = (await this.send('GET', `/contacts/${id}`)) as { properties: Record<string, unknown> };
      const title = String(contact.properties.jobtitle ?? '');
      const jobtitle = decisionMaker.test(title) ? 'Marketing Specialist' : 'VP of Marketing';
      await this.send('PATCH', `/contacts/${id}`, { properties: { jobtitle } });
    });
    await this.send('POST', '/events', {
      events: ids.map((contactId) => ({ contactId, type: 'email_click', url: '/pricing' })),
    });
  }
}

async function inParallel<T>(
  items: readonly T[],
  width: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

// --- child processes -------------------------------------------------------------------------------------------

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

/** Longest a leadscore or naive child may run; the full-size runs take a few minutes each at the rate limit. */
const CHILD_DEADLINE_MS = 15 * 60_000;

const peakRssMiB = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
const round = (value: number, decimals = 2) => Math.round(value * 10 ** decimals) / 10 ** decimals;

function isSearch(endpoint: string): boolean {
  return endpoint.endsWith('/search');
}

/** Child: the sandbox via its CLI; the first stdout line adds the inventory the minimum is computed from. */
async function sandboxChild(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { contacts: { type: 'string' } } });
  let line = '';
  const sandbox = await runSandboxCli(
    [
      '--json',
      '--port',
      '0',
      '--seed',
      String(SEED),
      '--tier',
      TIER,
      '--contacts',
      values.contacts ?? '2000',
      '--events-per-contact',
      String(EVENTS_PER_CONTACT),
    ],
    { stdout: (text) => (line ||= text), stderr: (text) => process.stderr.write(`${text}\n`) },
  );
  if (!sandbox) throw new Error('the sandbox did not start');
  const state = sandbox.state;
  const events = state.store.ds.events;
  const now = state.now();
  const inventory: Inventory = {
    contacts: state.store.rowCount,
    events: events.length,
    emailEvents: 0,
    formSubmissions: FORMS.map(() => 0),
    meetings: 0,
    calls: 0,
    pageViews: 0,
  };
  for (let index = 0; index < events.length; index++) {
    const kind = events.kind[index] as number;
    if (kind === EV.MEETING) {
      if (state.engagement.createdAt(index) <= now) inventory.meetings++;
      continue;
    }
    if ((events.time[index] as number) > now) continue;
    if (kind <= EV.UNSUBSCRIBE) inventory.emailEvents++;
    else if (kind === EV.PAGE_VIEW) inventory.pageViews++;
    else if (kind === EV.CALL) inventory.calls++;
    else if (kind === EV.FORM) {
      const form = events.attr[index] as number;
      inventory.formSubmissions[form] = (inventory.formSubmissions[form] ?? 0) + 1;
    }
  }
  // 1 % of the contacts (at least one), evenly spread over the rows.
  const rows = state.store.rowCount;
  const changed = Math.max(1, Math.floor(rows / 100));
  const sampleIds = Array.from({ length: changed }, (_, index) =>
    state.store.idOf(Math.floor(((index + 0.5) * rows) / changed)),
  );
  const ready = JSON.parse(line) as { baseUrl: string; token: string };
  process.stdout.write(
    `${JSON.stringify({ baseUrl: ready.baseUrl, token: ready.token, inventory, sampleIds })}\n`,
  );
  const close = () => void sandbox.close().then(() => process.exit(0));
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

/**
 * Child: one leadscore sync run (full or incremental) in the workspace `dir`, as the CLI would run it. With
 * --clock-offset-ms the child's clock runs that far ahead (the sandbox's was moved by the same): the run happens
 * "later", as the next cron run would.
 */
async function leadscoreChild(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: 'string' },
      dir: { type: 'string' },
      'base-url': { type: 'string' },
      out: { type: 'string' },
      'clock-offset-ms': { type: 'string' },
    },
  });
  const offset = Number(values['clock-offset-ms'] ?? 0);
  if (offset !== 0) {
    const realNow = Date.now.bind(Date);
    Date.now = () => realNow() + offset;
  }
  const dir = required(values.dir, 'dir');
  const mode = values.mode === 'full' ? 'full' : 'incremental';
  const configPath = join(dir, 'leadscore.yaml');
  if (!existsSync(configPath)) {
    const starter = starterConfigText({
      crm: 'hubspot',
      rulesPath: defaultRulesPath(),
      databasePath: './leadscore.db',
    });
    writeFileSync(
      configPath,
      starter.replace(
        'token: { env: HUBSPOT_TOKEN }',
        `token: { env: ${TOKEN_ENV} }\n    basePath: "${required(values['base-url'], 'base-url')}"`,
      ),
    );
  }
  const sampler = new StageSampler();
  const config = loadConfig(configPath);
  const logger = createLogger({ level: 'warn' });
  const store = openStore(config.database);
  try {
    const started = performance.now();
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
      onStage: (stage) => sampler.enter(stage),
    });
    const wallSeconds = (performance.now() - started) / 1000;
    sampler.stop();
    const counters = crm.counters();
    const searchCalls = Object.entries(counters.byEndpoint)
      .filter(([endpoint]) => isSearch(endpoint))
      .reduce((sum, [, n]) => sum + n, 0);
    const cpu = process.cpuUsage();
    const stages: Record<string, StageMeasure> = {};
    for (const [stage, timing] of Object.entries(stats.stages)) {
      const memory = sampler.peaks.get(stage);
      stages[stage] = {
        wallSeconds: round(timing.wallMs / 1000),
        cpuSeconds: round(timing.cpuMs / 1000),
        peakRssMiB: memory?.rssMiB ?? 0,
        peakHeapMiB: memory?.heapMiB ?? 0,
        atPeakMiB: memory?.atPeak ?? { heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 },
      };
    }
    const run: LeadscoreRun = {
      calls: counters.calls,
      sandboxCalls: 0,
      searchCalls,
      rateLimited: counters.rateLimited,
      byEndpoint: counters.byEndpoint,
      wallSeconds: round(wallSeconds),
      rateBoundSeconds: round(rateBound(counters.calls - searchCalls, searchCalls)),
      peakRssMiB: peakRssMiB(),
      pulledRecords: stats.pull.records,
      pulledEvents: stats.pull.events,
      echoRecords: stats.pull.unchanged,
      scored: stats.scoring.records,
      scoresChanged: stats.scoring.changed,
      written: stats.writeBack?.written ?? 0,
      writeBatches: stats.writeBack?.batches ?? 0,
      ...(stats.enqueue ? { planScoresRead: stats.enqueue.scoresRead, plan: stats.enqueue.plan } : {}),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6),
      stages,
    };
    writeFileSync(required(values.out, 'out'), JSON.stringify(run));
  } finally {
    store.close();
  }
}

/** Samples RSS and heap every 25 ms and keeps each stage's peak. */
class StageSampler {
  readonly peaks = new Map<string, { rssMiB: number; heapMiB: number; atPeak: StageMeasure['atPeakMiB'] }>();
  private stage = 'start';
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.sample(), 25);
    this.timer.unref();
  }

  enter(stage: string): void {
    this.sample();
    this.stage = stage;
    this.sample();
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  private sample(): void {
    const memory = process.memoryUsage();
    const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
    const peak = this.peaks.get(this.stage) ?? {
      rssMiB: 0,
      heapMiB: 0,
      atPeak: { heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 },
    };
    if (mib(memory.rss) > peak.rssMiB) {
      peak.rssMiB = mib(memory.rss);
      peak.atPeak = {
        heapTotal: mib(memory.heapTotal),
        heapUsed: mib(memory.heapUsed),
        external: mib(memory.external),
        arrayBuffers: mib(memory.arrayBuffers),
      };
    }
    peak.heapMiB = Math.max(peak.heapMiB, mib(memory.heapUsed));
    this.peaks.set(this.stage, peak);
  }
}

const NAIVE_PROPERTY = 'naive_score';
const NAIVE_PROPERTIES = ['email', 'jobtitle', 'industry', 'numemployees', 'hs_email_open', 'hs_email_click'];
const NAIVE_PACING = `the SDK's own limiter (Bottleneck minTime ${round(BURST_WINDOW_MS / TIER_LIMITS[TIER].burstPer10s, 1)} ms = the documented ${TIER_LIMITS[TIER].burstPer10s} per 10 s, one at a time) and its retries (numberOfApiCallRetries 3)`;

/**
 * Child: the user without leadscore. Every run: `crm.contacts.getAll()` of every contact, a score from its
 * properties, and `batchApi.update` of every contact, 100 a call. Paced by the SDK's own limiter at the
 * documented burst rate, so it should not 429; any 429 it still gets is counted (and retried by the SDK).
 */
async function naiveChild(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { phase: { type: 'string' }, 'base-url': { type: 'string' }, out: { type: 'string' } },
  });
  // Calls and 429s are read from the sandbox's request log: SDK v13 applies `middleware` from the Client config
  // only to calls that pass per-call options, so it cannot count getAll's pages.
  const client = new Client({
    accessToken: required(process.env[TOKEN_ENV], TOKEN_ENV),
    basePath: required(values['base-url'], 'base-url'),
    limiterOptions: { minTime: BURST_WINDOW_MS / TIER_LIMITS[TIER].burstPer10s, maxConcurrent: 1 },
    numberOfApiCallRetries: 3,
  });
  const started = performance.now();
  if (values.phase === 'initial') {
    try {
      await client.crm.properties.coreApi.create('contacts', {
        name: NAIVE_PROPERTY,
        label: 'Naive score',
        type: 'number' as never,
        fieldType: 'number' as never,
        groupName: 'contactinformation',
      });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }
  const contacts = await client.crm.contacts.getAll(PAGE_SIZES.list, undefined, NAIVE_PROPERTIES);
  let written = 0;
  for (let start = 0; start < contacts.length; start += PAGE_SIZES.batch) {
    const inputs = contacts.slice(start, start + PAGE_SIZES.batch).map((contact) => ({
      id: contact.id,
      properties: { [NAIVE_PROPERTY]: String(naiveScore(contact.properties)) },
    }));
    const result = await client.crm.contacts.batchApi.update({ inputs });
    written += result.results.length;
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const run: NaiveRun = {
    calls: 0,
    sandboxCalls: 0,
    searchCalls: 0,
    rateLimited: 0,
    byEndpoint: {},
    wallSeconds: round(wallSeconds),
    rateBoundSeconds: 0,
    peakRssMiB: peakRssMiB(),
    contacts: contacts.length,
    written,
  };
  writeFileSync(required(values.out, 'out'), JSON.stringify(run));
}

function naiveScore(properties: Record<string, string | null>): number {
  let score = 0;
  if (/\b(ceo|cto|chief|founder|vp|head of|director)\b/i.test(properties.jobtitle ?? '')) score += 20;
  if (/software|internet|information technology/i.test(properties.industry ?? '')) score += 10;
  score += Math.min(20, 2 * Number(properties.hs_email_click ?? 0) + Number(properties.hs_email_open ?? 0));
  return score;
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new Error(`bench child: --${name} is required`);
  return value;
}

// --- the table -------------------------------------------------------------------------------------------------

export function renderHubSpotBench(result: HubSpotBenchResult): string {
  const { inventory, leadscore, naive, minimum } = result;
  const per1k = (calls: number) => round((calls / inventory.contacts) * 1000, 1);
  const times = (a: number, b: number) => (b === 0 ? '-' : `${round(a / b, 2)}x`);
  const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  const rows: Array<Array<string | number>> = [];
  const runRows = (
    label: string,
    ls: LeadscoreRun,
    min: number,
    nv: NaiveRun | undefined,
    targets: { no429: boolean; within: boolean } | undefined,
  ) => {
    const target = (text: string, ok: boolean | undefined) => (ok === undefined ? '' : `${text} ${mark(ok)}`);
    rows.push(
      [
        label,
        'API calls (sandbox log)',
        `${ls.calls} (${ls.sandboxCalls})`,
        min,
        '',
        nv ? `${nv.calls} (${nv.sandboxCalls})` : '',
        nv ? times(nv.calls, ls.calls) : '',
      ],
      [label, '  of which search', ls.searchCalls, '', '', nv?.searchCalls ?? '', ''],
      [
        label,
        'API calls per 1,000 contacts',
        per1k(ls.calls),
        per1k(min),
        '',
        nv ? per1k(nv.calls) : '',
        nv ? times(nv.calls, ls.calls) : '',
      ],
      [label, '429s received', ls.rateLimited, '', target('0', targets?.no429), nv?.rateLimited ?? '', ''],
      [
        label,
        'wall time (s)',
        ls.wallSeconds,
        ls.rateBoundSeconds,
        '',
        nv?.wallSeconds ?? '',
        nv ? times(nv.wallSeconds, ls.wallSeconds) : '',
      ],
      [
        label,
        'wall time / rate-limit bound',
        `${round(ls.wallSeconds / ls.rateBoundSeconds, 2)}x`,
        '',
        target('<= 1.15x', targets?.within),
        nv ? `${round(nv.wallSeconds / nv.rateBoundSeconds, 2)}x` : '',
        '',
      ],
      [label, 'CPU time, whole child (s)', ls.cpuSeconds, '', '', '', ''],
      [label, 'peak RSS (MiB), own process', ls.peakRssMiB, '', '', nv?.peakRssMiB ?? '', ''],
    );
  };
  runRows('initial', leadscore.initial, minimum.initial, naive.initial, {
    no429: result.targets.initialNo429,
    within: result.targets.initialWithin115,
  });
  runRows('settle (echo)', leadscore.settle, minimum.settle, undefined, undefined);
  runRows('incremental', leadscore.incremental, minimum.incremental, naive.incremental, {
    no429: result.targets.incrementalNo429,
    within: result.targets.incrementalWithin115,
  });
  rows.push([
    'all',
    'peak RSS (MiB), own process',
    leadscore.peakRssMiB,
    '',
    `< 300 ${mark(result.targets.peakRssUnder300MiB)}`,
    naive.peakRssMiB,
    '',
  ]);
  const table = renderTable(
    ['run', 'measure', 'leadscore', 'minimum / bound', 'target', 'naive SDK', 'naive / leadscore'],
    rows,
    ['left', 'left', 'right', 'right', 'left', 'right', 'right'],
  );
  const stageRows: Array<Array<string | number>> = [];
  for (const [label, run] of [
    ['initial', leadscore.initial],
    ['settle (echo)', leadscore.settle],
    ['incremental', leadscore.incremental],
  ] as const) {
    for (const [stage, measure] of Object.entries(run.stages)) {
      stageRows.push([
        label,
        stage,
        measure.wallSeconds,
        measure.cpuSeconds,
        measure.peakRssMiB,
        measure.peakHeapMiB,
      ]);
    }
  }
  const stageTable = renderTable(
    ['run', 'stage', 'wall (s)', 'CPU (s)', 'peak RSS (MiB)', 'peak heap (MiB)'],
    stageRows,
    ['left', 'left', 'right', 'right', 'right', 'right'],
  );
  const forms = inventory.formSubmissions.reduce((sum, n) => sum + n, 0);
  const { initial, settle, incremental } = leadscore;
  return [
    `HubSpot sandbox, ${result.tier} tier (${TIER_LIMITS[result.tier].burstPer10s} per 10 s, search ${SEARCH_PER_SECOND}/s; leadscore paces at ${result.safetyMargin} of them):`,
    `  ${inventory.contacts} contacts, ${inventory.events} events (${inventory.emailEvents} email, ${forms} form submissions, ${inventory.meetings} meetings, ${inventory.calls} calls readable; ${inventory.pageViews} page views are rollups only below Enterprise)`,
    `  initial: pulled ${initial.pulledRecords} records and ${initial.pulledEvents} events, wrote ${initial.written}`,
    `  settle, ${result.runGapMinutes} min later: the first incremental run reads the initial write-back's echo (HubSpot bumps lastmodifieddate on our own writes): read ${settle.pulledRecords} records, ${settle.echoRecords} of them changed only by our write (not stored, not rescored); rescored ${settle.scored}, wrote ${settle.written}; write-back plan ${settle.plan ?? '?'}, ${settle.planScoresRead ?? '?'} score rows read`,
    `  incremental, ${result.runGapMinutes} min later, after ${result.changedContacts} contacts changed (job title + an email click): read ${incremental.pulledRecords} records (${incremental.echoRecords} only our own echo) and ${incremental.pulledEvents} events, rescored ${incremental.scored}, ${incremental.scoresChanged} scores changed, wrote ${incremental.written} (write-back plan ${incremental.plan ?? '?'}, ${incremental.planScoresRead ?? '?'} score rows read; the next run reads their echo: ${Math.ceil(incremental.written / PAGE_SIZES.search)} more search calls); write-back read back: ${result.writeBackVerified ? 'yes' : 'NO'}`,
    `  minimum: initial = ${minimum.formula.initial}`,
    `           settle = ${minimum.formula.settle}`,
    `           incremental = ${minimum.formula.incremental}`,
    `  bound = max(standard calls / ${BURST_PER_SECOND}/s, search calls / ${SEARCH_PER_SECOND}/s) (search is exempt from the 10 s burst bucket, so the lanes are independent); naive: ${naive.pacing}`,
    ...(incremental.calls < TIER_LIMITS[result.tier].burstPer10s
      ? [
          '  (a run of fewer calls than one 10 s burst is bound by latency, not by the rate limit: read its ratio with that in mind)',
        ]
      : []),
    table,
    '',
    'leadscore per stage (CPU = this process only; the sandbox runs in its own process):',
    stageTable,
  ].join('\n');
}

// --- child entry ---------------------------------------------------------------------------------------------------

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [role, ...rest] = process.argv.slice(2);
  const roles: Record<string, (argv: string[]) => Promise<void>> = {
    sandbox: sandboxChild,
    leadscore: leadscoreChild,
    naive: naiveChild,
  };
  const child = roles[role ?? ''];
  if (child && role !== 'sandbox') {
    // A run that cannot finish (e.g. a search walk chasing records modified during it) fails instead of hanging.
    setTimeout(() => {
      process.stderr.write(`bench child "${role}" gave up after ${CHILD_DEADLINE_MS / 60_000} minutes\n`);
      process.exit(3);
    }, CHILD_DEADLINE_MS).unref();
  }
  if (!child) {
    process.stderr.write('usage: bench/hubspot.ts sandbox|leadscore|naive ... (run by `npm run bench`)\n');
    process.exit(2);
  }
  child(rest).then(
    // The sandbox stays up until the orchestrator stops it; the other children are done.
    () => role !== 'sandbox' && process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
