import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CrmReader, CrmWriter, PulledPage } from '../../src/crm/ports.js';
import { type LeadRecord, WON_DEAL_AT_PROPERTY } from '../../src/crm/vocabulary.js';
import { openStore, type Store } from '../../src/store/index.js';
import { pullAll } from '../../src/sync/pull.js';
import { rescore } from '../../src/sync/rescore.js';
import { runSync } from '../../src/sync/run.js';
import { pendingWrites, type WriteBackFields } from '../../src/sync/writeback.js';
import { rules } from '../scoring/helpers.js';

/**
 * Our own write-back read back (src/sync/echo.ts): a record that changed only by leadscore's write is neither
 * stored again nor rescored, while anyone else's change, a score field a person overwrote included, still is.
 */

const FIELDS: WriteBackFields = {
  score: 'ls_score',
  band: 'ls_band',
  fit: 'ls_fit',
  engagement: 'ls_engagement',
  reasons: 'ls_reasons',
  stage: 'ls_stage',
  updatedAt: 'ls_updated_at',
};
const OWN = Object.values(FIELDS);
const AS_OF = Date.UTC(2026, 10, 25);
const SOURCE = 'crm';

/** A CRM whose one record stream serves whatever `current` holds, and which applies writes to it, as CRMs do. */
function fakeCrm() {
  const current = new Map<string, LeadRecord>();
  let clock = 1_000;
  const put = (record: LeadRecord) => current.set(record.externalId, { ...record, updatedAt: ++clock });
  const reader: CrmReader = {
    source: SOURCE,
    streams: () => [
      {
        name: 'records',
        pull: async (): Promise<PulledPage> => ({
          records: [...current.values()].map((record) => ({
            ...record,
            properties: { ...record.properties },
          })),
          events: [],
          archived: [],
          merges: [],
          cursor: 'end',
          done: true,
        }),
      },
    ],
    readRecords: async () => [],
  };
  const writer: CrmWriter = {
    target: SOURCE,
    maxBatchSize: 100,
    ensureFields: async () => ({ created: [], existing: [] }),
    write: async (batch) =>
      batch.map((write) => {
        const record = current.get(write.externalId)!;
        // Values come back as strings, and the write bumps the modified time: the echo.
        const written = Object.fromEntries(Object.entries(write.values).map(([k, v]) => [k, String(v)]));
        put({ ...record, properties: { ...record.properties, ...written } });
        return { outboxId: write.outboxId, outcome: 'written' as const };
      }),
  };
  const edit = (id: string, properties: Record<string, string>) => {
    const record = current.get(id)!;
    put({ ...record, properties: { ...record.properties, ...properties } });
  };
  return { current, put, reader, writer, edit };
}

const lead = (id: string, title: string): LeadRecord => ({
  source: SOURCE,
  externalId: id,
  title,
  // Before the first write the CRM has the fields, empty.
  properties: Object.fromEntries(OWN.map((field) => [field, null])),
});

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

async function sync(crm: ReturnType<typeof fakeCrm>, mode: 'full' | 'incremental' = 'incremental') {
  return runSync({
    store,
    reader: crm.reader,
    writer: crm.writer,
    rules: rules({
      fit: { rules: [{ id: 'vp', label: 'VP', points: 20, field: 'title', op: 'contains', value: 'VP' }] },
    }),
    writeBack: { fields: FIELDS, onHumanOverwrite: 'respect' },
    mode,
    asOf: AS_OF,
  });
}

describe('the write-back echo', () => {
  it('given records leadscore just wrote, when pulled again, then none is stored again, rescored or restamped', async () => {
    const crm = fakeCrm();
    crm.put(lead('a', 'VP Sales'));
    crm.put(lead('b', 'Engineer'));
    const first = await sync(crm, 'full');
    expect(first.writeBack?.written).toBe(2);
    const before = store.getRecordByExternalId(SOURCE, 'a')!;

    const second = await sync(crm);
    expect(second.pull.records).toBe(2);
    expect(second.pull.unchanged).toBe(2);
    expect(second.scoring.records).toBe(0);
    expect(second.enqueue?.enqueued).toBe(0);
    expect(second.enqueue?.humanOverwrites).toBe(0);
    const after = store.getRecordByExternalId(SOURCE, 'a')!;
    expect(after.dirty).toBe(false);
    // The modified time stays that of the last change someone else made (fit decay ages data by it).
    expect(after.updatedAt).toBe(before.updatedAt);
    // Our own values are not kept with the record: only a value someone else puts there is.
    expect(Object.keys(after.properties).filter((key) => OWN.includes(key))).toEqual([]);
  });

  it('given a person edits a record after our write, when pulled, then it is stored and rescored', async () => {
    const crm = fakeCrm();
    crm.put(lead('a', 'Engineer'));
    await sync(crm, 'full');
    crm.current.set('a', { ...crm.current.get('a')!, title: 'VP Engineering', updatedAt: 9_999 });

    const stats = await sync(crm);
    expect(stats.pull.unchanged).toBe(0);
    expect(stats.scoring.records).toBe(1);
    expect(stats.writeBack?.written).toBe(1);
    expect(store.getRecordByExternalId(SOURCE, 'a')!.updatedAt).toBe(9_999);
  });

  it('given a person overwrote a written score, when pulled, then the value is kept and reported as an overwrite', async () => {
    const crm = fakeCrm();
    crm.put(lead('a', 'Engineer'));
    await sync(crm, 'full');
    crm.edit('a', { ls_score: '99' });

    await pullAll(store, crm.reader, { mode: 'incremental', ownFields: OWN });
    expect(store.getRecordByExternalId(SOURCE, 'a')!.properties.ls_score).toBe('99');
    rescore(store, rules(), { mode: 'changed', asOf: AS_OF });
    const overwritten: string[][] = [];
    const writes = [
      ...pendingWrites(store, SOURCE, { fields: FIELDS, onHumanOverwrite: 'overwrite' }, (_, fields) =>
        overwritten.push(fields),
      ),
    ];
    expect(overwritten).toEqual([['ls_score']]);
    expect(writes).toHaveLength(0);
  });

  it('given our own values are not stored, when planning a write, then the CRM values shown are the ones last sent', async () => {
    const crm = fakeCrm();
    crm.put(lead('a', 'Engineer'));
    await sync(crm, 'full');
    await sync(crm);
    const sent = crm.current.get('a')!.properties;

    // A rule change moves the fit score: the plan compares with what HubSpot holds, i.e. what was last sent.
    const titled = rules({
      fit: { rules: [{ id: 'any', label: 'Any title', points: 5, field: 'title', op: 'exists' }] },
    });
    rescore(store, titled, {
      mode: 'all',
      asOf: AS_OF,
    });
    const [write] = [
      ...pendingWrites(store, SOURCE, { fields: FIELDS, onHumanOverwrite: 'respect' }, () => {}),
    ];
    expect(write?.crmValues.ls_band).toBe(sent.ls_band);
    expect(String(write?.crmValues.ls_score)).toBe(sent.ls_score);
  });

  it('given no own fields (a pull without write-back), when pulled, then records are stored as the CRM sends them', async () => {
    const crm = fakeCrm();
    crm.put({ ...lead('a', 'Engineer'), properties: { ls_score: '5' } });
    await pullAll(store, crm.reader, { mode: 'full' });
    expect(store.getRecordByExternalId(SOURCE, 'a')!.properties.ls_score).toBe('5');
    const again = await pullAll(store, crm.reader, { mode: 'incremental' });
    expect(again.unchanged).toBe(0);
  });

  it.each([
    ['with write-back (the echo filter)', OWN],
    ['without write-back', undefined],
  ])(
    'given a stored won-deal label, when pulled %s, then a record without the key keeps it and an explicit null clears it',
    async (_, ownFields) => {
      const crm = fakeCrm();
      const won = Date.UTC(2026, 9, 1);
      crm.put({ ...lead('a', 'Engineer'), properties: { [WON_DEAL_AT_PROPERTY]: won } });
      const pull = (mode: 'full' | 'incremental') =>
        pullAll(store, crm.reader, { mode, ...(ownFields ? { ownFields } : {}) });
      await pull('full');
      const label = () => store.getRecordByExternalId(SOURCE, 'a')!.properties[WON_DEAL_AT_PROPERTY];
      expect(label()).toBe(won);

      // Another stream reads the record without the deals: its own edit is stored, the label stays.
      crm.put({ ...lead('a', 'CTO'), properties: {} });
      await pull('incremental');
      expect(store.getRecordByExternalId(SOURCE, 'a')!.title).toBe('CTO');
      expect(label()).toBe(won);
      // Unchanged but for the missing key: nothing to store.
      if (ownFields) expect((await pull('incremental')).unchanged).toBe(1);

      crm.put({ ...lead('a', 'CTO'), properties: { [WON_DEAL_AT_PROPERTY]: null } });
      await pull('incremental');
      expect(store.getRecordByExternalId(SOURCE, 'a')!.properties).not.toHaveProperty(WON_DEAL_AT_PROPERTY);
    },
  );
});
