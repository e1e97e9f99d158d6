import { describe, expect, it } from 'vitest';
import { LeadscoreError } from '../../src/errors.js';
import { lead, tempStore } from './helpers.js';

describe('rule sets', () => {
  it('given a saved rule set, when saved again and activated, then it is stored once and active', () => {
    const { store } = tempStore();
    store.saveRuleSet({ hash: 'h1', name: 'default', body: '{"a":1}' }, 10);
    store.saveRuleSet({ hash: 'h1', name: 'renamed', body: '{"a":1}' }, 20);
    store.saveRuleSet({ hash: 'h2', name: 'next', body: '{"a":2}' }, 30);
    expect(store.activeRuleSet()).toBeUndefined();

    store.activateRuleSet('h1', 40);
    expect(store.activeRuleSet()).toEqual({
      hash: 'h1',
      name: 'default',
      body: '{"a":1}',
      createdAt: 10,
      activatedAt: 40,
    });
    store.activateRuleSet('h2', 50);
    expect(store.activeRuleSet()?.hash).toBe('h2');
    expect(store.listRuleSets().map((r) => r.hash)).toEqual(['h2', 'h1']);
    expect(store.getRuleSet('h1')?.name).toBe('default');
    expect(() => store.activateRuleSet('nope', 60)).toThrow(LeadscoreError);
  });
});

describe('cursors', () => {
  it('given a cursor set inside the transaction of its page, when read, then the latest value is returned', () => {
    const { store } = tempStore();
    expect(store.getCursor('hubspot', 'contacts')).toBeUndefined();
    store.transaction(() => {
      store.upsertRecords([lead('1')]);
      store.setCursor('hubspot', 'contacts', '2024-01-01T00:00:00Z|1', 100);
    });
    store.setCursor('hubspot', 'contacts', '2024-02-01T00:00:00Z|9', 200);
    store.setCursor('hubspot', 'events', 'e-5', 200);
    expect(store.getCursor('hubspot', 'contacts')).toEqual({
      value: '2024-02-01T00:00:00Z|9',
      updatedAt: 200,
    });
    expect(store.getCursor('salesforce', 'contacts')).toBeUndefined();
  });
});

describe('runs', () => {
  it('given runs, when finished or left running at a crash, then their status and stats are kept', () => {
    const { store } = tempStore();
    const done = store.startRun('sync', 'hubspot', 100);
    const crashed = store.startRun('score', null, 200);
    expect(
      store.finishRun(done, { status: 'succeeded', stats: { records: 3, nested: { a: [1] } }, at: 150 }),
    ).toBe(true);
    expect(store.finishRun(done, { status: 'failed', at: 160 })).toBe(false);

    expect(store.markInterruptedRuns(300)).toBe(1);
    expect(store.listRuns(10)).toEqual([
      expect.objectContaining({
        id: crashed,
        kind: 'score',
        source: null,
        status: 'interrupted',
        finishedAt: 300,
      }),
      {
        id: done,
        kind: 'sync',
        source: 'hubspot',
        startedAt: 100,
        finishedAt: 150,
        status: 'succeeded',
        stats: { records: 3, nested: { a: [1] } },
        error: null,
      },
    ]);
    expect(store.listRuns(1)).toHaveLength(1);
  });
});

describe('secrets', () => {
  it('given a secret blob, when put, read, listed and deleted, then it round-trips byte for byte', () => {
    const { store } = tempStore();
    const value = Buffer.from([0, 1, 2, 255, 254, 0]);
    store.putSecret('hubspot.token', value, 10);
    store.putSecret('a.key', Buffer.from('x'), 10);
    expect(store.getSecret('hubspot.token')?.equals(value)).toBe(true);
    expect(store.listSecretNames()).toEqual(['a.key', 'hubspot.token']);

    store.putSecret('hubspot.token', Buffer.from('new'), 20);
    expect(store.getSecret('hubspot.token')?.toString()).toBe('new');
    expect(store.deleteSecret('hubspot.token')).toBe(true);
    expect(store.deleteSecret('hubspot.token')).toBe(false);
    expect(store.getSecret('hubspot.token')).toBeUndefined();
  });
});
