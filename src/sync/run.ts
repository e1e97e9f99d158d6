import type { Logger } from 'pino';
import type { CrmReader, CrmWriter } from '../crm/ports.js';
import { type HandoffStep, type HandoffStepStats, runHandoffStep } from '../handoff/index.js';
import type { RuleSet } from '../scoring/rules-schema.js';
import type { Store } from '../store/index.js';
import { type PullStats, pullAll } from './pull.js';
import { type RescoreStats, rescore } from './rescore.js';
import {
  type DrainStats,
  drainOutbox,
  type EnqueueStats,
  enqueueChangedScores,
  type WriteBackSettings,
  writeFieldsFor,
} from './writeback.js';

/** The CRM fields leadscore writes, so the pull can tell their echo from someone else's edit. */
function ownFieldNames(settings: WriteBackSettings): string[] {
  return writeFieldsFor(settings.fields).map((field) => field.name);
}

export type SyncStage = 'pull' | 'score' | 'fields' | 'enqueue' | 'write';

export interface StageTiming {
  wallMs: number;
  /** This process's CPU time (user + system) during the stage: what is not waiting on the CRM. */
  cpuMs: number;
}

export interface SyncOptions {
  store: Store;
  reader: CrmReader;
  writer?: CrmWriter;
  rules: RuleSet;
  writeBack?: WriteBackSettings;
  mode: 'incremental' | 'full';
  asOf: number;
  now?: () => number;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
  /** The hand-off at the threshold (src/handoff), run after write-back. */
  handoff?: HandoffStep;
  /** Called as each stage starts (the benchmark samples memory per stage). */
  onStage?: (stage: SyncStage) => void;
  /** The CRM client's cumulative call counters; the run stores what it added (calls and 429s). */
  apiCounters?: () => ApiUsage;
}

export interface ApiUsage {
  calls: number;
  rateLimited: number;
}

export interface SyncStats {
  runId: number;
  pull: PullStats;
  scoring: RescoreStats;
  enqueue?: EnqueueStats;
  writeBack?: DrainStats;
  fieldsCreated?: string[];
  handoff?: HandoffStepStats;
  durationMs: number;
  /** Wall and CPU time per stage, in the order run. */
  stages: Partial<Record<SyncStage, StageTiming>>;
  /** CRM API calls and 429 answers during this run (with `apiCounters`). */
  apiCalls?: number;
  rateLimited?: number;
}

/** What the counters grew by since `before` (they are per process, so a run stores the difference). */
function apiUsageSince(counters: (() => ApiUsage) | undefined, before: ApiUsage | undefined) {
  if (!counters || !before) return {};
  const after = counters();
  return { apiCalls: after.calls - before.calls, rateLimited: after.rateLimited - before.rateLimited };
}

/** One sync run: pull -> score what changed -> write back what changed. Recorded in the runs table. */
export async function runSync(options: SyncOptions): Promise<SyncStats> {
  const { store, reader, writer, logger } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const stages: SyncStats['stages'] = {};
  const timed = async <T>(stage: SyncStage, work: () => T | Promise<T>): Promise<T> => {
    options.onStage?.(stage);
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    try {
      return await work();
    } finally {
      const cpu = process.cpuUsage(cpuStart);
      stages[stage] = {
        wallMs: Math.round(performance.now() - wallStart),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      };
    }
  };
  const runId = store.startRun(options.mode === 'full' ? 'full-sync' : 'sync', reader.source, started);
  const before = options.apiCounters ? { ...options.apiCounters() } : undefined;
  try {
    const pull = await timed('pull', () =>
      pullAll(store, reader, {
        mode: options.mode,
        now,
        ...(logger ? { logger } : {}),
        ...(writer && options.writeBack ? { ownFields: ownFieldNames(options.writeBack) } : {}),
      }),
    );
    logger?.info({ runId, ...pull }, 'pull finished');
    const scoring = await timed('score', () =>
      rescore(store, options.rules, { mode: 'changed', asOf: options.asOf, now: now() }),
    );
    logger?.info({ runId, records: scoring.records, changed: scoring.changed }, 'scoring finished');
    const stats: SyncStats = { runId, pull, scoring, durationMs: 0, stages };
    const writeBack = options.writeBack;
    if (writer && writeBack) {
      const fields = await timed('fields', () => writer.ensureFields(writeFieldsFor(writeBack.fields)));
      stats.fieldsCreated = fields.created;
      stats.enqueue = await timed('enqueue', () =>
        enqueueChangedScores(store, reader.source, writeBack, now(), logger),
      );
      stats.writeBack = await timed('write', () =>
        drainOutbox(store, writer, {
          now,
          ...(options.sleep ? { sleep: options.sleep } : {}),
          ...(logger ? { logger } : {}),
          ...(writeBack.maxAttempts ? { maxAttempts: writeBack.maxAttempts } : {}),
        }),
      );
      logger?.info({ runId, ...stats.enqueue, ...stats.writeBack }, 'write-back finished');
    }
    if (options.handoff) {
      const sleep = options.sleep ? { sleep: options.sleep } : {};
      stats.handoff = await runHandoffStep(store, options.handoff, {
        now,
        ...sleep,
        ...(logger ? { logger } : {}),
      });
    }
    stats.durationMs = now() - started;
    Object.assign(stats, apiUsageSince(options.apiCounters, before));
    store.finishRun(runId, { status: 'succeeded', stats, at: now() });
    return stats;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const usage = apiUsageSince(options.apiCounters, before);
    store.finishRun(runId, { status: 'failed', stats: usage, error: message, at: now() });
    throw error;
  }
}
