import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { contribution, event, lead, result, tempStore } from './helpers.js';

const META = { rulesetHash: 'r1', asOf: 1_000, at: 1_000 };

function idOf(store: Store, externalId: string): number {
  return store.getRecordByExternalId('hubspot', externalId)!.id;
}

/** Loads every live record and saves a score for each from `scoreOf`. */
function scoreAll(store: Store, scoreOf: (externalId: string) => number, meta = META) {
  const rows = store.loadScoringChunk({ afterId: 0, limit: 1_000 });
  return store.saveScores(
    rows.map((row) => ({
      recordId: row.recordId,
      eventsSeq: row.eventsSeq,
      previous: row.previous,
      result: result(scoreOf(row.record.externalId)),
    })),
    meta,
  );
}

describe('loadScoringChunk', () => {
  it('given records with events, when loaded in chunks, then each record gets exactly its events in time order', () => {
    const { store } = tempStore();
    store.upsertRecords(['a', 'b', 'c', 'd'].map((x) => lead(x)));
    store.insertEvents([
      event('b2', 'b', 20),
      event('a1', 'a', 10, 'email_open', { campaignId: 'c1' }),
      event('d1', 'd', 5),
      event('b1', 'b', 10),
      event('a2', 'a', 5),
    ]);
    store.archiveRecords('hubspot', ['c'], 1);

    const first = store.loadScoringChunk({ afterId: 0, limit: 2 });
    expect(first.map((row) => row.record.externalId)).toEqual(['a', 'b']);
    expect(first[0]!.events.map((e) => e.id)).toEqual(['a2', 'a1']);
    // attributes is a getter that parses the stored JSON on first read: compare the fields the engine reads.
    const { id, type, occurredAt, attributes } = first[0]!.events[1]!;
    expect({ id, type, occurredAt, attributes }).toEqual({
      id: 'a1',
      type: 'email_open',
      occurredAt: 10,
      attributes: { campaignId: 'c1' },
    });
    expect(JSON.parse(JSON.stringify(first[0]!.events[1]))).toEqual({ id, type, occurredAt, attributes });
    expect(first[0]!.events[0]!.attributes).toEqual({});
    expect(first[1]!.events.map((e) => e.id)).toEqual(['b1', 'b2']);
    expect(first[0]!.eventsSeq).toBe(
      Math.max(...store.eventsForRecord(first[0]!.recordId).map((e) => e.seq)),
    );
    expect(first[0]!.previous).toBeNull();

    const second = store.loadScoringChunk({ afterId: first[1]!.recordId, limit: 2 });
    expect(second.map((row) => [row.record.externalId, row.events.map((e) => e.id)])).toEqual([
      ['d', ['d1']],
    ]);
    expect(store.loadScoringChunk({ afterId: second[0]!.recordId, limit: 2 })).toEqual([]);
  });

  it('given scored records, when loading dirtyOrStale, then only dirty, unscored, other-rules or older-asOf records come', () => {
    const { store } = tempStore();
    store.upsertRecords(['clean', 'dirty', 'rules', 'old', 'new'].map((x) => lead(x)));
    const scoreOne = (externalId: string, rulesetHash: string, asOf: number) => {
      const [row] = store.loadScoringChunk({ afterId: idOf(store, externalId) - 1, limit: 1 });
      store.saveScores(
        [{ recordId: row!.recordId, eventsSeq: row!.eventsSeq, previous: null, result: result(5) }],
        {
          rulesetHash,
          asOf,
          at: asOf,
        },
      );
    };
    scoreOne('clean', 'r1', 1_000);
    scoreOne('dirty', 'r1', 1_000);
    scoreOne('rules', 'r0', 1_000);
    scoreOne('old', 'r1', 900);
    store.insertEvents([event('e1', 'dirty', 1)]);

    const rows = store.loadScoringChunk({
      afterId: 0,
      limit: 100,
      only: 'dirtyOrStale',
      rulesetHash: 'r1',
      asOf: 1_000,
    });
    expect(rows.map((row) => row.record.externalId)).toEqual(['dirty', 'rules', 'old', 'new']);
    expect(rows[0]!.events.map((e) => e.id)).toEqual(['e1']);
    expect(rows[0]!.previous).toMatchObject({ score: 5, rulesetHash: 'r1', asOf: 1_000, eventsSeq: 0 });
  });

  it('given a sparse dirty set, when loaded, then events of records between them are not attached', () => {
    const { store } = tempStore();
    store.upsertRecords(Array.from({ length: 20 }, (_, i) => lead(`r${i}`)));
    store.insertEvents(Array.from({ length: 20 }, (_, i) => event(`e${i}`, `r${i}`, i)));
    scoreAll(store, () => 1);
    store.insertEvents([event('x0', 'r0', 100), event('x19', 'r19', 100)]);

    const rows = store.loadScoringChunk({ afterId: 0, limit: 10, only: 'dirtyOrStale', rulesetHash: 'r1' });
    expect(rows.map((row) => [row.record.externalId, row.events.map((e) => e.id)])).toEqual([
      ['r0', ['e0', 'x0']],
      ['r19', ['e19', 'x19']],
    ]);
  });
});

describe('saveScores', () => {
  it('given unscored records, when saved, then scores are stored with contributions byte-identical and an initial ledger row', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('a')]);
    const [row] = store.loadScoringChunk({ afterId: 0, limit: 10 });
    const scored = result(42, {
      band: 'A1',
      stage: 'MQL',
      contributions: [contribution('demo', 30.5, ['e9', 'e3']), contribution('title', 11.5)],
    });

    expect(
      store.saveScores([{ recordId: row!.recordId, eventsSeq: 0, previous: null, result: scored }], META),
    ).toEqual({
      changed: 1,
      ledgerRows: 1,
    });
    const stored = store.getScore(row!.recordId)!;
    expect(stored.contributionsJson).toBe(JSON.stringify(scored.contributions));
    expect(stored).toMatchObject({
      score: 42,
      band: 'A1',
      stage: 'MQL',
      rulesetHash: 'r1',
      asOf: 1_000,
      changedAt: 1_000,
    });
    expect(store.history(row!.recordId)).toEqual([
      expect.objectContaining({
        cause: 'initial',
        oldScore: null,
        newScore: 42,
        newBand: 'A1',
        newStage: 'MQL',
        eventIds: [],
      }),
    ]);
    expect(store.getRecord(row!.recordId)?.dirty).toBe(false);
    const reloaded = store.loadScoringChunk({ afterId: 0, limit: 10, withContributions: true })[0]!.previous!;
    expect(reloaded.contributionsJson).toBe(JSON.stringify(scored.contributions));
    expect(store.loadScoringChunk({ afterId: 0, limit: 10 })[0]!.previous).not.toHaveProperty(
      'contributionsJson',
    );
  });

  it('given a scored record, when only its contributions change, then it counts as changed without a ledger row', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('a')]);
    scoreAll(store, () => 10);
    const [row] = store.loadScoringChunk({ afterId: 0, limit: 10 });
    const saved = store.saveScores(
      [
        {
          ...row!,
          result: result(10, { contributions: [contribution('visit', 6), contribution('open', 4)] }),
        },
      ],
      { ...META, at: 3_000 },
    );
    expect(saved).toEqual({ changed: 1, ledgerRows: 0 });
    expect(JSON.parse(store.getScore(row!.recordId)!.contributionsJson)).toHaveLength(2);
    expect(store.getScore(row!.recordId)).toMatchObject({ computedAt: 3_000, changedAt: 1_000 });
  });

  it('given a scored record, when the same result comes from another rule set, then the row takes the new hash', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('a')]);
    scoreAll(store, () => 10);
    const [row] = store.loadScoringChunk({ afterId: 0, limit: 10 });
    expect(row!.previous?.storedContributions).toBe(store.getScore(row!.recordId)!.contributionsJson);

    const saved = store.saveScores([{ ...row!, result: result(10) }], {
      ...META,
      rulesetHash: 'r2',
      at: 3_000,
    });

    expect(saved).toEqual({ changed: 1, ledgerRows: 0 });
    expect(store.getScore(row!.recordId)).toMatchObject({
      rulesetHash: 'r2',
      computedAt: 3_000,
      changedAt: 1_000,
    });
  });

  it('given a scored record, when rescored to the same result, then no ledger row is written and changedAt stays', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('a')]);
    scoreAll(store, () => 10);
    expect(scoreAll(store, () => 10, { ...META, asOf: 2_000, at: 2_000 })).toEqual({
      changed: 0,
      ledgerRows: 0,
    });
    const id = idOf(store, 'a');
    expect(store.history(id)).toHaveLength(1);
    expect(store.getScore(id)).toMatchObject({ asOf: 2_000, computedAt: 2_000, changedAt: 1_000 });
  });

  it('given new events, when the score changes, then the ledger cause is events with the new events source ids', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('a'), lead('b')]);
    store.insertEvents([event('old', 'a', 1)]);
    scoreAll(store, () => 10);
    store.insertEvents([event('n1', 'a', 5), event('n2', 'a', 3), event('other', 'b', 5)]);

    scoreAll(store, (x) => (x === 'a' ? 20 : 10), { ...META, at: 2_000 });
    const [latest] = store.history(idOf(store, 'a'));
    expect(latest).toMatchObject({ cause: 'events', oldScore: 10, newScore: 20, at: 2_000 });
    expect(latest!.eventIds.sort()).toEqual(['n1', 'n2']);
    expect(store.history(idOf(store, 'b'))).toHaveLength(1);
  });

  it('given a new rule set, when the score changes, then the cause is rules', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('a')]);
    store.insertEvents([event('e1', 'a', 1)]);
    scoreAll(store, () => 10);
    store.insertEvents([event('e2', 'a', 2)]);
    scoreAll(store, () => 15, { ...META, rulesetHash: 'r2' });
    expect(store.history(idOf(store, 'a'))[0]).toMatchObject({
      cause: 'rules',
      rulesetHash: 'r2',
      eventIds: [],
    });
  });

  it('given no new events and the same rules, when the score changes, then the cause is decay', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('a')]);
    store.insertEvents([event('e1', 'a', 1)]);
    scoreAll(store, () => 10);
    scoreAll(store, () => 8, { ...META, asOf: 90_000 });
    expect(store.history(idOf(store, 'a')).map((entry) => entry.cause)).toEqual(['decay', 'initial']);
  });

  it('given a merge into a scored record, when it is rescored with a change, then the cause is merge', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('s'), lead('m')]);
    store.insertEvents([event('e1', 'm', 1)]);
    scoreAll(store, () => 10);
    store.mergeRecords('hubspot', 's', ['m']);

    const rows = store.loadScoringChunk({ afterId: 0, limit: 10, only: 'dirtyOrStale', rulesetHash: 'r1' });
    expect(rows.map((row) => [row.record.externalId, row.events.map((e) => e.id)])).toEqual([['s', ['e1']]]);
    scoreAll(store, () => 25);
    const history = store.history(idOf(store, 's'));
    expect(history.map((entry) => entry.cause)).toEqual(['merge', 'initial', 'initial']);
    expect(store.getRecord(idOf(store, 's'))?.dirty).toBe(false);
  });

  it('given events that arrive between reading a chunk and saving it, when saved, then the record stays dirty', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('a')]);
    const rows = store.loadScoringChunk({ afterId: 0, limit: 10 });
    store.insertEvents([event('late', 'a', 5)]);
    store.saveScores(
      rows.map((row) => ({
        recordId: row.recordId,
        eventsSeq: row.eventsSeq,
        previous: row.previous,
        result: result(1),
      })),
      META,
    );
    expect(store.getRecord(idOf(store, 'a'))?.dirty).toBe(true);
  });
});

describe('score queries', () => {
  it('given scored records, when listing top scores, distribution and stages, then archived records are left out', () => {
    const { store } = tempStore();
    store.upsertRecords(['a', 'b', 'c', 'd'].map((x) => lead(x)));
    const rows = store.loadScoringChunk({ afterId: 0, limit: 10 });
    const spec: Record<string, [number, string, string | null]> = {
      a: [50, 'A1', 'SQL'],
      b: [70, 'A1', 'MQL'],
      c: [30, 'C3', null],
      d: [90, 'A1', 'SQL'],
    };
    store.saveScores(
      rows.map((row) => {
        const [score, band, stage] = spec[row.record.externalId]!;
        return {
          recordId: row.recordId,
          eventsSeq: 0,
          previous: null,
          result: result(score, { band, stage }),
        };
      }),
      META,
    );
    store.archiveRecords('hubspot', ['d'], 5);

    expect(store.topScores({ limit: 2 }).map((row) => [row.record.externalId, row.score.score])).toEqual([
      ['b', 70],
      ['a', 50],
    ]);
    expect(store.topScores({ limit: 10, stage: 'SQL' }).map((row) => row.record.externalId)).toEqual(['a']);
    expect(store.topScores({ limit: 10, band: 'C3' })[0]!.record).toMatchObject({
      externalId: 'c',
      id: idOf(store, 'c'),
    });
    expect(store.scoreDistribution()).toEqual([
      { band: 'A1', count: 2 },
      { band: 'C3', count: 1 },
    ]);
    expect(store.stageCounts()).toEqual([
      { stage: null, count: 1 },
      { stage: 'MQL', count: 1 },
      { stage: 'SQL', count: 1 },
    ]);
    const forWrite = store.scoresForWriteBack('hubspot');
    expect(forWrite.map((row) => row.externalId)).toEqual(['a', 'b', 'c']);
    expect(forWrite[0]!.crmValues).toEqual({ hs_lead_status: 'NEW' });
    expect(forWrite[1]!.score).toMatchObject({
      score: 70,
      band: 'A1',
      stage: 'MQL',
      changedAt: 1_000,
      recordId: idOf(store, 'b'),
    });
    expect(forWrite[1]!.recordId).toBe(idOf(store, 'b'));
  });
});
