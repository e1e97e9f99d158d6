import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { LeadRecord } from '../../src/crm/vocabulary.js';
import { compileRuleSet, scoreRecord } from '../../src/scoring/engine.js';
import { canonicalJson, ruleSetHash } from '../../src/scoring/hash.js';
import { type RuleSet, ruleSetSchema } from '../../src/scoring/rules-schema.js';
import type { ScoringEvent } from '../../src/scoring/types.js';
import { migrate } from '../../src/store/db.js';
import { LATEST_SCHEMA_VERSION, openStore } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { rescore } from '../../src/sync/rescore.js';
import { closeLater, tempDir } from './helpers.js';

const DAY = 86_400_000;
const AS_OF = Date.UTC(2026, 0, 15);
const SCORED_AT = AS_OF - DAY;
const RULES: RuleSet = ruleSetSchema.parse(
  parse(readFileSync(new URL('../../config/rules.default.yaml', import.meta.url), 'utf8')),
);
const HASH = ruleSetHash(RULES);

interface Fixture {
  externalId: string;
  /** records.dirty before the migration: 0 clean, 1 changed, 2 merged into. */
  dirty: 0 | 1 | 2;
  events: Array<Omit<ScoringEvent, 'attributes'> & { attributes: Record<string, string> }>;
  /** Events that arrived after the stored score was computed. */
  later?: Array<Omit<ScoringEvent, 'attributes'> & { attributes: Record<string, string> }>;
  /** Added to the computed score before storing it, so that a rescore changes it. */
  offset?: number;
}

const FIXTURES: Fixture[] = [
  {
    externalId: 'clean',
    dirty: 0,
    events: [
      { id: 'c1', type: 'page_view', occurredAt: AS_OF - 3 * DAY, attributes: { url: '/pricing' } },
      { id: 'c2', type: 'email_click', occurredAt: AS_OF - 2 * DAY, attributes: {} },
    ],
  },
  {
    externalId: 'changed',
    dirty: 1,
    events: [{ id: 'd1', type: 'email_open', occurredAt: AS_OF - 5 * DAY, attributes: {} }],
    later: [{ id: 'd2', type: 'demo_request', occurredAt: AS_OF - DAY / 2, attributes: {} }],
  },
  {
    externalId: 'survivor',
    dirty: 2,
    events: [{ id: 's1', type: 'email_reply', occurredAt: AS_OF - 4 * DAY, attributes: {} }],
    offset: -7,
  },
];

function leadOf(externalId: string): LeadRecord {
  return {
    source: 'hubspot',
    externalId,
    email: `${externalId}@acme.example`,
    title: 'VP Sales',
    industry: 'Software',
    companySize: 300,
    country: 'Germany',
    createdAt: AS_OF - 100 * DAY,
    properties: {},
  };
}

/** A store at schema 4, with records, events, scores and ledger rows as leadscore wrote them then. */
function schema4Store(path: string): Map<string, { contributions: string; reasons: string }> {
  const db = new Database(path);
  migrate(
    db,
    path,
    MIGRATIONS.filter((migration) => migration.version <= 4),
    false,
  );
  expect(db.pragma('user_version', { simple: true })).toBe(4);
  db.prepare('INSERT INTO rulesets (hash, name, body, created_at, activated_at) VALUES (?, ?, ?, ?, ?)').run(
    HASH,
    RULES.name,
    canonicalJson(RULES),
    SCORED_AT,
    SCORED_AT,
  );
  const stored = new Map<string, { contributions: string; reasons: string }>();
  const compiled = compileRuleSet(RULES);
  for (const fixture of FIXTURES) {
    const lead = leadOf(fixture.externalId);
    const { lastInsertRowid } = db
      .prepare(
        'INSERT INTO records (source, external_id, email, title, industry, company_size, country, crm_created_at, ' +
          'properties, dirty, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        lead.source,
        lead.externalId,
        lead.email!,
        lead.title!,
        lead.industry!,
        lead.companySize!,
        lead.country!,
        lead.createdAt!,
        '{}',
        fixture.dirty,
        SCORED_AT,
        SCORED_AT,
      );
    const recordId = Number(lastInsertRowid);
    let eventsSeq = 0;
    for (const event of [...fixture.events, ...(fixture.later ?? [])]) {
      const { lastInsertRowid: seq } = db
        .prepare(
          'INSERT INTO events (source, source_id, record_id, type, occurred_at, attributes) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run('hubspot', event.id, recordId, event.type, event.occurredAt, JSON.stringify(event.attributes));
      if (fixture.events.includes(event)) eventsSeq = Number(seq);
    }
    const result = scoreRecord(compiled, lead, fixture.events, { asOf: AS_OF, previousStage: null });
    const score = result.score + (fixture.offset ?? 0);
    const contributions = JSON.stringify(result.contributions);
    db.prepare(
      'INSERT INTO scores (record_id, score, fit, engagement, band, stage, contributions, reasons_text, ruleset_hash, ' +
        'as_of, events_seq, computed_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      recordId,
      score,
      result.fit,
      result.engagement,
      result.band,
      result.stage,
      contributions,
      result.reasonsText,
      HASH,
      AS_OF,
      eventsSeq,
      SCORED_AT,
      SCORED_AT,
    );
    db.prepare(
      'INSERT INTO score_ledger (record_id, at, old_score, new_score, old_band, new_band, old_stage, new_stage, ' +
        "ruleset_hash, cause, event_ids) VALUES (?, ?, NULL, ?, NULL, ?, NULL, ?, ?, 'initial', NULL)",
    ).run(recordId, SCORED_AT, score, result.band, result.stage, HASH);
    stored.set(fixture.externalId, { contributions, reasons: result.reasonsText });
  }
  db.close();
  return stored;
}

describe('migration 5: dirty flags in their own table', () => {
  it('given a schema 4 store with scored and dirty records, when opened, then flags, scores, explain text and history read as before', () => {
    const path = join(tempDir(), 'leadscore.db');
    const before = schema4Store(path);
    const store = closeLater(openStore(path));

    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      const columns = db.prepare("SELECT name FROM pragma_table_info('records')").pluck().all();
      expect(columns).not.toContain('dirty');
      expect(db.prepare('SELECT record_id, kind FROM dirty_records ORDER BY record_id').raw().all()).toEqual([
        [2, 1],
        [3, 2],
      ]);
    } finally {
      db.close();
    }

    const idOf = (externalId: string) => store.getRecordByExternalId('hubspot', externalId)!.id;
    expect(
      FIXTURES.map((fixture) => store.getRecordByExternalId('hubspot', fixture.externalId)?.dirty),
    ).toEqual([false, true, true]);
    for (const fixture of FIXTURES) {
      const score = store.getScore(idOf(fixture.externalId))!;
      // `leadscore explain` prints these: the stored text, unchanged.
      expect(score.contributionsJson).toBe(before.get(fixture.externalId)!.contributions);
      expect(score.reasonsText).toBe(before.get(fixture.externalId)!.reasons);
      expect(store.history(idOf(fixture.externalId))).toEqual([
        expect.objectContaining({ cause: 'initial', at: SCORED_AT, rulesetHash: HASH, eventIds: [] }),
      ]);
    }
  });

  it('given a migrated store, when rescored, then only the dirty records are, with causes events and merge, and explain text stays the same after a full pass', () => {
    const path = join(tempDir(), 'leadscore.db');
    const before = schema4Store(path);
    const store = closeLater(openStore(path));
    const idOf = (externalId: string) => store.getRecordByExternalId('hubspot', externalId)!.id;

    const changed = rescore(store, RULES, { mode: 'changed', asOf: AS_OF, now: AS_OF });
    expect(changed.records).toBe(2);
    expect(store.history(idOf('changed'))[0]).toMatchObject({ cause: 'events', eventIds: ['d2'] });
    expect(store.history(idOf('survivor'))[0]).toMatchObject({ cause: 'merge' });
    expect(store.history(idOf('clean'))).toHaveLength(1);
    expect(FIXTURES.map((fixture) => store.getRecord(idOf(fixture.externalId))?.dirty)).toEqual([
      false,
      false,
      false,
    ]);

    const full = rescore(store, RULES, { mode: 'all', asOf: AS_OF, now: AS_OF + 1 });
    expect(full).toMatchObject({ records: 3, ledgerRows: 0 });
    const clean = store.getScore(idOf('clean'))!;
    expect(clean.contributionsJson).toBe(before.get('clean')!.contributions);
    expect(clean.changedAt).toBe(SCORED_AT);
    const db = new Database(path, { readonly: true });
    try {
      const text = db
        .prepare('SELECT contributions FROM scores WHERE record_id = ?')
        .pluck()
        .get(idOf('clean')) as string;
      // Stored compactly now, several times smaller.
      expect(text.startsWith('[[')).toBe(true);
      expect(text.length * 3).toBeLessThan(before.get('clean')!.contributions.length);
    } finally {
      db.close();
    }
  });
});
