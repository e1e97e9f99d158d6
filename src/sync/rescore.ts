import { compileRuleSet, scoreRecord } from '../scoring/engine.js';
import { canonicalJson, ruleSetHash } from '../scoring/hash.js';
import type { RuleSet } from '../scoring/rules-schema.js';
import type { Store } from '../store/index.js';

export type AsOfResolution = 'day' | 'hour' | 'exact';

/**
 * Scores are computed as of the start of the current UTC day (or hour): reruns within it give byte-identical
 * scores, and decay moves a score (and so causes a CRM write) at most once per period.
 */
export function resolveAsOf(now: number, resolution: AsOfResolution): number {
  if (resolution === 'exact') return now;
  const period = resolution === 'day' ? 86_400_000 : 3_600_000;
  return Math.floor(now / period) * period;
}

export interface RescoreOptions {
  /** 'all' rescores every record; 'changed' only records with new data, another rule set, or an older asOf. */
  mode: 'all' | 'changed';
  asOf: number;
  /**
   * Records read, scored and saved at a time (default 500). Small chunks keep each chunk's events and results
   * young enough for V8 to collect them cheaply (with 2,000, garbage collection was the largest single cost of a
   * full pass).
   */
  chunkSize?: number;
  /**
   * Records per transaction, in whole chunks (default 5,000). Each commit writes every page it changed to the
   * WAL, and chunks share pages (index interiors, the ledger's and scores' last pages): fewer commits write them
   * fewer times. An incremental pass of up to this many records is one transaction.
   */
  transactionSize?: number;
  /** Time written on ledger rows. */
  now?: number;
  onProgress?: (scored: number) => void;
}

export interface RescoreStats {
  rulesetHash: string;
  records: number;
  events: number;
  changed: number;
  ledgerRows: number;
  durationMs: number;
}

/** Registers the rule set (content-addressed) and makes it the active one. */
export function activateRuleSet(store: Store, rules: RuleSet, at: number): string {
  const hash = ruleSetHash(rules);
  store.saveRuleSet({ hash, name: rules.name, body: canonicalJson(rules) });
  if (store.activeRuleSet()?.hash !== hash) store.activateRuleSet(hash, at);
  return hash;
}

/**
 * Scores records from the store's events and one rule set. Chunks are read, scored and saved (scores, ledger,
 * dirty flags) inside one transaction with the reads they used, so a crash loses at most the transaction in
 * flight and never half-writes it.
 */
export function rescore(store: Store, rules: RuleSet, options: RescoreOptions): RescoreStats {
  const started = performance.now();
  const now = options.now ?? Date.now();
  const rulesetHash = activateRuleSet(store, rules, now);
  const compiled = compileRuleSet(rules);
  const limit = options.chunkSize ?? 500;
  const stats: RescoreStats = {
    rulesetHash,
    records: 0,
    events: 0,
    changed: 0,
    ledgerRows: 0,
    durationMs: 0,
  };
  const chunksPerTransaction = Math.max(1, Math.floor((options.transactionSize ?? 5_000) / limit));
  let afterId = 0;
  let done = false;
  while (!done) {
    store.transaction(() => {
      for (let chunk = 0; chunk < chunksPerTransaction; chunk++) {
        const rows = store.loadScoringChunk({
          afterId,
          limit,
          ...(options.mode === 'changed'
            ? { only: 'dirtyOrStale' as const, rulesetHash, asOf: options.asOf }
            : {}),
        });
        if (rows.length === 0) {
          done = true;
          return;
        }
        const results = rows.map((row) => {
          stats.events += row.events.length;
          return {
            recordId: row.recordId,
            eventsSeq: row.eventsSeq,
            previous: row.previous,
            result: scoreRecord(compiled, row.record, row.events, {
              asOf: options.asOf,
              previousStage: row.previous?.stage ?? null,
            }),
          };
        });
        const saved = store.saveScores(results, { rulesetHash, asOf: options.asOf, at: now });
        stats.changed += saved.changed;
        stats.ledgerRows += saved.ledgerRows;
        stats.records += rows.length;
        afterId = rows[rows.length - 1]!.recordId;
        // A short chunk is the last: no live record qualifies beyond it.
        if (rows.length < limit) {
          done = true;
          return;
        }
      }
    });
    options.onProgress?.(stats.records);
  }
  stats.durationMs = Math.round(performance.now() - started);
  return stats;
}
