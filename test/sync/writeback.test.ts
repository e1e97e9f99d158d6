import { describe, expect, it } from 'vitest';
import {
  type CrmWriter,
  RateLimitedError,
  type RecordWrite,
  type WriteOutcome,
} from '../../src/crm/ports.js';
import { openStore, type Store } from '../../src/store/index.js';
import { drainOutbox } from '../../src/sync/writeback.js';

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
