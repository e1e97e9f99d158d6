import { describe, expect, it } from 'vitest';
import { LeadscoreError } from '../../src/errors.js';
import { event, lead, result, tempStore } from './helpers.js';

describe('records', () => {
  it('given new records, when upserted, then they are inserted dirty and read back as given', () => {
    const { store } = tempStore();
    const record = lead('1', {
      firstName: 'Ada',
      createdAt: 1_000,
      updatedAt: 2_000,
      dataQuality: ['companySize: "lots" is not a number'],
    });
    expect(store.upsertRecords([record, lead('2')], 10)).toEqual({ inserted: 2, updated: 0, unchanged: 0 });

    const stored = store.getRecordByExternalId('hubspot', '1')!;
    expect(stored).toMatchObject({
      ...record,
      dirty: true,
      archivedAt: null,
      mergedInto: null,
      storedAt: 10,
    });
    expect(stored.title).toBeUndefined();
    expect(store.getRecord(stored.id)?.externalId).toBe('1');
    expect(store.countRecords()).toBe(2);
  });

  it('given stored clean records, when the same data comes again (properties in another order), then nothing is touched', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('1', { properties: { a: 1, b: 'x' } })], 10);
    const id = store.getRecordByExternalId('hubspot', '1')!.id;
    store.saveScores([{ recordId: id, result: result(10), eventsSeq: 0, previous: null }], {
      rulesetHash: 'r1',
      asOf: 10,
      at: 10,
    });

    expect(store.upsertRecords([lead('1', { properties: { b: 'x', a: 1 } })], 20)).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 1,
    });
    const stored = store.getRecord(id)!;
    expect(stored.dirty).toBe(false);
    expect(stored.changedAt).toBe(10);
  });

  it('given a stored clean record, when a field or a property changes, then it is updated and marked dirty', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('1'), lead('2')], 10);
    const ids = ['1', '2'].map((x) => store.getRecordByExternalId('hubspot', x)!.id);
    store.saveScores(
      ids.map((recordId) => ({ recordId, result: result(10), eventsSeq: 0, previous: null })),
      { rulesetHash: 'r1', asOf: 10, at: 10 },
    );

    const outcome = store.upsertRecords(
      [lead('1', { title: 'CTO' }), lead('2', { properties: { hs_lead_status: 'OPEN' } })],
      20,
    );
    expect(outcome).toEqual({ inserted: 0, updated: 2, unchanged: 0 });
    expect(store.getRecord(ids[0]!)).toMatchObject({ title: 'CTO', dirty: true, changedAt: 20 });
    expect(store.getRecord(ids[1]!)?.properties).toEqual({ hs_lead_status: 'OPEN' });
  });

  it('given a record whose company size is not a finite number, when it comes again unchanged, then it is unchanged', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('1', { companySize: Number.NaN })]);
    expect(store.upsertRecords([lead('1', { companySize: Number.NaN })]).unchanged).toBe(1);
    expect(store.getRecordByExternalId('hubspot', '1')?.companySize).toBeUndefined();
  });

  it('given a record with a value, when it comes again without it, then the value is cleared', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('1', { title: 'CTO' })]);
    expect(store.upsertRecords([lead('1')]).updated).toBe(1);
    expect(store.getRecordByExternalId('hubspot', '1')?.title).toBeUndefined();
  });

  it('given records, when found by external id or by email in another case, then they are returned', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('1', { email: 'Ada@Example.com' }), lead('2')]);
    expect(store.findRecords('ada@example.COM', 5).map((r) => r.externalId)).toEqual(['1']);
    expect(store.findRecords('2', 5).map((r) => r.externalId)).toEqual(['2']);
    expect(store.findRecords('nobody', 5)).toEqual([]);
  });

  it('given records, when archived, then they leave the live count, and a return of the record restores it', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('1'), lead('2')]);
    expect(store.archiveRecords('hubspot', ['1', 'unknown'], 50)).toBe(1);
    expect(store.archiveRecords('hubspot', ['1'], 60)).toBe(0);
    expect(store.getRecordByExternalId('hubspot', '1')?.archivedAt).toBe(50);
    expect(store.countRecords()).toBe(1);

    expect(store.upsertRecords([lead('1')]).updated).toBe(1);
    expect(store.getRecordByExternalId('hubspot', '1')?.archivedAt).toBeNull();
  });

  it('given records with properties, when asked for property names, then the distinct names are listed sorted', () => {
    const { store } = tempStore();
    store.upsertRecords([
      lead('1', { properties: { b: 1, a: null } }),
      lead('2', { properties: { c: 'x', a: 2 } }),
    ]);
    expect(store.knownPropertyNames()).toEqual(['a', 'b', 'c']);
  });
});

describe('mergeRecords', () => {
  it('given a survivor and a scored record with events, when merged, then events and ledger move and the survivor is dirty', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('s'), lead('m')], 10);
    store.insertEvents([event('e1', 's', 100), event('e2', 'm', 200), event('e3', 'm', 50)]);
    const survivor = store.getRecordByExternalId('hubspot', 's')!.id;
    const merged = store.getRecordByExternalId('hubspot', 'm')!.id;
    store.saveScores(
      [survivor, merged].map((recordId) => ({ recordId, result: result(10), eventsSeq: 9, previous: null })),
      { rulesetHash: 'r1', asOf: 10, at: 10 },
    );
    const pendingId = store.enqueueWrite(merged, 'hubspot', { score: 10 }, 10);
    expect(pendingId).toBe(true);

    const outcome = store.mergeRecords('hubspot', 's', ['m', 'ghost'], 500);

    expect(outcome).toEqual({ survivorId: survivor, merged: 1, unknown: ['ghost'] });
    expect(store.eventsForRecord(survivor).map((e) => e.id)).toEqual(['e3', 'e1', 'e2']);
    expect(store.eventsForRecord(merged)).toEqual([]);
    expect(store.history(survivor)).toHaveLength(2);
    expect(store.history(merged)).toEqual([]);
    expect(store.getScore(merged)).toBeUndefined();
    expect(store.getRecord(merged)).toMatchObject({ mergedInto: survivor, archivedAt: 500 });
    expect(store.getRecord(survivor)?.dirty).toBe(true);
    expect(store.outboxCounts('hubspot')).toMatchObject({ pending: 0, skipped: 1 });
    expect(store.countRecords()).toBe(1);
  });

  it('given a record merged away, when an event arrives for it, then the event lands on the survivor', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('s'), lead('m')]);
    store.mergeRecords('hubspot', 's', ['m']);
    expect(store.insertEvents([event('late', 'm', 5)]).inserted).toBe(1);
    const survivor = store.getRecordByExternalId('hubspot', 's')!.id;
    expect(store.eventsForRecord(survivor).map((e) => e.id)).toEqual(['late']);
  });

  it('given an unknown survivor, when merging, then ERR_RECORD_NOT_FOUND and nothing changes', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('m')]);
    expect(() => store.mergeRecords('hubspot', 'nobody', ['m'])).toThrow(LeadscoreError);
    expect(store.getRecordByExternalId('hubspot', 'm')?.mergedInto).toBeNull();
  });
});
