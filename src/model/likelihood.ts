import type { Store } from '../store/index.js';
import { likelihoodFields } from './crm.js';
import type { LeadModel } from './model.js';
import { openModelRegistry } from './registry.js';
import { deserializeModel } from './serialize.js';
import { featureOptions, featureSettingsOf } from './training.js';

/**
 * The active model's likelihood for the scored records of one source, as of each record's score (`asOf`), kept
 * in `model_scores` and recomputed only when the model, the score's asOf or the record's events changed. A
 * change to a record's data alone that moves neither is picked up at the next asOf period (daily by default).
 */

export interface RefreshStats {
  modelId: number;
  computed: number;
  reused: number;
}

/**
 * Returns record id -> likelihood in whole percent (0-100), or undefined when no model is active (scoring is
 * then rule-only and nothing is written for the likelihood). Must run outside a store transaction: it writes
 * through the registry's own connection.
 */
export function refreshLikelihoods(
  store: Store,
  source: string,
  now: number,
  onStats?: (stats: RefreshStats) => void,
): Map<number, number> | undefined {
  const registry = openModelRegistry(store);
  try {
    const active = registry.activeModel();
    if (active === undefined) return undefined;
    let model: LeadModel | undefined;
    const settings = featureSettingsOf(active.summary);
    const options = featureOptions(settings);
    const stored = registry.modelScores();
    const result = new Map<number, number>();
    const stale = new Map<number, Array<{ recordId: number; eventsSeq: number }>>();
    let reused = 0;
    for (const row of store.eachScoreForWriteBack(source)) {
      const known = stored.get(row.recordId);
      if (
        known !== undefined &&
        known.modelId === active.id &&
        known.asOf === row.score.asOf &&
        known.eventsSeq === row.score.eventsSeq
      ) {
        result.set(row.recordId, Math.round(known.likelihood));
        reused++;
        continue;
      }
      const group = stale.get(row.score.asOf) ?? [];
      group.push({ recordId: row.recordId, eventsSeq: row.score.eventsSeq });
      stale.set(row.score.asOf, group);
    }
    let computed = 0;
    for (const [asOf, group] of stale) {
      model ??= deserializeModel(active.body);
      for (let start = 0; start < group.length; start += 500) {
        const chunk = group.slice(start, start + 500).flatMap((entry) => {
          const record = store.getRecord(entry.recordId);
          return record === undefined
            ? []
            : [{ entry, record, events: store.eventsForRecord(entry.recordId) }];
        });
        const fields = likelihoodFields(model, chunk, asOf, options);
        registry.saveModelScores(
          chunk.map(({ entry }, index) => ({
            recordId: entry.recordId,
            modelId: active.id,
            likelihood: fields[index]!.likelihood,
            reasons: fields[index]!.reasons,
            asOf,
            eventsSeq: entry.eventsSeq,
            computedAt: now,
          })),
        );
        chunk.forEach(({ entry }, index) => {
          result.set(entry.recordId, Math.round(fields[index]!.likelihood));
        });
        computed += chunk.length;
      }
    }
    onStats?.({ modelId: active.id, computed, reused });
    return result;
  } finally {
    registry.close();
  }
}
