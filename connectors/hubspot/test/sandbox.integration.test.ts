import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRulesFile } from '../../../src/config/load.js';
import type { CrmReader, PulledPage } from '../../../src/crm/ports.js';
import type { EngagementEvent } from '../../../src/crm/vocabulary.js';
import { LeadscoreError } from '../../../src/errors.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { runSync } from '../../../src/sync/run.js';
import { type WriteBackFields, writeFieldsFor } from '../../../src/sync/writeback.js';
import { createHubSpotConnector, type HubSpotConnectorOptions } from '../adapter.js';
import { HubSpotClient, type HubSpotClientOptions } from '../client.js';
import { EV, type HubSpotSandbox, startHubSpotSandbox } from '../sandbox/index.js';

/**
 * End to end through the real SDK against the local HubSpot sandbox, and through the real pipeline and store.
 * Meetings and calls have their own cases here; the other cases leave those streams out to stay small.
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
const CONTACTS = 240;

let sb: HubSpotSandbox;
let dir: string;
let store: Store;

beforeEach(async () => {
  sb = await startHubSpotSandbox({ port: 0, seed: 11, contacts: CONTACTS, tier: 'professional' });
  dir = mkdtempSync(join(tmpdir(), 'leadscore-hs-'));
  store = openStore(join(dir, 'leadscore.db'));
});

afterEach(async () => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
  await sb.close();
});

function connect(
  overrides: Partial<HubSpotConnectorOptions> = {},
  clientOverrides: Partial<HubSpotClientOptions> = {},
) {
  const client = new HubSpotClient({
    auth: { kind: 'privateApp', accessToken: sb.token },
    tier: 'professional',
    basePath: sb.baseUrl,
    ...clientOverrides,
  });
  const connector = createHubSpotConnector({
    client,
    tier: 'professional',
    writeFields: writeFieldsFor(FIELDS),
    searchOverlapMs: 0,
    // Deals have their own suite (deals.integration.test.ts).
    disabledStreams: ['meetings', 'calls', 'deals'],
    ...overrides,
  });
  return { client, connector };
}

/** Passes every page through, keeping a copy of what each stream handed the pipeline. */
function tee(reader: CrmReader) {
  const pages: Array<{ stream: string; page: PulledPage }> = [];
  const wrapped: CrmReader = {
    ...reader,
    streams: (mode) =>
      reader.streams(mode).map((stream) => ({
        name: stream.name,
        pull: async (cursor) => {
          const page = await stream.pull(cursor);
          pages.push({ stream: stream.name, page });
          return page;
        },
      })),
  };
  const records = () => pages.flatMap((p) => p.page.records.map((r) => r.externalId));
  const events = () => pages.flatMap((p) => p.page.events);
  return { reader: wrapped, records, events };
}

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${sb.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function countByType(events: EngagementEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return counts;
}

const writeCalls = () => sb.requestLog.countsByEndpoint()['POST /crm/v3/objects/contacts/batch/update'] ?? 0;

describe('HubSpot connector against the sandbox', () => {
  it('given a fresh portal, when a full sync runs, then every contact and every email and form event is stored', async () => {
    const { connector } = connect();
    const seen = tee(connector.reader);
    const stats = await runSync({ store, reader: seen.reader, rules, mode: 'full', asOf: Date.now() });

    const ids = seen.records();
    expect(new Set(ids).size).toBe(CONTACTS);
    expect(store.countRecords()).toBe(CONTACTS);

    const ev = sb.state.store.ds.events;
    const now = Date.now();
    const truth: Record<string, number> = {};
    const add = (type: string) => {
      truth[type] = (truth[type] ?? 0) + 1;
    };
    for (let i = 0; i < ev.length; i++) {
      if ((ev.time[i] as number) > now) continue;
      const kind = ev.kind[i];
      if (kind === EV.DELIVERED) add('email_sent');
      else if (kind === EV.OPEN) add('email_open');
      else if (kind === EV.CLICK) add('email_click');
      else if (kind === EV.BOUNCE) add('email_bounce');
      else if (kind === EV.FORM) add('form_submission');
      else if (kind === EV.UNSUBSCRIBE) add('unsubscribe');
    }
    const got = countByType(seen.events());
    for (const type of ['email_sent', 'email_open', 'email_click', 'email_bounce', 'form_submission']) {
      expect(got[type] ?? 0, type).toBe(truth[type] ?? 0);
    }
    // Email STATUSCHANGE unsubscribes, plus one per opted-out contact from hs_email_optout.
    expect(got.unsubscribe ?? 0).toBeGreaterThanOrEqual(truth.unsubscribe ?? 0);
    expect(stats.pull.orphanEvents).toBe(0);
    expect(new Set(seen.events().map((e) => e.sourceId)).size).toBe(seen.events().length);
    expect(store.countEvents()).toBe(seen.events().length);
    expect(connector.unresolved).toEqual({});
  });

  it('given logged meetings and calls, when a full sync runs, then each becomes events of its contact', async () => {
    const { connector } = connect({ disabledStreams: ['email-events', 'form-submissions'] });
    const seen = tee(connector.reader);
    const stats = await runSync({ store, reader: seen.reader, rules, mode: 'full', asOf: Date.now() });
    const ev = sb.state.store.ds.events;
    const now = Date.now();
    let booked = 0;
    let held = 0;
    let calls = 0;
    for (let i = 0; i < ev.length; i++) {
      const time = ev.time[i] as number;
      if (ev.kind[i] === EV.MEETING && time - 2 * 86_400_000 <= now) {
        booked++;
        if (ev.attr[i] === 1) held++; // COMPLETED
      } else if (ev.kind[i] === EV.CALL && time <= now) calls++;
    }
    const got = countByType(seen.events());
    expect(calls).toBeGreaterThan(0);
    expect(got).toMatchObject({ meeting_booked: booked, meeting_held: held, call: calls });
    expect(stats.pull.orphanEvents).toBe(0);
  });

  it('given a meeting and a call logged after a full sync, when an incremental sync runs, then exactly those arrive as new events', async () => {
    const only = { disabledStreams: ['email-events', 'form-submissions', 'deals'] } as const;
    const { connector } = connect({ disabledStreams: [...only.disabledStreams] });
    const full = tee(connector.reader);
    await runSync({ store, reader: full.reader, rules, mode: 'full', asOf: Date.now() });
    const known = new Set(full.events().map((event) => event.sourceId));
    const [met, called] = full.records().slice(0, 2) as [string, string];

    await new Promise((resolve) => setTimeout(resolve, 5));
    await control('POST', '/__sandbox/events', {
      events: [
        { type: 'meeting_booked', contactId: met },
        { type: 'call', contactId: called },
      ],
    });
    const { connector: again } = connect({ disabledStreams: [...only.disabledStreams] });
    const seen = tee(again.reader);
    await runSync({ store, reader: seen.reader, rules, mode: 'incremental', asOf: Date.now() });

    const fresh = seen.events().filter((event) => !known.has(event.sourceId));
    expect(fresh.map((event) => [event.type, event.recordExternalId]).sort()).toEqual(
      [
        ['meeting_booked', met],
        ['call', called],
      ].sort(),
    );
    expect(store.countEvents()).toBe(known.size + 2);
  });

  it('given edits in the portal after a full sync, when an incremental sync runs, then it gets exactly the changes', async () => {
    const { connector } = connect();
    const full = tee(connector.reader);
    await runSync({ store, reader: full.reader, rules, mode: 'full', asOf: Date.now() });
    const list = full.records().slice(0, 3);
    expect(list).toHaveLength(3);
    const [first, second, third] = list as [string, string, string];

    await new Promise((resolve) => setTimeout(resolve, 5));
    await control('PATCH', `/__sandbox/contacts/${first}`, {
      properties: { jobtitle: 'Chief Revenue Officer' },
    });
    await control('PATCH', `/__sandbox/contacts/${second}`, { properties: { numemployees: '1000+' } });
    const created = (await control('POST', '/__sandbox/contacts', {
      properties: {
        email: 'new.lead@fresh-corp.example',
        firstname: 'New',
        lastname: 'Lead',
        company: 'Fresh Corp',
      },
    })) as { id: string };
    await control('POST', '/__sandbox/events', {
      events: [
        { type: 'OPEN', contactId: third, campaignId: 301450000 },
        {
          type: 'CLICK',
          contactId: third,
          campaignId: 301450000,
          url: 'https://www.leadscore-demo.example/pricing',
        },
        { type: 'demo_request', contactId: created.id },
      ],
    });

    const { connector: again } = connect();
    const seen = tee(again.reader);
    await runSync({ store, reader: seen.reader, rules, mode: 'incremental', asOf: Date.now() });
    // The third contact changed too: its email rollups (hs_email_open, hs_email_click) moved lastmodifieddate.
    expect(new Set(seen.records())).toEqual(new Set([first, second, third, created.id]));
    expect(seen.records()).toHaveLength(4);
    expect(
      seen
        .events()
        .map((e) => [e.type, e.recordExternalId])
        .sort(),
    ).toEqual(
      [
        ['email_open', third],
        ['email_click', third],
        ['form_submission', created.id],
        ['demo_request', created.id],
      ].sort(),
    );
    expect(store.getRecordByExternalId('hubspot', first)?.title).toBe('Chief Revenue Officer');
  });

  it('given scores, when written back and synced again, then only changed records are written in batches of at most 100 and a rerun writes nothing', async () => {
    const { connector } = connect();
    const full = tee(connector.reader);
    const asOf = Date.parse('2026-11-25T00:00:00.000Z');
    const writeBack = { fields: FIELDS, onHumanOverwrite: 'respect' as const };
    const first = await runSync({
      store,
      reader: full.reader,
      writer: connector.writer,
      rules,
      writeBack,
      mode: 'full',
      asOf,
    });
    expect(first.writeBack?.written).toBe(CONTACTS);
    expect(writeCalls()).toBe(Math.ceil(CONTACTS / 100));
    expect(first.fieldsCreated).toHaveLength(7);

    const sample = full.records()[0]!;
    const stored = (await control('GET', `/__sandbox/contacts/${sample}`)) as {
      properties: Record<string, string>;
    };
    expect(stored.properties.leadscore_score).toMatch(/^\d+$/);

    const { connector: again } = connect();
    const second = await runSync({
      store,
      reader: again.reader,
      writer: again.writer,
      rules,
      writeBack,
      mode: 'incremental',
      asOf,
    });
    expect(second.fieldsCreated).toEqual([]);
    // Our writes bumped every contact's lastmodifieddate (BEHAVIOR 38): the search returns them all, but none
    // is stored again or rescored, and none counts as a human overwrite.
    expect(second.pull.records).toBe(CONTACTS);
    expect(second.pull.unchanged).toBe(CONTACTS);
    expect(second.scoring.records).toBe(0);
    expect(second.enqueue?.humanOverwrites).toBe(0);
    expect(second.enqueue?.enqueued).toBe(0);
    expect(writeCalls()).toBe(Math.ceil(CONTACTS / 100));
  });

  it('given a person changed a written score in HubSpot, when the score changes, then the edit is respected', async () => {
    const { connector } = connect();
    const full = tee(connector.reader);
    const asOf = Date.parse('2026-11-25T00:00:00.000Z');
    const writeBack = { fields: FIELDS, onHumanOverwrite: 'respect' as const };
    await runSync({
      store,
      reader: full.reader,
      writer: connector.writer,
      rules,
      writeBack,
      mode: 'full',
      asOf,
    });
    const target = full.records()[0]!;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await control('PATCH', `/__sandbox/contacts/${target}`, { properties: { leadscore_score: '99' } });
    await control('POST', '/__sandbox/events', {
      events: [
        { type: 'demo_request', contactId: target },
        { type: 'page_view', contactId: target, url: '/pricing' },
        { type: 'CLICK', contactId: target, campaignId: 301450000, url: '/pricing' },
      ],
    });
    const before = writeCalls();
    const { connector: again } = connect();
    const stats = await runSync({
      store,
      reader: again.reader,
      writer: again.writer,
      rules,
      writeBack,
      mode: 'incremental',
      asOf,
    });
    expect(stats.enqueue?.humanOverwrites).toBe(1);
    const after = (await control('GET', `/__sandbox/contacts/${target}`)) as {
      properties: Record<string, string>;
    };
    expect(after.properties.leadscore_score).toBe('99');
    expect(writeCalls()).toBe(before);
  });

  it('given a property with the same name and another type, when ensureFields runs, then ERR_CRM_FIELD_CONFLICT names it', async () => {
    const { client, connector } = connect();
    await client.sdk.crm.properties.coreApi.create('contacts', {
      name: 'leadscore_score',
      label: 'Someone else’s score',
      type: 'string' as never,
      fieldType: 'text' as never,
      groupName: 'contactinformation',
    });
    const error = await connector.writer.ensureFields(writeFieldsFor(FIELDS)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeadscoreError);
    expect((error as LeadscoreError).code).toBe('ERR_CRM_FIELD_CONFLICT');
    expect((error as LeadscoreError).message).toContain('leadscore_score');
    const created = sb.requestLog.countsByEndpoint()['POST /crm/v3/properties/:objectType'] ?? 0;
    expect(created).toBe(1);
  });

  it('given OAuth credentials and an expired token, when reading, then the client refreshes and carries on', async () => {
    const { client, connector } = connect(
      {},
      {
        auth: {
          kind: 'oauth',
          clientId: sb.oauth.clientId,
          clientSecret: sb.oauth.clientSecret,
          refreshToken: sb.oauth.refreshToken,
        },
      },
    );
    const [contacts] = connector.reader.streams('full');
    const firstPage = await contacts!.pull(undefined);
    const records = await connector.reader.readRecords(
      firstPage.records.slice(0, 3).map((r) => r.externalId),
    );
    expect(records).toHaveLength(3);
    expect(client.counters.refreshes).toBe(1);
    await control('POST', '/__sandbox/expire-token', {});
    const page = await contacts!.pull(firstPage.cursor);
    expect(page.records.length).toBeGreaterThan(0);
    expect(client.counters.refreshes).toBe(2);
  });

  it('given a ten-secondly 429, when pulling, then the client waits without failing and counts it', async () => {
    const sleeps: number[] = [];
    const { client, connector } = connect(
      {},
      { pauseOnRateLimit: false, sleep: async (ms) => void sleeps.push(ms) },
    );
    await control('POST', '/__sandbox/faults', {
      kind: '429',
      count: 1,
      policy: 'TEN_SECONDLY_ROLLING',
      pathPrefix: '/crm/v3/objects/contacts',
    });
    const [contacts] = connector.reader.streams('full');
    const page = await contacts!.pull(undefined);
    expect(page.records.length).toBeGreaterThan(0);
    expect(client.counters.rateLimited).toBe(1);
    expect(sleeps).toEqual([10_000]);
  });

  it('given contacts merged and archived in the portal, when synced, then the store folds and archives them', async () => {
    const { connector } = connect();
    const full = tee(connector.reader);
    await runSync({ store, reader: full.reader, rules, mode: 'full', asOf: Date.now() });
    const [primary, absorbed, deleted] = full.records() as [string, string, string];
    await new Promise((resolve) => setTimeout(resolve, 5));
    const merged = (await control('POST', '/__sandbox/merge', { primaryId: primary, mergeId: absorbed })) as {
      id: string;
    };
    await control('POST', '/__sandbox/archive', { ids: [deleted] });

    const { connector: again } = connect();
    const incremental = await runSync({
      store,
      reader: again.reader,
      rules,
      mode: 'incremental',
      asOf: Date.now(),
    });
    expect(incremental.pull.merged).toBeGreaterThanOrEqual(1);
    const survivor = store.getRecordByExternalId('hubspot', merged.id);
    expect(survivor).toBeDefined();
    for (const id of [primary, absorbed].filter((id) => id !== merged.id)) {
      expect(store.getRecordByExternalId('hubspot', id)?.mergedInto).toBe(survivor?.id);
    }

    const { connector: reconcile } = connect();
    const stats = await runSync({ store, reader: reconcile.reader, rules, mode: 'full', asOf: Date.now() });
    expect(stats.pull.archived).toBeGreaterThanOrEqual(1);
    expect(store.getRecordByExternalId('hubspot', deleted)?.archivedAt).toBeTypeOf('number');
  });

  it('given HubSpot fails some records of a write batch, when written back, then those are parked or retried and the rest written', async () => {
    const { connector } = connect();
    const full = tee(connector.reader);
    const asOf = Date.parse('2026-11-25T00:00:00.000Z');
    const writeBack = { fields: FIELDS, onHumanOverwrite: 'respect' as const };
    await runSync({ store, reader: full.reader, rules, mode: 'full', asOf });
    const [invalid, missing] = full.records() as [string, string];
    await control('POST', '/__sandbox/batch-failures', {
      ids: [invalid],
      category: 'VALIDATION_ERROR',
      message: 'Property values were not valid',
    });
    await control('POST', '/__sandbox/archive', { ids: [missing] });
    const stats = await runSync({
      store,
      reader: connector.reader,
      writer: connector.writer,
      rules,
      writeBack,
      mode: 'incremental',
      asOf,
    });
    expect(stats.writeBack?.written).toBe(CONTACTS - 2);
    expect(stats.writeBack?.parked).toBe(2);
    expect(store.outboxCounts('hubspot')).toMatchObject({ parked: 2 });
  });

  it('given a tiny daily budget share, when a full sync runs, then it stops coded and keeps the pages it saved', async () => {
    const { client, connector } = connect({}, { dailyBudgetShare: 3 / 625_000 });
    const error = await runSync({
      store,
      reader: connector.reader,
      rules,
      mode: 'full',
      asOf: Date.now(),
    }).catch((e: unknown) => e);
    expect((error as LeadscoreError).code).toBe('ERR_CRM_RATE_LIMITED');
    expect(client.counters.calls).toBe(3);
    expect(store.getCursor('hubspot', 'contacts')).toBeDefined();
    expect(store.countRecords()).toBe(200);
  });

  it('given the portal, when owners are listed, then each has an id and a name', async () => {
    const { connector } = connect();
    const owners = await connector.owners();
    expect(owners.length).toBeGreaterThan(0);
    expect(owners.every((owner) => owner.id !== '' && owner.name !== null)).toBe(true);
  });

  it('given the sandbox token, when scopes are checked, then none of the required ones is missing', async () => {
    const { connector } = connect();
    const result = await connector.checkScopes();
    expect(result.missing).toEqual([]);
    expect(result.granted).toContain('crm.objects.contacts.write');
    const { connector: narrow } = connect({ requiredScopes: ['crm.objects.contacts.read', 'automation'] });
    expect((await narrow.checkScopes()).missing).toEqual(['automation']);
  });
});

describe('HubSpot connector against an Enterprise sandbox', () => {
  it('given page views, when a full sync runs, then every e_visited_page arrives as a page_view of its contact', async () => {
    await sb.close();
    sb = await startHubSpotSandbox({ port: 0, seed: 5, contacts: 120, tier: 'enterprise' });
    const { connector } = connect({ tier: 'enterprise' }, { tier: 'enterprise' });
    const seen = tee(connector.reader);
    const stats = await runSync({ store, reader: seen.reader, rules, mode: 'full', asOf: Date.now() });
    const ev = sb.state.store.ds.events;
    const now = Date.now();
    let truth = 0;
    for (let i = 0; i < ev.length; i++)
      if (ev.kind[i] === EV.PAGE_VIEW && (ev.time[i] as number) <= now) truth++;
    const views = seen.events().filter((e) => e.type === 'page_view');
    expect(truth).toBeGreaterThan(0);
    expect(views).toHaveLength(truth);
    expect(
      views.every((e) => typeof e.attributes.url === 'string' && e.attributes.url.startsWith('https://')),
    ).toBe(true);
    expect(stats.pull.orphanEvents).toBe(0);
  });
});
