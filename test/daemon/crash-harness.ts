import { rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import { seededRandom } from '../../src/util/random.js';
import { type CliProcess, readDb, startDaemon, type Workspace, workspace } from './helpers.js';

/**
 * Crash runs for issue #5: a real `leadscore daemon` child process syncing with an in-process HubSpot sandbox is
 * killed with SIGKILL at a seeded random point of its first run (during the pull, the scoring or the
 * write-back), then started again. Its end state is compared with an uninterrupted run against a fresh sandbox
 * of the same data: records, events, scores, ledger, outbox and the leadscore properties in the CRM, without
 * the wall-clock fields (when a row was written locally, when the CRM last modified a contact).
 *
 * Shared by test/daemon/crash.test.ts (a few runs in CI) and scripts/fault-runs.ts (the full 20).
 */

export type Stage = 'pull' | 'scoring' | 'write-back';
export const STAGES: readonly Stage[] = ['pull', 'scoring', 'write-back'];

export interface CrashOptions {
  /** Sandbox data: the same for the reference and every crash run. */
  dataSeed: number;
  contacts: number;
  eventsPerContact: number;
}

export const DEFAULT_CRASH_OPTIONS: CrashOptions = { dataSeed: 7, contacts: 250, eventsPerContact: 6 };

/** Every second: a daemon run follows the last as soon as it ends. Reconcile never comes during a test. */
const SCHEDULE = { incremental: '* * * * * *', reconcile: '0 0 1 1 *' };

/** The durable state, keyed by external ids (local row ids and sequence numbers depend on insertion order). */
export interface Snapshot {
  records: Record<string, unknown>;
  events: Record<string, unknown>;
  scores: Record<string, unknown>;
  ledger: Record<string, unknown[]>;
  /** The latest outbox row per record: status and payload. */
  outbox: Record<string, unknown>;
  /** leadscore_* property values per contact in the sandbox. */
  crm: Record<string, Record<string, string | null>>;
  /** How many times each contact's leadscore_score was written through the API (the sandbox's history). */
  writes: Record<string, number>;
}

/** Columns and properties that hold wall-clock times of this run rather than content. */
const WALL_CLOCK_COLUMNS = new Set(['id', 'created_at', 'updated_at', 'crm_updated_at', 'dirty']);
const WALL_CLOCK_PROPERTIES = /^(lastmodifieddate|hs_lastmodifieddate|leadscore_updated_at)$/;
/** leadscore_updated_at (the score's "changed at") is a wall-clock time; the other leadscore_* are content. */
const WALL_CLOCK_WRITE_FIELD = 'leadscore_updated_at';

function withoutWallClock(value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith('{')) {
    const parsed = JSON.parse(value) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(parsed)
        .filter(([key]) => !WALL_CLOCK_PROPERTIES.test(key))
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  }
  return value;
}

function contentOf(row: Record<string, unknown>, drop: readonly string[] = []): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row)
      .filter(([key]) => !WALL_CLOCK_COLUMNS.has(key) && !drop.includes(key))
      .map(([key, value]) => [key, withoutWallClock(value)]),
  );
}

function dbSnapshot(db: Database.Database): Omit<Snapshot, 'crm' | 'writes'> {
  const externalOf = new Map(
    (
      db.prepare('SELECT id, external_id FROM records').all() as Array<{ id: number; external_id: string }>
    ).map((row) => [row.id, row.external_id]),
  );
  const sourceIdOf = new Map(
    (db.prepare('SELECT seq, source_id FROM events').all() as Array<{ seq: number; source_id: string }>).map(
      (row) => [row.seq, row.source_id],
    ),
  );
  const ext = (id: unknown) => (id === null ? null : (externalOf.get(id as number) ?? `?${String(id)}`));
  const records: Record<string, unknown> = {};
  for (const row of db.prepare('SELECT * FROM records').all() as Array<Record<string, unknown>>) {
    records[row.external_id as string] = { ...contentOf(row), merged_into: ext(row.merged_into) };
  }
  const events: Record<string, unknown> = {};
  for (const row of db.prepare('SELECT * FROM events').all() as Array<Record<string, unknown>>) {
    events[row.source_id as string] = { ...contentOf(row, ['seq']), record_id: ext(row.record_id) };
  }
  const scores: Record<string, unknown> = {};
  for (const row of db.prepare('SELECT * FROM scores').all() as Array<Record<string, unknown>>) {
    scores[ext(row.record_id) as string] = {
      ...contentOf(row, ['record_id', 'computed_at', 'changed_at', 'events_seq']),
      // The last event the score saw, by its CRM id: local sequence numbers follow insertion order.
      last_event: sourceIdOf.get(row.events_seq as number) ?? null,
    };
  }
  const ledger: Record<string, unknown[]> = {};
  for (const row of db.prepare('SELECT * FROM score_ledger ORDER BY record_id, id').all() as Array<
    Record<string, unknown>
  >) {
    const key = ext(row.record_id) as string;
    ledger[key] ??= [];
    ledger[key].push(contentOf(row, ['record_id', 'at']));
  }
  const outbox: Record<string, unknown> = {};
  for (const row of db.prepare('SELECT * FROM outbox ORDER BY id').all() as Array<Record<string, unknown>>) {
    outbox[ext(row.record_id) as string] = {
      target: row.target,
      status: row.status,
      payload: withoutWallClock(row.payload),
    };
  }
  return { records, events, scores, ledger, outbox };
}

function crmSnapshot(sandbox: HubSpotSandbox): Pick<Snapshot, 'crm' | 'writes'> {
  const { store } = sandbox.state;
  const crm: Snapshot['crm'] = {};
  const writes: Snapshot['writes'] = {};
  for (let row = 0; row < store.rowCount; row++) {
    const id = store.idOf(row);
    const values = Object.entries(store.allValues(row)).filter(
      ([name]) => name.startsWith('leadscore_') && name !== WALL_CLOCK_WRITE_FIELD,
    );
    crm[id] = Object.fromEntries(values);
    writes[id] = store.historyOf(row, 'leadscore_score').filter((h) => h.sourceType === 'INTEGRATION').length;
  }
  return { crm, writes };
}

function snapshot(ws: Workspace, sandbox: HubSpotSandbox): Snapshot {
  return { ...readDb(ws.database, dbSnapshot), ...crmSnapshot(sandbox) };
}

/** What differs between two snapshots, as "part key: field" lines (at most `limit`). */
/** The differing fields of two rows (one level down into objects), or the two values. */
function fieldDiff(left: unknown, right: unknown, path = ''): string {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(left) || !isObject(right) || path.split('.').length > 2)
    return `${path || 'value'} expected ${JSON.stringify(left)} got ${JSON.stringify(right)}`;
  const out: string[] = [];
  for (const key of new Set([...Object.keys(left), ...Object.keys(right)]))
    if (JSON.stringify(left[key]) !== JSON.stringify(right[key]))
      out.push(fieldDiff(left[key], right[key], path ? `${path}.${key}` : key));
  return out.join('; ');
}

export function diffSnapshots(expected: Snapshot, actual: Snapshot, limit = 20): string[] {
  const diffs: string[] = [];
  const parts = ['records', 'events', 'scores', 'ledger', 'outbox', 'crm'] as const;
  for (const part of parts) {
    const a = expected[part] as Record<string, unknown>;
    const b = actual[part] as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const left = JSON.stringify(a[key]);
      const right = JSON.stringify(b[key]);
      if (left !== right) diffs.push(`${part} ${key}: ${fieldDiff(a[key], b[key])}`.slice(0, 400));
      if (diffs.length >= limit) return diffs;
    }
  }
  return diffs;
}

interface StageTimes {
  runStartedAt: number;
  pages: number;
  pullMs: number;
  scoringMs: number;
  writeBackMs: number;
}

function logTime(daemon: CliProcess, message: string, nth = 1): number {
  const lines = daemon.logs.filter((line) => line.msg === message);
  const line = lines[nth - 1];
  if (!line) throw new Error(`no log line "${message}" #${nth}`);
  return Date.parse(line.time as string);
}

/** Runs the daemon until `count` runs finished, then stops it with SIGTERM (graceful: lease released). */
async function runUntilFinished(daemon: CliProcess, count: number, timeoutMs: number): Promise<void> {
  await daemon.waitFor(() => daemon.count(/^run finished$/) >= count, `${count} finished runs`, timeoutMs);
  daemon.kill('SIGTERM');
  const exit = await daemon.exited;
  if (exit.code !== 0)
    throw new Error(`daemon exited ${JSON.stringify(exit)}:\n${daemon.stderr.slice(-3000)}`);
}

export interface Reference {
  snapshot: Snapshot;
  times: StageTimes;
}

async function withSandbox<T>(
  options: CrashOptions,
  fn: (sandbox: HubSpotSandbox) => Promise<T>,
): Promise<T> {
  const sandbox = await startHubSpotSandbox({
    port: 0,
    seed: options.dataSeed,
    contacts: options.contacts,
    eventsPerContact: options.eventsPerContact,
    tier: 'professional',
  });
  try {
    return await fn(sandbox);
  } finally {
    await sandbox.close();
  }
}

/**
 * The uninterrupted run: two daemon runs (the second pulls back the contacts the first wrote to, as every
 * later run would), and how long each stage of the first took, to aim the kills.
 */
export async function referenceRun(options: CrashOptions = DEFAULT_CRASH_OPTIONS): Promise<Reference> {
  return withSandbox(options, async (sandbox) => {
    const ws = workspace(sandbox, SCHEDULE);
    try {
      const daemon = startDaemon(ws, { HUBSPOT_TOKEN: sandbox.token });
      await runUntilFinished(daemon, 2, 120_000);
      const started = logTime(daemon, 'run started');
      const pulled = logTime(daemon, 'pull finished');
      const scored = logTime(daemon, 'scoring finished');
      const written = logTime(daemon, 'write-back finished');
      const firstEnd = logTime(daemon, 'run finished');
      const pages = daemon.logs.filter(
        (line) => line.msg === 'page saved' && Date.parse(line.time as string) <= pulled,
      ).length;
      return {
        snapshot: snapshot(ws, sandbox),
        times: {
          runStartedAt: started,
          pages,
          pullMs: pulled - started,
          scoringMs: scored - pulled,
          writeBackMs: Math.max(written, firstEnd) - scored,
        },
      };
    } finally {
      rmSync(ws.dir, { recursive: true, force: true });
    }
  });
}

export interface CrashResult {
  seed: number;
  /** Where the kill was aimed. */
  aimed: Stage;
  /** How: after a page or a delay, or the moment a write-back batch reached the CRM (its answer lost). */
  trigger: 'page' | 'delay' | 'batch-arrival';
  /** Where it landed, read from the database the killed process left. */
  landed: Stage | 'after the run';
  /** ms after the aimed stage's start. */
  killDelayMs: number;
  diffs: string[];
  eventsLost: number;
  scoresLost: number;
  /** API writes of leadscore_score beyond the uninterrupted run's, summed over contacts. */
  duplicateWrites: number;
  /** The most times one contact's score was written beyond the uninterrupted run. */
  maxExtraWritesPerRecord: number;
  /** The run the killed process left 'running' was marked interrupted by the restarted daemon. */
  interruptedMarked: boolean;
  wallMs: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Where the first run was when the process died, from what it committed. */
function landedStage(ws: Workspace): CrashResult['landed'] {
  return readDb(ws.database, (db) => {
    const running = db.prepare("SELECT count(*) AS n FROM runs WHERE status = 'running'").get() as {
      n: number;
    };
    if (running.n === 0) return 'after the run';
    const outbox = db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number };
    if (outbox.n > 0) return 'write-back';
    const scores = db.prepare('SELECT count(*) AS n FROM scores').get() as { n: number };
    // Scores commit in one transaction with the ledger; scored but nothing queued: still before the sends.
    if (scores.n > 0) return 'write-back';
    const pending = db.prepare('SELECT count(*) AS n FROM records').get() as { n: number };
    const streams = db.prepare('SELECT count(*) AS n FROM cursors').get() as { n: number };
    return pending.n > 0 && streams.n >= 2 ? 'scoring' : 'pull';
  });
}

/** Waits until the daemon logs `message`, then `delayMs` more; resolves false if the run ended first. */
async function aimAt(daemon: CliProcess, message: string, nth: number, delayMs: number): Promise<void> {
  await daemon.waitFor(
    () => daemon.count(new RegExp(`^${message}$`)) >= nth,
    `"${message}" #${nth}`,
    120_000,
  );
  if (delayMs > 0) await sleep(delayMs);
}

const BATCH_UPDATE = 'POST /crm/v3/objects/contacts/batch/update';

/**
 * One seeded crash run: kill at a random point of the first run's `aimed` stage, restart, let it finish,
 * compare with the reference.
 */
export async function crashRun(
  seed: number,
  aimed: Stage,
  reference: Reference,
  options: CrashOptions = DEFAULT_CRASH_OPTIONS,
): Promise<CrashResult> {
  const random = seededRandom(seed * 7919 + 13);
  const { times } = reference;
  const began = Date.now();
  return withSandbox(options, async (sandbox) => {
    const ws = workspace(sandbox, SCHEDULE);
    const env = { HUBSPOT_TOKEN: sandbox.token };
    try {
      const victim = startDaemon(ws, env);
      let killDelayMs = 0;
      let trigger: CrashResult['trigger'] = 'delay';
      if (aimed === 'pull') {
        // After a random page of the first run's pull (the page count comes from the reference run).
        const page = 1 + Math.floor(random() * Math.max(1, times.pages - 1));
        trigger = 'page';
        await aimAt(victim, 'page saved', page, 0);
        killDelayMs = page;
      } else if (aimed === 'scoring') {
        killDelayMs = Math.floor(random() * Math.max(1, times.scoringMs));
        await aimAt(victim, 'pull finished', 1, killDelayMs);
      } else if (random() < 0.5) {
        killDelayMs = Math.floor(random() * Math.max(1, times.writeBackMs * 0.9));
        await aimAt(victim, 'scoring finished', 1, killDelayMs);
      } else {
        // The worst case for duplicates: the CRM applied a batch, and the process dies before it reads the
        // answer and marks the rows sent. The sandbox shares this process, so its request log can pull the
        // trigger the moment it has answered.
        trigger = 'batch-arrival';
        await new Promise<void>((resolve) => {
          const log = sandbox.requestLog;
          const add = log.add.bind(log);
          log.add = (entry) => {
            add(entry);
            if (entry.endpoint === BATCH_UPDATE && entry.status < 300) {
              victim.kill('SIGKILL');
              log.add = add;
              resolve();
            }
          };
          void victim.exited.then(() => resolve());
        });
      }
      victim.kill('SIGKILL');
      await victim.exited;
      const landed = landedStage(ws);

      // The restarted daemon waits for the dead one's lease to expire, takes it over and resumes.
      const restarted = startDaemon(ws, env);
      await runUntilFinished(restarted, 2, 120_000);
      const interruptedMarked =
        landed === 'after the run' ||
        restarted.count('marked runs a stopped process left running as interrupted') === 1;
      const actual = snapshot(ws, sandbox);
      const expected = reference.snapshot;
      let duplicateWrites = 0;
      let maxExtra = 0;
      for (const [id, count] of Object.entries(actual.writes)) {
        const extra = count - (expected.writes[id] ?? 0);
        if (extra > 0) duplicateWrites += extra;
        maxExtra = Math.max(maxExtra, extra);
      }
      return {
        seed,
        aimed,
        trigger,
        landed,
        killDelayMs,
        diffs: diffSnapshots(expected, actual),
        eventsLost: Object.keys(expected.events).filter((id) => !(id in actual.events)).length,
        scoresLost: Object.keys(expected.scores).filter((id) => !(id in actual.scores)).length,
        duplicateWrites,
        maxExtraWritesPerRecord: maxExtra,
        interruptedMarked,
        wallMs: Date.now() - began,
      };
    } finally {
      rmSync(ws.dir, { recursive: true, force: true });
    }
  });
}

/**
 * The most a crash may write twice: the issue allows the idempotent retry of one batch (HubSpot's batch update
 * limit is 100). Writes a killed process had in flight are read back from the CRM before they are sent again
 * (drainOutbox's crash check), so in practice the count is 0.
 */
export const HUBSPOT_BATCH = 100;

export interface CrashSummary {
  runs: number;
  survived: number;
  byStage: Record<string, number>;
  eventsLost: number;
  scoresLost: number;
  duplicateWrites: number;
  maxDuplicatesInOneRun: number;
  failures: string[];
}

/** A run survived when its end state equals the reference, nothing was lost and no write repeated twice. */
export function problemsOf(result: CrashResult): string[] {
  const problems = [...result.diffs];
  if (result.eventsLost > 0) problems.push(`${result.eventsLost} events lost`);
  if (result.scoresLost > 0) problems.push(`${result.scoresLost} scores lost`);
  if (result.maxExtraWritesPerRecord > 1) {
    problems.push(`a record was written ${result.maxExtraWritesPerRecord} extra times`);
  }
  if (result.duplicateWrites > HUBSPOT_BATCH) {
    problems.push(`${result.duplicateWrites} duplicate writes: more than one retried batch`);
  }
  if (!result.interruptedMarked) problems.push('the killed run was not marked interrupted');
  return problems;
}

export function summarize(results: readonly CrashResult[]): CrashSummary {
  const failures = results.flatMap((result) =>
    problemsOf(result).map((problem) => `seed ${result.seed} (${result.aimed}): ${problem}`),
  );
  const byStage: Record<string, number> = {};
  for (const result of results) byStage[result.landed] = (byStage[result.landed] ?? 0) + 1;
  return {
    runs: results.length,
    survived: results.filter((result) => problemsOf(result).length === 0).length,
    byStage,
    eventsLost: results.reduce((sum, result) => sum + result.eventsLost, 0),
    scoresLost: results.reduce((sum, result) => sum + result.scoresLost, 0),
    duplicateWrites: results.reduce((sum, result) => sum + result.duplicateWrites, 0),
    maxDuplicatesInOneRun: Math.max(0, ...results.map((result) => result.duplicateWrites)),
    failures,
  };
}

/** Run `count` crash runs from `firstSeed`, the aimed stage taking turns so every stage is hit. */
export async function crashRuns(
  count: number,
  firstSeed: number,
  options: CrashOptions = DEFAULT_CRASH_OPTIONS,
  onResult: (result: CrashResult) => void = () => {},
): Promise<{ reference: Reference; results: CrashResult[] }> {
  const reference = await referenceRun(options);
  const results: CrashResult[] = [];
  for (let index = 0; index < count; index++) {
    const result = await crashRun(
      firstSeed + index,
      STAGES[index % STAGES.length] as Stage,
      reference,
      options,
    );
    results.push(result);
    onResult(result);
  }
  return { reference, results };
}
