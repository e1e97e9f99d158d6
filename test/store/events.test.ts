import { describe, expect, it } from 'vitest';
import { event, lead, result, tempStore } from './helpers.js';

describe('insertEvents', () => {
  it('given events already stored, when inserted again, then they are counted as duplicates, not errors', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('1')]);
    expect(store.insertEvents([event('e1', '1', 10), event('e2', '1', 20)])).toEqual({
      inserted: 2,
      duplicates: 0,
      unknownRecords: [],
    });
    expect(store.insertEvents([event('e2', '1', 20), event('e3', '1', 30), event('e3', '1', 30)])).toEqual({
      inserted: 1,
      duplicates: 2,
      unknownRecords: [],
    });
    expect(store.countEvents()).toBe(3);
  });

  it('given events for records the store does not know, when inserted, then they are skipped and each id reported once', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('1')]);
    const outcome = store.insertEvents([
      event('a', 'x', 1),
      event('b', 'x', 2),
      event('c', 'y', 3),
      event('d', '1', 4),
    ]);
    expect(outcome).toEqual({ inserted: 1, duplicates: 0, unknownRecords: ['x', 'y'] });
    expect(store.countEvents()).toBe(1);
  });

  it('given a clean record, when an event is inserted for it, then it is marked dirty', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('1')]);
    const id = store.getRecordByExternalId('hubspot', '1')!.id;
    store.saveScores([{ recordId: id, result: result(1), eventsSeq: 0, previous: null }], {
      rulesetHash: 'r',
      asOf: 1,
      at: 1,
    });
    expect(store.getRecord(id)?.dirty).toBe(false);
    store.insertEvents([event('e1', '1', 10)]);
    expect(store.getRecord(id)?.dirty).toBe(true);
  });

  it('given events with and without attributes, when read back, then they come in time order with attributes intact', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('1')]);
    store.insertEvents([
      event('late', '1', 30, 'email_click', { url: 'https://x.test/p', campaignId: 7, bounce: null }),
      event('early', '1', 10),
      event('tie', '1', 30, 'form_submission', { formId: 'f1' }),
    ]);
    const events = store.eventsForRecord(store.getRecordByExternalId('hubspot', '1')!.id);
    expect(events.map((e) => [e.id, e.type, e.occurredAt, e.attributes])).toEqual([
      ['early', 'page_view', 10, {}],
      ['late', 'email_click', 30, { url: 'https://x.test/p', campaignId: 7, bounce: null }],
      ['tie', 'form_submission', 30, { formId: 'f1' }],
    ]);
    expect(events[1]!.seq).toBeLessThan(events[2]!.seq);
  });
});

describe('transaction', () => {
  it('given writes inside store.transaction, when fn throws, then none of them is kept', () => {
    const { store } = tempStore();
    store.upsertRecords([lead('0')]);
    expect(() =>
      store.transaction(() => {
        store.upsertRecords([lead('1')]);
        store.insertEvents([event('e1', '1', 1)]);
        store.setCursor('hubspot', 'contacts', 'page-2', 5);
        throw new Error('the page failed half-way');
      }),
    ).toThrow('half-way');
    expect(store.countRecords()).toBe(1);
    expect(store.countEvents()).toBe(0);
    expect(store.getCursor('hubspot', 'contacts')).toBeUndefined();
  });

  it('given a nested transaction that throws and is caught, when the outer one commits, then only the inner writes are undone', () => {
    const { store } = tempStore();
    store.transaction(() => {
      store.upsertRecords([lead('1')]);
      try {
        store.transaction(() => {
          store.upsertRecords([lead('2')]);
          throw new Error('inner');
        });
      } catch {
        // the caller decides the inner failure is fine
      }
    });
    expect(store.findRecords('1', 5)).toHaveLength(1);
    expect(store.findRecords('2', 5)).toHaveLength(0);
  });
});
