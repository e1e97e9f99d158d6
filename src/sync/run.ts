import type { Logger } from 'pino';
import type { CrmReader, CrmWriter } from '../crm/ports.js';
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
}

export interface SyncStats {
  runId: number;
  pull: PullStats;
  scoring: RescoreStats;
  enqueue?: EnqueueStats;
  writeBack?: DrainStats;
  fieldsCreated?: string[];
  durationMs: number;
}

/** One sync run: pull -> score what changed -> write back what changed. Recorded in the runs table. */
export async function runSync(options: SyncOptions): Promise<SyncStats> {
  const { store, reader, writer, logger } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const runId = store.startRun(options.mode === 'full' ? 'full-sync' : 'sync', reader.source, started);
  try {
    const pull = await pullAll(store, reader, { mode: options.mode, now, ...(logger ? { logger } : {}) });
    logger?.info({ runId, ...pull }, 'pull finished');
    const scoring = rescore(store, options.rules, { mode: 'changed', asOf: options.asOf, now: now() });
    logger?.info({ runId, records: scoring.records, changed: scoring.changed }, 'scoring finished');
    const stats: SyncStats = { runId, pull, scoring, durationMs: 0 };
    if (writer && options.writeBack) {
      const fields = await writer.ensureFields(writeFieldsFor(options.writeBack.fields));
      stats.fieldsCreated = fields.created;
      stats.enqueue = enqueueChangedScores(store, reader.source, options.writeBack, now(), logger);
      stats.writeBack = await drainOutbox(store, writer, {
        now,
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(logger ? { logger } : {}),
        ...(options.writeBack.maxAttempts ? { maxAttempts: options.writeBack.maxAttempts } : {}),
      });
      logger?.info({ runId, ...stats.enqueue, ...stats.writeBack }, 'write-back finished');
    }
    stats.durationMs = now() - started;
    store.finishRun(runId, { status: 'succeeded', stats, at: now() });
    return stats;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    store.finishRun(runId, { status: 'failed', stats: {}, error: message, at: now() });
    throw error;
  }
}
