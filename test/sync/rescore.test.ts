import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { type RuleSet, ruleSetSchema } from '../../src/scoring/rules-schema.js';
import type { Store } from '../../src/store/index.js';
import { rescore } from '../../src/sync/rescore.js';
import { event, lead, tempStore } from '../store/helpers.js';

const DAY = 86_400_000;
const AS_OF = Date.UTC(2026, 0, 15);
const RULES: RuleSet = ruleSetSchema.parse(
  parse(readFileSync(new URL('../../config/rules.default.yaml', import.meta.url), 'utf8')),
);
const TYPES = ['page_view', 'email_click', 'email_open', 'demo_request', 'content_download'] as const;

/** 23 records with a few events each: chunks of 2 and transactions of 6 leave a short last chunk. */
function seeded(): { store: Store; path: string } {
  const { store, path } = tempStore();
  const ids = Array.from({ length: 23 }, (_, index) => `r${index}`);
  store.upsertRecords(
    ids.map((id, index) => lead(id, { title: index % 3 === 0 ? 'CEO' : 'Analyst', country: 'Germany' })),
  );
  store.insertEvents(
    ids.flatMap((id, index) =>
      Array.from({ length: index % 5 }, (_, k) =>
        event(`${id}-e${k}`, id, AS_OF - (k + 1) * DAY, TYPES[(index + k) % TYPES.length], {
          url: '/pricing',
          contentId: `wp-${k}`,
        }),
      ),
    ),
  );
  return { store, path };
}

/** Every stored score and ledger row, without the row ids. */
function contents(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return {
      scores: db.prepare('SELECT * FROM scores ORDER BY record_id').all(),
      ledger: db
        .prepare('SELECT record_id, at, old_score, new_score, cause, event_ids FROM score_ledger')
        .all(),
      dirty: db.prepare('SELECT * FROM dirty_records').all(),
    };
  } finally {
    db.close();
  }
}

describe('rescore', () => {
  it('given chunks grouped into transactions, when rescored, then the stored scores and ledger equal those of one chunk per transaction', () => {
    const one = seeded();
    const grouped = seeded();
    const stats = rescore(one.store, RULES, {
      mode: 'all',
      asOf: AS_OF,
      now: AS_OF,
      chunkSize: 2,
      transactionSize: 2,
    });
    const progress: number[] = [];
    const groupedStats = rescore(grouped.store, RULES, {
      mode: 'all',
      asOf: AS_OF,
      now: AS_OF,
      chunkSize: 2,
      transactionSize: 6,
      onProgress: (scored) => progress.push(scored),
    });
    expect({ ...groupedStats, durationMs: 0 }).toEqual({ ...stats, durationMs: 0 });
    expect(stats).toMatchObject({ records: 23, ledgerRows: 23 });
    // Progress is reported once per committed transaction.
    expect(progress).toEqual([6, 12, 18, 23]);
    expect(contents(grouped.path)).toEqual(contents(one.path));
  });

  it('given a failure in the third transaction, when rescored, then the first two are kept whole and a changed pass finishes to the same state as an uninterrupted run', () => {
    const reference = seeded();
    rescore(reference.store, RULES, {
      mode: 'all',
      asOf: AS_OF,
      now: AS_OF,
      chunkSize: 2,
      transactionSize: 4,
    });

    const crashed = seeded();
    const save = crashed.store.saveScores.bind(crashed.store);
    let calls = 0;
    const spy = vi.spyOn(crashed.store, 'saveScores').mockImplementation((rows, meta) => {
      calls++;
      // The 6th chunk is the second of the third transaction: its first chunk was saved, then rolled back.
      if (calls === 6) throw new Error('killed');
      return save(rows, meta);
    });
    expect(() =>
      rescore(crashed.store, RULES, {
        mode: 'all',
        asOf: AS_OF,
        now: AS_OF,
        chunkSize: 2,
        transactionSize: 4,
      }),
    ).toThrow('killed');
    spy.mockRestore();

    const partial = contents(crashed.path) as { scores: unknown[]; ledger: unknown[]; dirty: unknown[] };
    expect(partial.scores).toHaveLength(8);
    expect(partial.ledger).toHaveLength(8);
    expect(partial.dirty).toHaveLength(23 - 8);

    const resumed = rescore(crashed.store, RULES, { mode: 'changed', asOf: AS_OF, now: AS_OF });
    expect(resumed.records).toBe(23 - 8);
    expect(contents(crashed.path)).toEqual(contents(reference.path));
  });
});
