import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHubSpotConnector } from '../../connectors/hubspot/adapter.js';
import { HubSpotClient } from '../../connectors/hubspot/client.js';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import { withCrashCheck } from '../../src/cli/crm.js';
import { loadRulesFile } from '../../src/config/load.js';
import type { CrmWriter } from '../../src/crm/ports.js';
import { openStore, type Store } from '../../src/store/index.js';
import { runSync } from '../../src/sync/run.js';
import {
  drainOutbox,
  enqueueChangedScores,
  type WriteBackFields,
  writeFieldsFor,
} from '../../src/sync/writeback.js';

/**
 * A process killed while a batch is on its way leaves the writes in doubt: the CRM may have applied them. The
 * next drain reads them back (one batch read) and sends only what the CRM does not hold, so a crash writes no
 * record twice. Through the real SDK against the HubSpot sandbox, whose property history counts API writes.
 */

const FIELDS: WriteBackFields = {
  score: 'leadscore_score',
  band: 'leadscore_band',
  fit: 'leadscore_fit',
  engagement: 'leadscore_engagement',
  reasons: 'leadscore_reasons',
  stage: 'leadscore_stage',
  updatedAt: 'leadscore_updated_at',
};
const rules = loadRulesFile('config/rules.default.yaml');

let sb: HubSpotSandbox;
let dir: string;
let store: Store;

beforeEach(async () => {
  sb = await startHubSpotSandbox({ port: 0, seed: 23, contacts: 30, tier: 'professional' });
  dir = mkdtempSync(join(tmpdir(), 'leadscore-doubt-'));
  store = openStore(join(dir, 'leadscore.db'));
});

afterEach(async () => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
  await sb.close();
});

function connector() {
  const client = new HubSpotClient({
    auth: { kind: 'privateApp', accessToken: sb.token },
    tier: 'professional',
    basePath: sb.baseUrl,
    sleep: async () => {},
  });
  return createHubSpotConnector({
    client,
    tier: 'professional',
    writeFields: writeFieldsFor(FIELDS),
    disabledStreams: ['meetings', 'calls', 'deals'],
  });
}

/** API writes of leadscore_score per contact id, from the sandbox's property history. */
function scoreWrites(): Map<string, number> {
  const contacts = sb.state.store;
  const writes = new Map<string, number>();
  for (let row = 0; row < contacts.rowCount; row++) {
    if (!contacts.isLive(row)) continue;
    const count = contacts
      .historyOf(row, 'leadscore_score')
      .filter((entry) => entry.sourceType === 'INTEGRATION').length;
    writes.set(contacts.idOf(row), count);
  }
  return writes;
}

/** Pulls and scores, enqueues every score, then "crashes" with all of it in flight and `applied` of it applied. */
async function crashMidBatch(writer: CrmWriter, applied: number) {
  const now = Date.now();
  await runSync({ store, reader: connector().reader, rules, mode: 'full', asOf: now, now: () => now });
  await writer.ensureFields(writeFieldsFor(FIELDS));
  enqueueChangedScores(store, 'hubspot', { fields: FIELDS, onHumanOverwrite: 'respect' }, now);
  const due = store.dueWrites('hubspot', now, 1000);
  expect(due.length).toBeGreaterThan(applied);
  store.markDispatched(
    due.map((row) => row.id),
    now,
  );
  // The CRM applied the first `applied` writes; the process died before it recorded the answer.
  await writer.write(
    due
      .slice(0, applied)
      .map((row) => ({ outboxId: row.id, externalId: row.externalId, values: row.payload })),
  );
  return due;
}

describe('write-back after a crash mid-batch', () => {
  it('given writes in doubt, the CRM holding some, then those are marked sent without a second write and the rest are written once', async () => {
    const { writer, planWrites } = connector();
    const checked = withCrashCheck(writer, (batch) => planWrites(batch));
    const due = await crashMidBatch(checked, 12);
    const before = scoreWrites();

    const stats = await drainOutbox(store, checked, { now: () => Date.now() });

    expect(stats.alreadyApplied).toBe(12);
    expect(stats.written).toBe(due.length - 12);
    const after = scoreWrites();
    for (const [index, row] of due.entries()) {
      const expectedWrites = 1; // exactly one API write of each record's score, crash or not
      expect(after.get(row.externalId), `contact ${row.externalId} (#${index})`).toBe(expectedWrites);
    }
    expect([...before.values()].reduce((a, b) => a + b, 0)).toBe(12);
    expect(store.outboxCounts('hubspot')).toMatchObject({ pending: 0, sent: due.length });
    expect(store.inDoubtWrites('hubspot', 10)).toEqual([]);
  });

  it('given a writer without the crash check, then writes in doubt are simply sent again (what the check saves)', async () => {
    const { writer } = connector();
    const due = await crashMidBatch(writer, 12);

    const stats = await drainOutbox(store, writer, { now: () => Date.now() });

    expect(stats.alreadyApplied ?? 0).toBe(0);
    expect(stats.written).toBe(due.length);
    const twice = [...scoreWrites().values()].filter((count) => count === 2).length;
    expect(twice).toBe(12);
  });

  it('given a batch answered normally, then nothing is left in doubt', async () => {
    const { writer, planWrites } = connector();
    const now = Date.now();
    await runSync({ store, reader: connector().reader, rules, mode: 'full', asOf: now, now: () => now });
    await writer.ensureFields(writeFieldsFor(FIELDS));
    enqueueChangedScores(store, 'hubspot', { fields: FIELDS, onHumanOverwrite: 'respect' }, now);
    const stats = await drainOutbox(
      store,
      withCrashCheck(writer, (batch) => planWrites(batch)),
      {
        now: () => Date.now(),
      },
    );
    expect(stats.written).toBeGreaterThan(0);
    expect(stats.alreadyApplied).toBeUndefined();
    expect(store.inDoubtWrites('hubspot', 10)).toEqual([]);
  });
});
