import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import {
  type CrmWriter,
  RateLimitedError,
  type RecordWrite,
  type WriteField,
  type WriteValue,
} from '../crm/ports.js';
import { type BandBlend, blendBand } from '../model/blend.js';
import { refreshLikelihoods } from '../model/likelihood.js';
import { openModelRegistry } from '../model/registry.js';
import type { Store } from '../store/index.js';
import type { WriteBackRow } from '../store/scores.js';
import { chunk } from '../util/chunk.js';

/**
 * The one write-back engine: diff -> outbox -> batch -> send -> check every record was answered ->
 * retry or park. Each CRM supplies only a CrmWriter. Scores change the CRM only where a written value changes.
 */

export interface WriteBackFields {
  score: string;
  band: string;
  fit: string;
  engagement: string;
  reasons: string;
  stage: string;
  updatedAt: string;
  /** The predictive model's likelihood (0-100): written only when named and a model is active. */
  likelihood?: string;
}

export interface WriteBackSettings {
  fields: WriteBackFields;
  /**
   * Record id -> likelihood (0-100) to write under `fields.likelihood`. When the field is named and this is
   * absent, enqueueChangedScores computes it from the active model (none active: the field is left out).
   */
  likelihoods?: ReadonlyMap<number, number>;
  /** config `model.blend`: how the likelihood may move the band written (absent: the rules' band as is). */
  blend?: BandBlend;
  /** What to do when a person changed a written field in the CRM since leadscore wrote it. */
  onHumanOverwrite: 'overwrite' | 'respect';
  maxAttempts?: number;
}

/** The CRM fields leadscore writes, for `ensureFields`. */
export function writeFieldsFor(fields: WriteBackFields): WriteField[] {
  const likelihood: WriteField[] =
    fields.likelihood === undefined
      ? []
      : [
          {
            name: fields.likelihood,
            label: 'Lead conversion likelihood',
            type: 'number',
            description: "leadscore: the predictive model's conversion likelihood in percent",
          },
        ];
  return [
    {
      name: fields.score,
      label: 'Lead score',
      type: 'number',
      description: 'leadscore: total score (fit + engagement)',
    },
    {
      name: fields.band,
      label: 'Lead score band',
      type: 'string',
      description: 'leadscore: fit letter A-D and engagement digit 1-3',
    },
    { name: fields.fit, label: 'Lead fit score', type: 'number', description: 'leadscore: fit sub-score' },
    {
      name: fields.engagement,
      label: 'Lead engagement score',
      type: 'number',
      description: 'leadscore: engagement sub-score',
    },
    {
      name: fields.reasons,
      label: 'Lead score reasons',
      type: 'text',
      description: 'leadscore: the top reasons for the score',
    },
    {
      name: fields.stage,
      label: 'Lead score stage',
      type: 'string',
      description: 'leadscore: the stage reached, e.g. MQL or SQL',
    },
    {
      name: fields.updatedAt,
      label: 'Lead score changed at',
      type: 'datetime',
      description: 'leadscore: when the score last changed',
    },
    ...likelihood,
  ];
}

export interface ScoreForWrite {
  score: number;
  fit: number;
  engagement: number;
  band: string;
  stage: string | null;
  reasonsText: string;
  /** When the score last changed (not when it was last computed), so a rerun writes nothing. */
  changedAt: number;
  /** The model's likelihood in whole percent, when a model is active. */
  likelihood?: number;
}

export function payloadFor(score: ScoreForWrite, fields: WriteBackFields): Record<string, WriteValue> {
  const payload: Record<string, WriteValue> = {
    [fields.score]: score.score,
    [fields.band]: score.band,
    [fields.fit]: score.fit,
    [fields.engagement]: score.engagement,
    [fields.reasons]: score.reasonsText,
    [fields.stage]: score.stage ?? '',
    [fields.updatedAt]: new Date(score.changedAt).toISOString(),
  };
  if (fields.likelihood !== undefined && score.likelihood !== undefined)
    payload[fields.likelihood] = score.likelihood;
  return payload;
}

/** CRMs hand values back as strings: compare as the CRM would store them. */
export function sameCrmValue(a: unknown, b: unknown): boolean {
  const normalise = (value: unknown) => {
    if (value === null || value === undefined || value === '') return '';
    const text = String(value);
    const number = Number(text);
    if (text.trim() !== '' && Number.isFinite(number)) return String(number);
    const time = /^\d{4}-\d\d-\d\dT/.test(text) ? Date.parse(text) : Number.NaN;
    return Number.isNaN(time) ? text : String(time);
  };
  return normalise(a) === normalise(b);
}

function samePayload(payload: Record<string, WriteValue>, other: Record<string, unknown>): boolean {
  return Object.keys(payload).every((field) => sameCrmValue(payload[field], other[field]));
}

/** One property a write would change, for `sync --dry-run`. */
export interface PlannedChange {
  externalId: string;
  property: string;
  from: string | null;
  to: string | number | boolean | null;
}

/**
 * What `batch` would change, property by property, against the CRM's `current` values; `toCrmValues` turns a
 * payload into the CRM's own property names and value forms. Nothing is written.
 */
export function planChanges(
  batch: readonly RecordWrite[],
  current: ReadonlyMap<string, Readonly<Record<string, unknown>>>,
  toCrmValues: (values: Record<string, WriteValue>) => Record<string, string | number | boolean | null>,
): PlannedChange[] {
  const changes: PlannedChange[] = [];
  for (const write of batch) {
    const before = current.get(write.externalId) ?? {};
    for (const [property, value] of Object.entries(toCrmValues(write.values))) {
      const old = before[property];
      if (sameCrmValue(old, value)) continue;
      changes.push({
        externalId: write.externalId,
        property,
        from: old === null || old === undefined ? null : String(old),
        to: value,
      });
    }
  }
  return changes;
}

/** Renders a dry run's changes, one line per property. */
export function formatPlan(changes: readonly PlannedChange[], noun = 'record'): string {
  if (changes.length === 0) return 'No CRM property would change.';
  const records = new Set(changes.map((change) => change.externalId)).size;
  const lines = changes.map(
    (change) =>
      `${noun} ${change.externalId}: ${change.property} ${change.from === null ? '(empty)' : JSON.stringify(change.from)} -> ${change.to === '' || change.to === null ? '(cleared)' : JSON.stringify(change.to)}`,
  );
  return [
    `${changes.length} propert${changes.length === 1 ? 'y' : 'ies'} on ${records} ${noun}${records === 1 ? '' : 's'} would change:`,
    ...lines,
  ].join('\n');
}

export interface EnqueueStats {
  enqueued: number;
  unchanged: number;
  humanOverwrites: number;
  /** 'full': every scored record was read (first plan, or what shapes a payload changed); else only the changed. */
  plan: 'full' | 'changed';
  /** Score rows read to make the plan. */
  scoresRead: number;
}

export interface PendingWrite {
  recordId: number;
  externalId: string;
  payload: Record<string, WriteValue>;
  /** The record's CRM values as last pulled; a written field not stored (our own value) is the last sent one. */
  crmValues: Readonly<Record<string, unknown>>;
}

/**
 * The writes a sync would make: every scored record of `source` whose payload differs from what leadscore last
 * sent. A field a person changed since the last write (the pulled CRM value differs from what was sent) is
 * reported through `onHumanOverwrite` and, under the 'respect' policy, left alone.
 */
export function* pendingWrites(
  store: Store,
  source: string,
  settings: WriteBackSettings,
  onHumanOverwrite: (externalId: string, fields: string[]) => void,
  /** The score rows to look at (default: every live scored record of `source`). */
  rows: Iterable<WriteBackRow> = store.eachScoreForWriteBack(source),
): Generator<PendingWrite> {
  for (const row of rows) {
    const likelihood = settings.likelihoods?.get(row.recordId);
    const score = blendBand(row.score, likelihood, settings.blend);
    const payload = payloadFor(likelihood === undefined ? score : { ...score, likelihood }, settings.fields);
    const lastSent = store.lastSentPayload(row.recordId, source);
    if (lastSent) {
      const edited = Object.keys(lastSent).filter(
        (field) => field in row.crmValues && !sameCrmValue(row.crmValues[field], lastSent[field]),
      );
      if (edited.length > 0) {
        onHumanOverwrite(row.externalId, edited);
        if (settings.onHumanOverwrite === 'respect') continue;
      }
      if (samePayload(payload, lastSent)) continue;
    }
    const declined = store.lastSkippedPayload(row.recordId, source);
    if (declined && samePayload(payload, declined)) continue;
    // The pull does not store a written field that still held our last value (echo.ts): it holds lastSent.
    const crmValues = lastSent ? { ...lastSent, ...row.crmValues } : row.crmValues;
    yield { recordId: row.recordId, externalId: row.externalId, payload, crmValues };
  }
}

/**
 * The settings with the active model's likelihoods, when the likelihood is written or blended into the band and
 * none were given. No active model: the settings as they are (rule-only). Call outside a store transaction.
 */
export function withLikelihoods(
  store: Store,
  source: string,
  settings: WriteBackSettings,
  now: number,
  logger?: Logger,
): WriteBackSettings {
  if (settings.likelihoods !== undefined) return settings;
  if (settings.fields.likelihood === undefined && settings.blend === undefined) return settings;
  const likelihoods = refreshLikelihoods(store, source, now, (refreshed) =>
    logger?.info({ ...refreshed }, 'likelihoods refreshed'),
  );
  return likelihoods === undefined ? settings : { ...settings, likelihoods };
}

/**
 * What shapes every payload besides the record's own score row and CRM values: the written fields, the
 * human-overwrite policy, the band blend and the likelihoods' origin (the active model, or the map given). When
 * it differs from the last plan's, every scored record is planned again. Reasons text and stage are stored in the
 * score row, so a change to the rules or reasons settings reaches the plan through the rescore.
 */
export function planFingerprint(store: Store, settings: WriteBackSettings): string {
  let likelihoods: unknown = null;
  if (settings.likelihoods !== undefined) {
    likelihoods = [...settings.likelihoods].sort(([a], [b]) => a - b);
  } else if (settings.fields.likelihood !== undefined || settings.blend !== undefined) {
    const registry = openModelRegistry(store);
    try {
      likelihoods = { model: registry.activeModel()?.id ?? null };
    } finally {
      registry.close();
    }
  }
  const shape = {
    fields: settings.fields,
    blend: settings.blend ?? null,
    onHumanOverwrite: settings.onHumanOverwrite,
    likelihoods,
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

/**
 * Puts every pending write in the outbox (replacing an older pending one for the same record). Reads only the
 * score rows changed since the last plan (store migration 8) unless what shapes a payload changed since then.
 */
export function enqueueChangedScores(
  store: Store,
  source: string,
  given: WriteBackSettings,
  now: number,
  logger?: Logger,
): EnqueueStats {
  // Before the transaction: the model registry writes through a connection of its own.
  const fingerprint = planFingerprint(store, given);
  const settings = withLikelihoods(store, source, given, now, logger);
  const full = store.lastWriteBackPlan(source)?.fingerprint !== fingerprint;
  const stats: EnqueueStats = {
    enqueued: 0,
    unchanged: 0,
    humanOverwrites: 0,
    plan: full ? 'full' : 'changed',
    scoresRead: 0,
  };
  store.transaction(() => {
    const rows = full ? store.eachScoreForWriteBack(source) : store.eachScoreToReplan(source);
    const counted = (function* () {
      for (const row of rows) {
        stats.scoresRead++;
        yield row;
      }
    })();
    const onHumanOverwrite = (externalId: string, fields: string[]) => {
      stats.humanOverwrites++;
      logger?.info(
        { record: externalId, fields, policy: settings.onHumanOverwrite },
        'a person changed a written field in the CRM',
      );
    };
    for (const write of pendingWrites(store, source, settings, onHumanOverwrite, counted)) {
      if (store.enqueueWrite(write.recordId, source, write.payload, now)) stats.enqueued++;
      else stats.unchanged++;
    }
    store.finishWriteBackPlan(source, fingerprint, now);
  });
  return stats;
}

export interface DrainStats {
  batches: number;
  written: number;
  failed: number;
  parked: number;
  skipped: number;
  rateLimitWaits: number;
  /** Writes in doubt after a crash that the CRM turned out to hold already: marked sent, not written again. */
  alreadyApplied?: number;
}

export interface DrainOptions {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Stop waiting for rate limits after this point in time; remaining rows stay in the outbox. */
  deadline?: number;
  logger?: Logger;
  maxAttempts?: number;
  /** Batches sent at once (default 4); the connector's pacing keeps the request rate. */
  parallelBatches?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter, 1 s doubling to at most 5 min. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Sends due outbox rows in batches until none are due. */
export async function drainOutbox(
  store: Store,
  writer: CrmWriter,
  options: DrainOptions = {},
): Promise<DrainStats> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const maxAttempts = options.maxAttempts ?? 5;
  // Batches in flight at once: the connector's pacer keeps the rate, this only hides each call's latency.
  const parallel = Math.max(1, options.parallelBatches ?? 4);
  const stats: DrainStats = { batches: 0, written: 0, failed: 0, parked: 0, skipped: 0, rateLimitWaits: 0 };
  await settleInDoubt(store, writer, now(), stats, options.logger);
  for (;;) {
    const due = store.dueWrites(writer.target, now(), writer.maxBatchSize * parallel);
    if (due.length === 0) return stats;
    const batches = chunk(due, writer.maxBatchSize);
    const waits = await Promise.all(
      batches.map((rows) =>
        sendBatch(store, writer, rows, { now, maxAttempts, stats, logger: options.logger }),
      ),
    );
    const retryAt = Math.max(0, ...waits.filter((wait): wait is number => wait !== undefined));
    if (retryAt > 0) {
      if (options.deadline !== undefined && retryAt > options.deadline) return stats;
      await sleep(Math.max(0, retryAt - now()));
    }
  }
}

type OutboxRow = ReturnType<Store['dueWrites']>[number];

/**
 * Writes a crashed process had sent without recording the answer: the CRM may hold them already. Those it does
 * hold are marked sent without a second write; the rest go out as usual. A failed read leaves them to be sent
 * again (an idempotent repeat, never a loss).
 */
async function settleInDoubt(
  store: Store,
  writer: CrmWriter,
  at: number,
  stats: DrainStats,
  logger: Logger | undefined,
): Promise<void> {
  const check = writer.alreadyApplied?.bind(writer);
  for (;;) {
    const rows = store.inDoubtWrites(writer.target, writer.maxBatchSize);
    if (rows.length === 0) return;
    let applied: number[] = [];
    if (check) {
      try {
        applied = await check(
          rows.map((row) => ({ outboxId: row.id, externalId: row.externalId, values: row.payload })),
        );
      } catch (error) {
        logger?.warn(
          { target: writer.target, rows: rows.length, error: (error as Error).message },
          'could not read back writes in doubt after a crash; sending them again',
        );
      }
    }
    const held = new Set(applied);
    store.markSent([...held], at);
    store.clearDispatched(rows.filter((row) => !held.has(row.id)).map((row) => row.id));
    stats.alreadyApplied = (stats.alreadyApplied ?? 0) + held.size;
    logger?.info(
      { target: writer.target, inDoubt: rows.length, alreadyApplied: held.size },
      'writes in doubt after a crash, read back from the CRM',
    );
  }
}

/** Sends one batch and records each row's outcome; returns when to retry if the CRM said to wait. */
async function sendBatch(
  store: Store,
  writer: CrmWriter,
  due: OutboxRow[],
  context: { now: () => number; maxAttempts: number; stats: DrainStats; logger?: Logger | undefined },
): Promise<number | undefined> {
  const { now, maxAttempts, stats } = context;
  const batch: RecordWrite[] = due.map((row) => ({
    outboxId: row.id,
    externalId: row.externalId,
    values: row.payload,
  }));
  stats.batches++;
  store.markDispatched(
    due.map((row) => row.id),
    now(),
  );
  let outcomes: Awaited<ReturnType<CrmWriter['write']>>;
  try {
    outcomes = await writer.write(batch);
  } catch (error) {
    if (error instanceof RateLimitedError) {
      // A rate-limit wait is not a failed attempt.
      stats.rateLimitWaits++;
      for (const row of due) {
        store.markRetry(row.id, { error: error.message, nextAttemptAt: error.retryAt, countAttempt: false });
      }
      return error.retryAt;
    }
    const message = error instanceof Error ? error.message : String(error);
    for (const row of due) retryOrPark(store, row, message, now(), maxAttempts, stats);
    context.logger?.warn(
      { target: writer.target, rows: due.length, error: message },
      'write-back batch failed',
    );
    return undefined;
  }
  const answered = new Map(outcomes.map((outcome) => [outcome.outboxId, outcome]));
  const written: number[] = [];
  for (const row of due) {
    const outcome = answered.get(row.id);
    if (!outcome) {
      retryOrPark(store, row, 'the CRM answered without a result for this record', now(), maxAttempts, stats);
    } else if (outcome.outcome === 'written') {
      written.push(row.id);
    } else if (outcome.outcome === 'skipped') {
      store.skip(row.id, outcome.message, now());
      stats.skipped++;
    } else if (!outcome.retryable) {
      store.park(row.id, outcome.message, now());
      stats.parked++;
    } else {
      retryOrPark(store, row, outcome.message, now(), maxAttempts, stats);
    }
  }
  store.markSent(written, now());
  stats.written += written.length;
  return undefined;
}

function retryOrPark(
  store: Store,
  row: { id: number; attempts: number },
  message: string,
  now: number,
  maxAttempts: number,
  stats: DrainStats,
): void {
  if (row.attempts + 1 >= maxAttempts) {
    store.park(row.id, `${message} (gave up after ${row.attempts + 1} attempts)`, now);
    stats.parked++;
  } else {
    store.markRetry(row.id, {
      error: message,
      nextAttemptAt: now + backoffMs(row.attempts + 1),
      countAttempt: true,
    });
    stats.failed++;
  }
}
