import { type RuleSet, ruleSetSchema } from '../scoring/rules-schema.js';
import type { Store } from '../store/index.js';
import type { HistoryRow } from './backtest.js';

/** Every live stored record with its events, read a page at a time (the store's scoring reader, read-only). */
export function* storedHistory(
  store: Store,
  options: { pageSize?: number; limit?: number } = {},
): Generator<HistoryRow> {
  const pageSize = options.pageSize ?? 500;
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  let afterId = 0;
  while (left > 0) {
    const rows = store.loadScoringChunk({ afterId, limit: Math.min(pageSize, left) });
    if (rows.length === 0) return;
    for (const row of rows) yield { record: row.record, events: row.events };
    left -= rows.length;
    afterId = rows[rows.length - 1]!.recordId;
  }
}

/** The rule set the stored scores were computed with, or undefined before the first scoring. */
export function activeRules(store: Store): { hash: string; rules: RuleSet } | undefined {
  const active = store.activeRuleSet();
  if (active === undefined) return undefined;
  return { hash: active.hash, rules: ruleSetSchema.parse(JSON.parse(active.body)) };
}
