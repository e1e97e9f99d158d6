import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { lead, tempStore } from './helpers.js';

function storeWithRecord(): { store: Store; recordId: number } {
  const { store } = tempStore();
  store.upsertRecords([lead('1')]);
  return { store, recordId: store.getRecordByExternalId('hubspot', '1')!.id };
}

describe('outbox', () => {
  it('given a pending write, when a new payload is enqueued, then it replaces the pending row', () => {
    const { store, recordId } = storeWithRecord();
    expect(store.enqueueWrite(recordId, 'hubspot', { score: 10, band: 'B2' }, 100)).toBe(true);
    expect(store.enqueueWrite(recordId, 'hubspot', { score: 12, band: 'B2' }, 200)).toBe(true);

    const due = store.dueWrites('hubspot', 200, 10);
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({
      recordId,
      externalId: '1',
      target: 'hubspot',
      payload: { band: 'B2', score: 12 },
      status: 'pending',
      attempts: 0,
      createdAt: 100,
      updatedAt: 200,
    });
    expect(store.dueWrites('salesforce', 200, 10)).toEqual([]);
  });

  it('given a sent payload, when the same payload is enqueued (keys in another order), then nothing is queued', () => {
    const { store, recordId } = storeWithRecord();
    store.enqueueWrite(recordId, 'hubspot', { score: 10, stage: null }, 100);
    store.markSent(
      store.dueWrites('hubspot', 100, 10).map((row) => row.id),
      150,
    );
    expect(store.lastSentPayload(recordId, 'hubspot')).toEqual({ score: 10, stage: null });

    expect(store.enqueueWrite(recordId, 'hubspot', { stage: null, score: 10 }, 200)).toBe(false);
    expect(store.outboxCounts('hubspot')).toEqual({ pending: 0, sent: 1, parked: 0, skipped: 0 });
  });

  it('given a pending change, when the value goes back to what was sent, then the pending write is skipped', () => {
    const { store, recordId } = storeWithRecord();
    store.enqueueWrite(recordId, 'hubspot', { score: 10 }, 100);
    store.markSent([store.dueWrites('hubspot', 100, 1)[0]!.id], 110);
    store.enqueueWrite(recordId, 'hubspot', { score: 11 }, 120);

    expect(store.enqueueWrite(recordId, 'hubspot', { score: 10 }, 130)).toBe(false);
    expect(store.outboxCounts()).toEqual({ pending: 0, sent: 1, parked: 0, skipped: 1 });
  });

  it('given a rate-limited write, when retried without counting, then attempts stay and it is due only later', () => {
    const { store, recordId } = storeWithRecord();
    store.enqueueWrite(recordId, 'hubspot', { score: 10 }, 100);
    const [row] = store.dueWrites('hubspot', 100, 1);

    store.markRetry(row!.id, {
      error: '429 Too Many Requests',
      nextAttemptAt: 10_000,
      countAttempt: false,
      at: 101,
    });
    expect(store.dueWrites('hubspot', 9_999, 10)).toEqual([]);
    expect(store.dueWrites('hubspot', 10_000, 10)[0]).toMatchObject({
      attempts: 0,
      lastError: '429 Too Many Requests',
    });

    store.markRetry(row!.id, { error: '500', nextAttemptAt: 20_000, countAttempt: true, at: 10_001 });
    expect(store.dueWrites('hubspot', 20_000, 10)[0]).toMatchObject({ attempts: 1, lastError: '500' });
  });

  it('given a replaced pending write in a rate-limit wait, when re-enqueued, then the wait is kept and attempts reset', () => {
    const { store, recordId } = storeWithRecord();
    store.enqueueWrite(recordId, 'hubspot', { score: 10 }, 100);
    const id = store.dueWrites('hubspot', 100, 1)[0]!.id;
    store.markRetry(id, { error: '500', nextAttemptAt: 5_000, countAttempt: true, at: 101 });
    store.enqueueWrite(recordId, 'hubspot', { score: 11 }, 200);
    expect(store.dueWrites('hubspot', 4_999, 10)).toEqual([]);
    expect(store.dueWrites('hubspot', 5_000, 10)[0]).toMatchObject({ id, attempts: 0, lastError: null });
  });

  it('given pending writes, when parked or skipped, then they leave the due list with the reason kept', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('1'), lead('2')]);
    const [a, b] = ['1', '2'].map((x) => store.getRecordByExternalId('hubspot', x)!.id);
    store.enqueueWrite(a!, 'hubspot', { score: 1 }, 100);
    store.enqueueWrite(b!, 'hubspot', { score: 2 }, 100);
    const [first, second] = store.dueWrites('hubspot', 100, 10);

    expect(store.park(first!.id, 'PROPERTY_DOESNT_EXIST', 200)).toBe(true);
    expect(store.skip(second!.id, 'a person changed the field', 200)).toBe(true);
    expect(store.park(first!.id, 'again', 300)).toBe(false);

    expect(store.dueWrites('hubspot', 1_000, 10)).toEqual([]);
    expect(store.listOutbox({ status: 'parked', limit: 10 })).toEqual([
      expect.objectContaining({ id: first!.id, lastError: 'PROPERTY_DOESNT_EXIST', status: 'parked' }),
    ]);
    expect(store.outboxCounts('hubspot')).toEqual({ pending: 0, sent: 0, parked: 1, skipped: 1 });
    // A parked write does not block a new one for the same record.
    expect(store.enqueueWrite(a!, 'hubspot', { score: 3 }, 400)).toBe(true);
  });
});
