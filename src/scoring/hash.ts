import { createHash } from 'node:crypto';
import type { RuleSet } from './rules-schema.js';

/**
 * JSON with object keys sorted at every depth and no whitespace: equal values give equal text whatever the
 * key order they were written in. Like JSON.stringify, undefined object members are left out.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  // No prototype, so a "__proto__" key is kept as data.
  const sorted: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort()) {
    sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  }
  return sorted;
}

/** Content address of a rule set: the first 16 hex digits of sha256 over its canonical JSON. */
export function ruleSetHash(rules: RuleSet): string {
  return createHash('sha256').update(canonicalJson(rules)).digest('hex').slice(0, 16);
}
