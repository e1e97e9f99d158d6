import { describe, expect, it } from 'vitest';
import {
  type CrmWriter,
  RateLimitedError,
  type RecordWrite,
  type WriteOutcome,
} from '../../src/crm/ports.js';
import { openStore, type Store } from '../../src/store/index.js';
import { rescore } from '../../src/sync/rescore.js';
import {
  drainOutbox,
  enqueueChangedScores,
  pendingWrites,
  type WriteBackSettings,
} from '../../src/sync/writeback.js';
import { fillStore, NOW, syntheticLeads, TEST_RULES } from '../model/fixture.js';

/** A CRM writer port whose answers each test scripts; it records every batch it was sent. */
function scriptedWriter(answer: (batch: RecordWrite[], call: number) => WriteOutcome[], maxBatchSize = 2) {
  const batches: RecordWrite[][] = [];
  const writer: CrmWriter = {
    target: 'crm',
    maxBatchSize,
    ensureFields: async () => ({ created: [], existing: [] }),
    write: async (batch) => {
      batches.push(batch);
      return answer(batch, batches.length);
    },
  };
  return { writer, batches };
}

function storeWithWrites(count: number): Store {
  const store = openStore(':memory:');
  store.upsertRecords(
    Array.from({ length: count }, (_, index) => ({ source: 'crm', externalId: `r${index}`, properties: {} })),
  );
  for (let index = 0; index < count; index++) {
    const record = store.getRecordByExternalId('crm', `r${index}`)!;
    store.enqueueWrite(record.id, 'crm', { score: index }, 0);
  }
  return store;
}

const written = (batch: RecordWrite[]): WriteOutcome[] =>
  batch.map((w) => ({ outboxId: w.outboxId, outcome: 'written' }));

describe('the write-back engine', () => {
  it('given five writes and batches of two, when drained, then every record is sent once and marked sent', async () => {
    const store = storeWithWrites(5);
    const { writer, batches } = scriptedWriter(written);
    const stats = await drainOutbox(store, writer, { now: () => 1 });
    expect(batches.map((batch) => batch.length).sort()).toEqual([1, 2, 2]);
    expect(new Set(batches.flat().map((w) => w.externalId)).size).toBe(5);
    expect(stats.written).toBe(5);
    expect(store.dueWrites('crm', 10_000_000, 10)).toHaveLength(0);
  });

  it('given a record the CRM rejects as invalid, when drained, then it is parked with the reason and the rest are sent', async () => {
    const store = storeWithWrites(2);
    const { writer } = scriptedWriter((batch) =>
      batch.map((w) =>
        w.externalId === 'r1'
          ? { outboxId: w.outboxId, outcome: 'failed', retryable: false, message: 'score: not a number' }
          : { outboxId: w.outboxId, outcome: 'written' },
      ),
    );
    const stats = await drainOutbox(store, writer, { now: () => 1 });
    expect(stats).toMatchObject({ written: 1, parked: 1 });
    expect(store.listOutbox({ status: 'parked', limit: 5 })[0]?.lastError).toContain('not a number');
  });

  it('given a record with no result in the answer, when drained repeatedly, then it is retried and parked after the attempts', async () => {
    const store = storeWithWrites(1);
    const { writer, batches } = scriptedWriter(() => []);
    let clock = 0;
    for (let run = 0; run < 6; run++) {
      clock += 10 * 60_000; // past any backoff
      await drainOutbox(store, writer, { now: () => clock, maxAttempts: 3 });
    }
    expect(batches).toHaveLength(3);
    expect(store.listOutbox({ status: 'parked', limit: 5 })[0]?.lastError).toMatch(
      /without a result.*3 attempts/,
    );
  });

  it('given a rate limit, when drained, then it waits as told without spending an attempt and then sends', async () => {
    const store = storeWithWrites(1);
    let clock = 1000;
    const { writer, batches } = scriptedWriter((batch, call) => {
      if (call === 1) throw new RateLimitedError('429 TEN_SECONDLY_ROLLING', clock + 10_000);
      return written(batch);
    });
    const slept: number[] = [];
    const stats = await drainOutbox(store, writer, {
      now: () => clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    });
    expect(slept).toEqual([10_000]);
    expect(batches).toHaveLength(2);
    expect(stats).toMatchObject({ written: 1, rateLimitWaits: 1, failed: 0 });
  });

  it('given a rate limit past the deadline, when drained, then it stops and leaves the writes pending', async () => {
    const store = storeWithWrites(2);
    const { writer } = scriptedWriter(() => {
      throw new RateLimitedError('daily limit', 5_000_000);
    });
    const stats = await drainOutbox(store, writer, { now: () => 1000, deadline: 60_000 });
    expect(stats.written).toBe(0);
    expect(store.outboxCounts('crm')).toMatchObject({ pending: 2 });
  });
});

describe('the write-back plan', () => {
  const SOURCE = 'hubspot';
  const SETTINGS: WriteBackSettings = {
    fields: {
      score: 'leadscore_score',
      band: 'leadscore_band',
      fit: 'leadscore_fit',
      engagement: 'leadscore_engagement',
      reasons: 'leadscore_reasons',
      stage: 'leadscore_stage',
      updatedAt: 'leadscore_updated_at',
    },
    onHumanOverwrite: 'respect',
  };

  /** 300 scored leads whose first plan was enqueued and sent: the CRM holds every payload. */
  async function plannedAndSent(): Promise<Store> {
    const store = openStore(':memory:');
    const leads = syntheticLeads({ leads: 300, seed: 4 });
    expect(new Set(leads.records.map((record) => record.source))).toEqual(new Set([SOURCE]));
    fillStore(store, leads);
    rescore(store, TEST_RULES, { mode: 'all', asOf: NOW, now: NOW });
    const first = enqueueChangedScores(store, SOURCE, SETTINGS, NOW);
    expect(first).toMatchObject({ plan: 'full', scoresRead: 300, enqueued: 300 });
    const writer: CrmWriter = {
      target: SOURCE,
      maxBatchSize: 100,
      ensureFields: async () => ({ created: [], existing: [] }),
      write: async (batch) => written(batch),
    };
    await drainOutbox(store, writer, { now: () => NOW });
    return store;
  }

  /** Edits records as a pull would: 7 move to `industry` Software (a fit rule); a person sets 2 bands by hand. */
  function editSome(store: Store): { edited: string[] } {
    const ids = syntheticLeads({ leads: 300, seed: 4 })
      .records.map((record) => store.getRecordByExternalId(SOURCE, record.externalId))
      .filter((record) => record !== undefined);
    const toSoftware = ids.filter((record) => record.industry !== 'Software').slice(0, 7);
    const overwritten = ids.filter((record) => !toSoftware.includes(record)).slice(0, 2);
    store.upsertRecords(
      [
        ...toSoftware.map((record) => ({ ...record, industry: 'Software' })),
        ...overwritten.map((record) => ({
          ...record,
          properties: { ...record.properties, leadscore_band: 'A1' },
        })),
      ],
      NOW + 60_000,
    );
    rescore(store, TEST_RULES, { mode: 'changed', asOf: NOW, now: NOW + 60_000 });
    return { edited: overwritten.map((record) => record.externalId) };
  }

  it('given a plan sent and nothing changed since, when planned again, then no score row is read and nothing is queued', async () => {
    const store = await plannedAndSent();
    rescore(store, TEST_RULES, { mode: 'changed', asOf: NOW, now: NOW + 1000 });
    const again = enqueueChangedScores(store, SOURCE, SETTINGS, NOW + 1000);
    expect(again).toEqual({ plan: 'changed', scoresRead: 0, enqueued: 0, unchanged: 0, humanOverwrites: 0 });
  });

  it('given some records changed, when planned, then only they are read and the outbox equals what a full plan would queue', async () => {
    const store = await plannedAndSent();
    const { edited } = editSome(store);
    // The full plan, as the dry run computes it (it writes nothing).
    const overwrites: string[] = [];
    const full = [...pendingWrites(store, SOURCE, SETTINGS, (id) => overwrites.push(id))];
    expect(full.length).toBeGreaterThan(0);
    expect(overwrites.sort()).toEqual([...edited].sort());

    const stats = enqueueChangedScores(store, SOURCE, SETTINGS, NOW + 60_000);
    expect(stats.plan).toBe('changed');
    expect(stats.scoresRead).toBe(9);
    expect(stats.humanOverwrites).toBe(edited.length);
    const queued = store.listOutbox({ status: 'pending', target: SOURCE, limit: 1000 });
    const byRecord = (a: { recordId: number }, b: { recordId: number }) => a.recordId - b.recordId;
    expect(queued.map(({ recordId, payload }) => ({ recordId, payload })).sort(byRecord)).toEqual(
      full.map(({ recordId, payload }) => ({ recordId, payload })).sort(byRecord),
    );
  });

  it.each([
    ['a written field renamed', { fields: { ...SETTINGS.fields, stage: 'leadscore_lifecycle' } }],
    ['the human-overwrite policy', { onHumanOverwrite: 'overwrite' as const }],
    ['the band blend', { blend: { grade: 'fit' as const, raiseAt: 80, maxLength: 500 } }],
    ['the likelihoods given', { likelihoods: new Map([[1, 50]]) }],
  ])(
    'given %s changed since the last plan, when planned, then every scored record is read',
    async (_, change) => {
      const store = await plannedAndSent();
      const settings = { ...SETTINGS, ...change } as WriteBackSettings;
      const stats = enqueueChangedScores(store, SOURCE, settings, NOW + 1000);
      expect(stats).toMatchObject({ plan: 'full', scoresRead: 300 });
      // The next plan with the same settings reads nothing again.
      expect(enqueueChangedScores(store, SOURCE, settings, NOW + 2000)).toMatchObject({
        plan: 'changed',
        scoresRead: 0,
      });
    },
  );
});
