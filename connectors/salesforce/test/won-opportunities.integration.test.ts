import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRulesFile } from '../../../src/config/load.js';
import { WON_DEAL_AT_PROPERTY } from '../../../src/crm/vocabulary.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { runSync } from '../../../src/sync/run.js';
import { createSalesforceConnector } from '../adapter.js';
import { SalesforceClient } from '../client.js';
import type { SalesforceObject } from '../mapping.js';
import { parseId } from '../sandbox/ids.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandbox/index.js';

/** Won opportunities as conversion labels (BEHAVIOR 27), through jsforce against the sandbox. */

const rules = loadRulesFile('config/rules.default.yaml');
const DAY = 86_400_000;
let sb: SalesforceSandbox;
let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leadscore-sf-won-'));
  store = openStore(join(dir, 'leadscore.db'));
  sb = await startSalesforceSandbox({ port: 0, seed: 11, leads: 600, edition: 'enterprise' });
});

afterEach(async () => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
  await sb.close();
});

function connector(object: SalesforceObject) {
  const client = new SalesforceClient({
    auth: { kind: 'accessToken', accessToken: sb.accessToken },
    loginUrl: sb.loginUrl,
    instanceUrl: sb.instanceUrl,
    sleep: async () => {},
  });
  return createSalesforceConnector({ client, object, writeFields: [] });
}

/** Opportunity rows as the sandbox holds them, read independently of the connector. */
function opportunities() {
  const table = sb.state.table('Opportunity');
  if (!table) throw new Error('no Opportunity table');
  return Array.from({ length: table.rows }, (_, row) => ({
    id: table.id(row),
    contactId: table.get(row, 'ContactId') as string | null,
    isWon: table.get(row, 'IsWon') === true,
    closeDate: table.get(row, 'CloseDate') as number,
  }));
}

function leadIdByOpportunity(): Map<string, string> {
  const leads = sb.state.table('Lead');
  if (!leads) throw new Error('no Lead table');
  const out = new Map<string, string>();
  for (let row = 0; row < leads.rows; row++) {
    const opp = leads.get(row, 'ConvertedOpportunityId');
    if (typeof opp === 'string' && leads.get(row, 'IsDeleted') !== true) out.set(opp, leads.id(row));
  }
  return out;
}

const stored = (id: string) =>
  store.getRecordByExternalId('salesforce', id)?.properties[WON_DEAL_AT_PROPERTY] ?? undefined;

describe('won opportunities as conversion labels', () => {
  it('given won and open deals, when leads sync, then exactly the leads whose converted opportunity is won carry its CloseDate', async () => {
    const opps = opportunities();
    const won = opps.filter((opp) => opp.isWon);
    expect(won.length).toBeGreaterThan(0);
    expect(opps.length).toBeGreaterThan(won.length);
    await runSync({ store, reader: connector('Lead').reader, rules, mode: 'full', asOf: Date.now() });
    const leadOf = leadIdByOpportunity();
    for (const opp of opps) {
      const lead = leadOf.get(opp.id);
      if (!lead) continue;
      expect(stored(lead)).toBe(opp.isWon ? Math.floor(opp.closeDate / DAY) * DAY : undefined);
    }
  });

  it('given a deal won after the first sync, when an incremental sync runs, then the won-opportunities stream labels its lead', async () => {
    const { reader } = connector('Lead');
    await runSync({ store, reader, rules, mode: 'full', asOf: Date.now() });
    const leadOf = leadIdByOpportunity();
    const open = opportunities().find((opp) => !opp.isWon && leadOf.has(opp.id));
    if (!open) throw new Error('the seed has no open converted opportunity');
    const lead = leadOf.get(open.id) as string;
    expect(stored(lead)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // Winning the deal moves the Opportunity's SystemModstamp, not the lead's.
    sb.state.editRecord('Opportunity', open.id, { StageName: 'Closed Won', CloseDate: '2026-02-03' });
    const streams: string[] = [];
    const stats = await runSync({
      store,
      reader: {
        ...reader,
        streams: (mode) =>
          reader.streams(mode).map((stream) => ({
            name: stream.name,
            pull: async (cursor) => {
              const page = await stream.pull(cursor);
              for (const record of page.records) if (record.externalId === lead) streams.push(stream.name);
              return page;
            },
          })),
      },
      rules,
      mode: 'incremental',
      asOf: Date.now(),
    });
    expect(streams).toEqual(['lead-won-opportunities']);
    expect(stats.pull.records).toBe(1);
    expect(stored(lead)).toBe(Date.parse('2026-02-03T00:00:00Z'));
  });

  it('given contacts with won deals, when contacts sync, then each carries the earliest won CloseDate of its opportunities', async () => {
    const opps = opportunities();
    const contact = opps.find((opp) => opp.isWon && opp.contactId)?.contactId as string;
    // A second won deal for the same contact, earlier than its own: the earliest is the label.
    const second = opps.find((opp) => !opp.isWon && opp.contactId !== contact)?.id as string;
    sb.state.editRecord('Opportunity', second, { StageName: 'Closed Won', CloseDate: '2024-05-06' });
    // ContactId is create-only through the API; the sandbox table is set directly to build the fixture.
    sb.state.table('Opportunity')?.set(parseId(second)?.row ?? -1, 'ContactId', contact);
    await runSync({ store, reader: connector('Contact').reader, rules, mode: 'full', asOf: Date.now() });
    expect(stored(contact)).toBe(Date.parse('2024-05-06T00:00:00Z'));
    const expected = new Map<string, number>();
    for (const opp of opportunities()) {
      if (!opp.isWon || !opp.contactId) continue;
      const at = Math.floor(opp.closeDate / DAY) * DAY;
      expected.set(opp.contactId, Math.min(expected.get(opp.contactId) ?? at, at));
    }
    for (const [id, at] of expected)
      if (store.getRecordByExternalId('salesforce', id)) expect(stored(id)).toBe(at);
    const unlabelled = (sb.state.table('Contact')?.rows ?? 0) - expected.size;
    expect(unlabelled).toBeGreaterThan(0);
  });
});
