import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WON_DEAL_AT_PROPERTY } from '../../../src/crm/vocabulary.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { pullAll } from '../../../src/sync/pull.js';
import { createHubSpotConnector } from '../adapter.js';
import { HubSpotClient } from '../client.js';
import { type HubSpotSandbox, startHubSpotSandbox } from '../sandbox/index.js';

/**
 * Won deals as conversion labels, end to end: the real SDK against the sandbox, the real pipeline and store.
 * Each `connector()` is a fresh connector, as a new `leadscore sync` process would build.
 */

const CONTACTS = 800;
const CONTACT_DEALS = 'POST /crm/v4/associations/contacts/deals/batch/read';
const DEALS_LIST = 'GET /crm/v3/objects/deals';
const DEALS_SEARCH = 'POST /crm/v3/objects/deals/search';

let sb: HubSpotSandbox;
let dir: string;
let store: Store;

beforeEach(async () => {
  sb = await startHubSpotSandbox({ port: 0, seed: 5, contacts: CONTACTS, tier: 'professional' });
  dir = mkdtempSync(join(tmpdir(), 'leadscore-hs-deals-'));
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
  });
  return createHubSpotConnector({
    client,
    tier: 'professional',
    writeFields: [],
    searchOverlapMs: 0,
    disabledStreams: ['email-events', 'form-submissions', 'meetings', 'calls'],
  });
}

async function control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${sb.baseUrl}/__sandbox${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** The earliest close date of the contact's won deals, read from the sandbox's own state. */
function truth(contactId: string): number | undefined {
  const { deals, store: contacts } = sb.state;
  const closes = deals
    .dealsOfContact(contacts.resolve(contactId))
    .filter((index) => deals.get(index, 'hs_is_closed_won') === 'true')
    .map((index) => Date.parse(deals.get(index, 'closedate') as string));
  return closes.length > 0 ? Math.min(...closes) : undefined;
}

function contactIds(): string[] {
  return Array.from({ length: CONTACTS }, (_, row) => sb.state.store.idOf(row));
}

const label = (id: string) => store.getRecordByExternalId('hubspot', id)?.properties[WON_DEAL_AT_PROPERTY];
const calls = (endpoint: string) => sb.requestLog.countsByEndpoint()[endpoint] ?? 0;
/** Every call about deals: the list, search, batch reads and associations either way. */
const dealCalls = () =>
  Object.entries(sb.requestLog.countsByEndpoint())
    .filter(([endpoint]) => endpoint.includes('deals'))
    .reduce((sum, [, n]) => sum + n, 0);

/** A contact with no deal at all, and one with only an open deal. */
function pickContacts() {
  const { deals, store: contacts } = sb.state;
  const ids = contactIds();
  const bare = ids.find((id) => deals.dealsOfContact(contacts.resolve(id)).length === 0);
  const open = ids.find((id) => {
    const own = deals.dealsOfContact(contacts.resolve(id));
    return own.length === 1 && deals.get(own[0] as number, 'hs_is_closed') === 'false';
  });
  if (!bare || !open) throw new Error('the seed has no bare or open-deal contact');
  const openDeal = deals.get(deals.dealsOfContact(contacts.resolve(open))[0] as number, 'hs_object_id');
  return { bare, open, openDeal: openDeal as string };
}

describe('won deals as conversion labels', () => {
  it('given a full sync, then every contact carries the earliest won close date and the contacts stream looks nothing up', async () => {
    await pullAll(store, connector().reader, { mode: 'full' });
    const labelled = contactIds().filter((id) => truth(id) !== undefined);
    expect(labelled.length).toBeGreaterThan(CONTACTS * 0.01);
    for (const id of contactIds()) expect(label(id), id).toBe(truth(id));
    // One list walk over the deals; the contacts pages learn everything from it.
    expect(calls(DEALS_LIST)).toBe(Math.ceil(sb.state.deals.count / 100));
    expect(calls(CONTACT_DEALS)).toBe(0);
    expect(store.getCursor('hubspot', 'deals')).toBeDefined();
  });

  it('given a first sync killed after the deals stream and one contacts page, when a new process resumes it, then every contact still carries its label', async () => {
    const crashing = connector().reader;
    let contactPages = 0;
    const dying = {
      ...crashing,
      streams: (mode: 'incremental' | 'full') =>
        crashing.streams(mode).map((stream) =>
          stream.name !== 'contacts'
            ? stream
            : {
                ...stream,
                pull: (cursor: string | undefined) => {
                  if (++contactPages > 1) throw new Error('killed');
                  return stream.pull(cursor);
                },
              },
        ),
    };
    await expect(pullAll(store, dying, { mode: 'incremental' })).rejects.toThrow('killed');
    expect(store.getCursor('hubspot', 'deals')).toBeDefined();

    // The daemon's next run is incremental: the contacts walk resumes from its saved list cursor.
    await pullAll(store, connector().reader, { mode: 'incremental' });
    expect(contactIds().filter((id) => truth(id) !== undefined).length).toBeGreaterThan(CONTACTS * 0.01);
    for (const id of contactIds()) expect(label(id), id).toBe(truth(id));
  });

  it('given a deal won after the last sync, when an incremental sync runs, then only its contact gains the label', async () => {
    await pullAll(store, connector().reader, { mode: 'full' });
    const before = new Map(contactIds().map((id) => [id, label(id)]));
    const { bare, open, openDeal } = pickContacts();
    const firstClose = Date.parse('2026-10-01T00:00:00.000Z');
    const secondClose = Date.parse('2026-09-15T00:00:00.000Z');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await control('POST', '/deals', {
      contactId: bare,
      properties: { dealstage: 'closedwon', closedate: String(firstClose) },
    });
    await control('PATCH', `/deals/${openDeal}`, {
      properties: { dealstage: 'closedwon', closedate: String(secondClose) },
    });

    await pullAll(store, connector().reader, { mode: 'incremental' });
    expect(label(bare)).toBe(firstClose);
    expect(label(open)).toBe(secondClose);
    for (const [id, value] of before) if (id !== bare && id !== open) expect(label(id), id).toBe(value);

    // The deal is reopened and lost: the label goes with it.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await control('PATCH', `/deals/${openDeal}`, { properties: { dealstage: 'closedlost' } });
    await pullAll(store, connector().reader, { mode: 'incremental' });
    expect(label(open)).toBeUndefined();
    expect(label(bare)).toBe(firstClose);
  });

  it('given no deal changed and a labelled contact edited in HubSpot, when a new process syncs incrementally, then one deals call is made and the label stays', async () => {
    await pullAll(store, connector().reader, { mode: 'full' });
    const won = contactIds().find((id) => truth(id) !== undefined) as string;
    expect(label(won)).toBe(truth(won));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await control('PATCH', `/contacts/${won}`, { properties: { jobtitle: 'Head of Revenue' } });
    const before = dealCalls();

    await pullAll(store, connector().reader, { mode: 'incremental' });
    expect(store.getRecordByExternalId('hubspot', won)?.title).toBe('Head of Revenue');
    expect(label(won)).toBe(truth(won));
    // The deals search finds nothing changed; the contacts stream reads no deal (the label is sticky).
    expect(dealCalls() - before).toBe(1);
    expect(calls(DEALS_SEARCH)).toBe(1);
  });

  it('given many changed deals and an edited contact, when a new process syncs incrementally, then only the changed deals are read', async () => {
    await pullAll(store, connector().reader, { mode: 'full' });
    const { bare } = pickContacts();
    const won = contactIds().find((id) => truth(id) !== undefined) as string;
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 600; i++)
      await control('POST', '/deals', { contactId: bare, properties: { dealstage: 'contractsent' } });
    await control('PATCH', `/contacts/${won}`, { properties: { jobtitle: 'Head of Revenue' } });
    const before = { list: calls(DEALS_LIST), lookups: calls(CONTACT_DEALS) };

    await pullAll(store, connector().reader, { mode: 'incremental' });
    expect(label(won)).toBe(truth(won));
    expect(label(bare)).toBeUndefined();
    expect(calls(DEALS_LIST)).toBe(before.list);
    // The new deals' contact once per deals search page (200 a page); the edited contact is not looked up.
    const pages = calls(DEALS_SEARCH);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(600 / 200));
    expect(calls(CONTACT_DEALS)).toBeLessThanOrEqual(before.lookups + pages);
  });
});
