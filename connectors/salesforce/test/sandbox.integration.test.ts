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
import { type WriteBackFields, type WriteBackSettings, writeFieldsFor } from '../../../src/sync/writeback.js';
import { createSalesforceConnector, type SalesforceConnectorOptions } from '../adapter.js';
import { SalesforceClient, type SalesforceClientOptions, salesforceClientFromConfig } from '../client.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandbox/index.js';
import type { CustomFieldSpec } from '../sandbox/store.js';

/** End to end through real jsforce against the local Salesforce sandbox, the real pipeline and the store. */

const FIELDS: WriteBackFields = {
  score: 'leadscore_score__c',
  band: 'leadscore_band__c',
  fit: 'leadscore_fit__c',
  engagement: 'leadscore_engagement__c',
  reasons: 'leadscore_reasons__c',
  stage: 'leadscore_stage__c',
  updatedAt: 'leadscore_updated_at__c',
};
const CUSTOM_FIELDS: CustomFieldSpec[] = [
  { fullName: 'Lead.leadscore_score__c', type: 'Number', precision: 10, scale: 2 },
  { fullName: 'Lead.leadscore_band__c', type: 'Text', length: 255 },
  { fullName: 'Lead.leadscore_fit__c', type: 'Number', precision: 10, scale: 2 },
  { fullName: 'Lead.leadscore_engagement__c', type: 'Number', precision: 10, scale: 2 },
  { fullName: 'Lead.leadscore_reasons__c', type: 'LongTextArea' },
  { fullName: 'Lead.leadscore_stage__c', type: 'Text', length: 255 },
  { fullName: 'Lead.leadscore_updated_at__c', type: 'DateTime' },
];
const rules = loadRulesFile('config/rules.default.yaml');
const writeBack: WriteBackSettings = { fields: FIELDS, onHumanOverwrite: 'overwrite', maxAttempts: 3 };
const LEADS = 300;
const noSleep = async () => {};

let sb: SalesforceSandbox;
let dir: string;
let store: Store;

async function start(options: { customFields?: CustomFieldSpec[] } = {}) {
  sb = await startSalesforceSandbox({
    port: 0,
    seed: 7,
    leads: LEADS,
    edition: 'enterprise',
    ...(options.customFields ? { customFields: options.customFields } : {}),
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'leadscore-sf-'));
  store = openStore(join(dir, 'leadscore.db'));
});

afterEach(async () => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
  await sb?.close();
});

function connect(
  overrides: Partial<SalesforceConnectorOptions> = {},
  clientOverrides: Partial<SalesforceClientOptions> = {},
) {
  const client = new SalesforceClient({
    auth: {
      kind: 'refreshToken',
      clientId: sb.oauth.clientId,
      clientSecret: sb.oauth.clientSecret,
      refreshToken: sb.oauth.refreshToken,
      accessToken: sb.accessToken,
    },
    loginUrl: sb.loginUrl,
    instanceUrl: sb.instanceUrl,
    sleep: noSleep,
    ...clientOverrides,
  });
  const connector = createSalesforceConnector({
    client,
    object: 'Lead',
    writeFields: writeFieldsFor(FIELDS),
    ...overrides,
  });
  return { client, connector };
}

/** Passes every page through, keeping a copy; `onPage` runs after each page (to change the sandbox mid-sync). */
function tee(reader: CrmReader, onPage?: (stream: string, index: number) => void) {
  const pages: Array<{ stream: string; page: PulledPage }> = [];
  const wrapped: CrmReader = {
    ...reader,
    streams: (mode) =>
      reader.streams(mode).map((stream) => ({
        name: stream.name,
        pull: async (cursor) => {
          const page = await stream.pull(cursor);
          pages.push({ stream: stream.name, page });
          onPage?.(stream.name, pages.length);
          return page;
        },
      })),
  };
  return {
    reader: wrapped,
    pages,
    /** Record ids pulled, by every stream or by the one named. */
    records: (stream?: string) =>
      pages
        .filter((p) => stream === undefined || p.stream === stream)
        .flatMap((p) => p.page.records.map((r) => r.externalId)),
    events: (): EngagementEvent[] => pages.flatMap((p) => p.page.events),
  };
}

function rows(type: string): Array<(field: string) => unknown> {
  const table = sb.state.table(type);
  if (!table) throw new Error(`no table ${type}`);
  const out: Array<(field: string) => unknown> = [];
  for (let r = 0; r < table.rows; r++) out.push((field) => table.get(r, field));
  return out;
}

/** Leads, and contacts a lead was converted into (conversion moves the lead's activities, BEHAVIOR 18). */
function leadOwners(): (id: unknown) => boolean {
  const converted = new Set(
    rows('Lead')
      .map((get) => get('ConvertedContactId'))
      .filter(Boolean),
  );
  return (id) => typeof id === 'string' && (id.startsWith('00Q') || converted.has(id));
}

/** What the sandbox holds, counted independently of the connector's mapping. */
function truth(now: number) {
  const isLead = leadOwners();
  const leads = rows('Lead').filter((get) => get('IsDeleted') !== true).length;
  const counts: Record<string, number> = {};
  const add = (type: string, n = 1) => {
    counts[type] = (counts[type] ?? 0) + n;
  };
  const taskWho = new Map<string, unknown>();
  for (const get of rows('Task')) {
    taskWho.set(get('Id') as string, get('WhoId'));
    if (get('IsDeleted') === true || !isLead(get('WhoId'))) continue;
    const subtype = get('TaskSubtype');
    if (subtype === 'Call') add('call');
    else if (subtype === 'Email' || subtype === 'ListEmail') add('email');
  }
  for (const get of rows('Event')) {
    if (get('IsDeleted') === true || !isLead(get('WhoId'))) continue;
    add('meeting_booked');
    const start = get('StartDateTime');
    if ((typeof start === 'number' ? start : Date.parse(String(start))) <= now) add('meeting_held');
  }
  for (const get of rows('CampaignMember'))
    if (get('IsDeleted') !== true && get('LeadId') && get('HasResponded') === true) add('campaign');
  for (const get of rows('EmailMessage')) {
    if (get('IsDeleted') === true || !isLead(taskWho.get(get('ActivityId') as string))) continue;
    if (get('FirstOpenedDate')) add('email_open');
    if (get('FirstLinkClickedDate')) add('email_click');
  }
  return { leads, counts };
}

function countEvents(events: EngagementEvent[]) {
  const counts: Record<string, number> = {};
  const add = (type: string) => {
    counts[type] = (counts[type] ?? 0) + 1;
  };
  const firstOpens = new Set<string>();
  for (const event of events) {
    if (event.type === 'email_sent' || event.type === 'email_reply') add('email');
    else if (['form_submission', 'content_download', 'demo_request'].includes(event.type)) add('campaign');
    else if (event.type === 'email_open') {
      const message = event.sourceId.split(':')[0] as string;
      if (!firstOpens.has(message)) {
        firstOpens.add(message);
        add('email_open');
      }
    } else if (event.type !== 'unsubscribe') add(event.type);
  }
  return counts;
}

describe('Salesforce connector against the sandbox', () => {
  it('given a sandbox org, when a full sync runs, then every lead and every activity is pulled', async () => {
    await start();
    const { connector, client } = connect();
    const seen = tee(connector.reader);
    const stats = await runSync({ store, reader: seen.reader, rules, mode: 'full', asOf: Date.now() });
    const expected = truth(Date.now());
    // Each lead once from the records stream (a lead with a won deal comes again from leads-won-opportunities).
    expect(new Set(seen.records('leads')).size).toBe(expected.leads);
    expect(seen.records('leads')).toHaveLength(expected.leads);
    expect(countEvents(seen.events())).toEqual(expected.counts);
    // The sandbox keeps the activities of deleted leads live (no cascade): only those are orphans.
    const deleted = new Set(
      rows('Lead')
        .filter((get) => get('IsDeleted') === true)
        .map((get) => get('Id')),
    );
    expect(stats.pull.orphanEvents).toBe(seen.events().filter((e) => deleted.has(e.recordExternalId)).length);
    expect(client.counters.calls).toBeGreaterThan(0);
    expect(client.apiUsage?.limit).toBeGreaterThan(0);
    // Deletes and merges arrive through queryAll.
    const deletes = seen.pages
      .filter((p) => p.stream === 'leads-deleted')
      .flatMap((p) => [...p.page.archived, ...p.page.merges.flatMap((m) => m.merged)]);
    expect(deletes.length).toBe(rows('Lead').filter((get) => get('IsDeleted') === true).length);
  });

  it('given a synced org, when leads and activities change, then an incremental sync gets exactly the changes', async () => {
    await start();
    const { connector } = connect();
    await runSync({ store, reader: connector.reader, rules, mode: 'full', asOf: Date.now() });
    const live = rows('Lead').filter((get) => get('IsDeleted') !== true && get('IsConverted') !== true);
    const [first, second, third] = live.map((get) => get('Id') as string);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    sb.state.editRecord('Lead', first as string, { Title: 'Chief Revenue Officer' });
    const stamp = new Date().toISOString();
    const taskId = sb.state.addActivity('Task', {
      WhoId: second,
      Subject: 'Pricing follow-up',
      TaskSubtype: 'Call',
      CallDurationInSeconds: 300,
      Status: 'Completed',
      ActivityDate: stamp.slice(0, 10),
    });
    const cmCampaign = rows('Campaign')[0]?.('Id');
    const cmId = sb.state.addActivity('CampaignMember', {
      CampaignId: cmCampaign,
      LeadId: third,
      Status: 'Responded',
    });

    const seen = tee(connector.reader);
    await runSync({ store, reader: seen.reader, rules, mode: 'incremental', asOf: Date.now() });
    // Logging an activity moves the parent's SystemModstamp (BEHAVIOR 13): the second lead is re-read too.
    expect(new Set(seen.records())).toEqual(
      new Set([first, second, ...(seen.records().includes(third as string) ? [third] : [])]),
    );
    expect(
      seen
        .events()
        .map((e) => [e.sourceId, e.type, e.recordExternalId])
        .sort(),
    ).toEqual(
      [
        [taskId, 'call', second],
        [cmId, expect.any(String), third],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const again = tee(connector.reader);
    await runSync({ store, reader: again.reader, rules, mode: 'incremental', asOf: Date.now() });
    expect(again.records()).toEqual([]);
    expect(again.events()).toEqual([]);
  });

  it('given a session that expires mid-sync, when the sync goes on, then jsforce refreshes and the sync completes', async () => {
    await start();
    const { connector, client } = connect();
    let expired = false;
    const seen = tee(connector.reader, (stream) => {
      if (stream === 'leads' && !expired) {
        expired = true;
        sb.state.expireSessions();
      }
    });
    await runSync({ store, reader: seen.reader, rules, mode: 'full', asOf: Date.now() });
    expect(expired).toBe(true);
    expect(client.counters.refreshes).toBeGreaterThanOrEqual(1);
    expect(store.countRecords()).toBe(truth(Date.now()).leads);
  });

  it('given the default rules file, when a sync writes back, then changed records go in collections of <= 200 and a rerun writes nothing', async () => {
    await start({ customFields: CUSTOM_FIELDS });
    const { connector, client } = connect();
    const first = await runSync({
      store,
      reader: connector.reader,
      writer: connector.writer,
      writeBack,
      rules,
      mode: 'full',
      asOf: Date.now(),
    });
    expect(first.fieldsCreated).toEqual([]);
    const patches = sb.requestLog.filter(
      (entry) => entry.method === 'PATCH' && entry.path.includes('/composite/sobjects'),
    );
    const sent = (first.writeBack?.written ?? 0) + (first.writeBack?.skipped ?? 0);
    expect(first.writeBack?.written).toBeGreaterThan(200);
    expect(patches.length).toBe(Math.ceil((first.writeBack?.written ?? 0) / 200));
    expect(sent).toBe(first.enqueue?.enqueued);
    // One rules file scores both CRMs: the default rules give these leads a spread of scores.
    const scores = store.scoresForWriteBack('salesforce').map((row) => row.score.score);
    expect(new Set(scores).size).toBeGreaterThan(3);
    const some = store.scoresForWriteBack('salesforce').find((row) => row.score.score > 0);
    expect(some).toBeDefined();
    expect(Number(sb.state.record('Lead', some?.externalId ?? '')?.leadscore_score__c)).toBe(
      some?.score.score,
    );

    const callsBefore = client.counters.byEndpoint['PATCH /composite/sobjects'];
    const rerun = await runSync({
      store,
      reader: connector.reader,
      writer: connector.writer,
      writeBack,
      rules,
      mode: 'incremental',
      asOf: Date.now(),
    });
    expect(rerun.enqueue?.enqueued ?? 0).toBe(rerun.writeBack?.skipped ?? 0);
    expect(client.counters.byEndpoint['PATCH /composite/sobjects']).toBe(callsBefore);
  });

  it('given missing custom fields, when ensureFields runs, then they are created through the Tooling API with FLS', async () => {
    await start();
    const { connector, client } = connect({ permissionSetId: '0PS5g000000001AAA' });
    const result = await connector.writer.ensureFields(writeFieldsFor(FIELDS));
    expect(result.created.sort()).toEqual(Object.values(FIELDS).sort());
    expect(client.counters.byEndpoint['POST /tooling/sobjects/CustomField']).toBe(7);
    expect(client.counters.byEndpoint['POST /sobjects/FieldPermissions']).toBe(7);
    const again = await connector.writer.ensureFields(writeFieldsFor(FIELDS));
    expect(again.created).toEqual([]);
    expect(again.existing).toHaveLength(7);
  });

  it('given missing custom fields and creation turned off, when ensureFields runs, then it stops with exact setup steps', async () => {
    await start();
    const { connector } = connect({ createFields: false });
    const error = await connector.writer.ensureFields(writeFieldsFor(FIELDS)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeadscoreError);
    expect((error as LeadscoreError).code).toBe('ERR_CRM_FIELD_MISSING');
    expect((error as Error).message).toContain('Lead.leadscore_score__c ("Lead score"): Number(8, 2)');
    expect((error as Error).message).toContain('Field-Level Security');
  });

  it('given an existing field of another type, when ensureFields runs, then it stops without touching it', async () => {
    await start({ customFields: [{ fullName: 'Lead.leadscore_score__c', type: 'Checkbox' }] });
    const { connector, client } = connect({ permissionSetId: 'x' });
    const error = await connector.writer.ensureFields(writeFieldsFor(FIELDS)).catch((e: unknown) => e);
    expect((error as LeadscoreError).code).toBe('ERR_CRM_FIELD_CONFLICT');
    expect(client.counters.byEndpoint['POST /tooling/sobjects/CustomField']).toBeUndefined();
  });

  it('given per-record failures, when write-back drains, then transient ones are retried then parked and validation ones parked at once', async () => {
    await start({ customFields: CUSTOM_FIELDS });
    const { connector } = connect();
    const live = rows('Lead').filter((get) => get('IsDeleted') !== true && get('IsConverted') !== true);
    const [lockedId, tooLongId] = live.map((get) => get('Id') as string);
    sb.state.failRecords({
      [lockedId as string]: {
        statusCode: 'UNABLE_TO_LOCK_ROW',
        message: 'unable to obtain exclusive access to this record',
      },
      [tooLongId as string]: { statusCode: 'STRING_TOO_LONG', message: 'data value too large' },
    });
    let clock = Date.now();
    const now = () => (clock += 60_000);
    const stats = await runSync({
      store,
      reader: connector.reader,
      writer: connector.writer,
      writeBack,
      rules,
      mode: 'full',
      asOf: Date.now(),
      now,
      sleep: noSleep,
    });
    expect(stats.writeBack?.parked).toBe(2);
    expect(stats.writeBack?.failed).toBe(2); // the lock, retried twice before the third attempt parks it
    const counts = store.outboxCounts('salesforce');
    expect(counts.parked).toBe(2);
  });

  it('given an exhausted daily allowance, when a sync runs, then it stops with ERR_CRM_RATE_LIMITED and a rerun loses nothing', async () => {
    await start({ customFields: CUSTOM_FIELDS });
    const { connector } = connect();
    await runSync({ store, reader: connector.reader, rules, mode: 'full', asOf: Date.now() });
    const lead = rows('Lead').find((get) => get('IsDeleted') !== true && get('IsConverted') !== true)?.(
      'Id',
    ) as string;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    sb.state.editRecord('Lead', lead, { Title: 'VP Sales' });
    sb.state.exhaustDailyLimit();
    const error = await runSync({
      store,
      reader: connector.reader,
      rules,
      mode: 'incremental',
      asOf: Date.now(),
    }).catch((e: unknown) => e);
    expect((error as LeadscoreError).code).toBe('ERR_CRM_RATE_LIMITED');
    expect((error as Error).message).toMatch(/REQUEST_LIMIT_EXCEEDED.*rolling 24-hour window/);

    sb.state.setApiUsage(0);
    const seen = tee(connector.reader);
    await runSync({ store, reader: seen.reader, rules, mode: 'incremental', asOf: Date.now() });
    expect(seen.records()).toContain(lead);
    expect(store.getRecordByExternalId('salesforce', lead)?.title).toBe('VP Sales');
  });

  it('given an exhausted allowance during write-back, when the outbox drains, then rows wait without spending an attempt', async () => {
    await start({ customFields: CUSTOM_FIELDS });
    const { connector } = connect();
    await runSync({ store, reader: connector.reader, rules, mode: 'full', asOf: Date.now() });
    const { enqueueChangedScores, drainOutbox } = await import('../../../src/sync/writeback.js');
    const enqueued = enqueueChangedScores(store, 'salesforce', writeBack, Date.now());
    sb.state.exhaustDailyLimit();
    const drained = await drainOutbox(store, connector.writer, { sleep: noSleep });
    // One wait per batch of 200: each batch is answered REQUEST_LIMIT_EXCEEDED and put back with no attempt spent.
    expect(drained.rateLimitWaits).toBe(Math.ceil(enqueued.enqueued / 200));
    expect(drained.written).toBe(0);
    expect(store.outboxCounts('salesforce').pending).toBe(enqueued.enqueued);
    expect(store.listOutbox({ target: 'salesforce', limit: 10_000 }).every((row) => row.attempts === 0)).toBe(
      true,
    );
  });
  it('given JWT bearer credentials and no stored session, when syncing, then a signed assertion opens the session', async () => {
    await start();
    const tokens: string[] = [];
    const client = new SalesforceClient({
      auth: {
        kind: 'jwt',
        clientId: sb.oauth.clientId,
        username: sb.oauth.username,
        privateKey: sb.state.jwt.privateKey,
      },
      loginUrl: sb.loginUrl,
      sleep: noSleep,
      onTokens: (t) => tokens.push(t.instanceUrl),
    });
    const connector = createSalesforceConnector({ client, object: 'Lead', writeFields: [] });
    await runSync({ store, reader: connector.reader, rules, mode: 'full', asOf: Date.now() });
    expect(store.countRecords()).toBe(truth(Date.now()).leads);
    expect(tokens).toEqual([sb.instanceUrl]);
    // A new session is a new assertion (no refresh token in this flow).
    sb.state.expireSessions();
    await connector.reader.readRecords([rows('Lead')[0]?.('Id') as string]);
    expect(client.counters.refreshes).toBe(1);
  });

  it('given the config shape, when the client is built from it, then it syncs with the refresh-token flow', async () => {
    await start();
    const secrets: Record<string, string> = {
      SF_SECRET: sb.oauth.clientSecret,
      SF_REFRESH: sb.oauth.refreshToken,
    };
    const client = salesforceClientFromConfig(
      {
        loginUrl: sb.loginUrl,
        instanceUrl: sb.instanceUrl,
        clientId: sb.oauth.clientId,
        clientSecret: { env: 'SF_SECRET' },
        refreshToken: { env: 'SF_REFRESH' },
        apiVersion: '62.0',
        object: 'Lead',
      },
      (ref) => secrets['env' in ref ? ref.env : ref.secret] ?? '',
      { sleep: noSleep },
    );
    const limits = await client.limits();
    expect(limits.max).toBe(sb.state.allowance);
    expect(client.counters.byEndpoint['POST /services/oauth2/token']).toBe(1);
  });

  it('given Contact as the object, when a full sync runs, then contacts carry Account firmographics and their activities', async () => {
    await start();
    const { connector } = connect({ object: 'Contact' });
    const seen = tee(connector.reader);
    const stats = await runSync({ store, reader: seen.reader, rules, mode: 'full', asOf: Date.now() });
    const contacts = rows('Contact').filter((get) => get('IsDeleted') !== true);
    expect(new Set(seen.records()).size).toBe(contacts.length);
    const withAccount = seen.pages.flatMap((p) => p.page.records).filter((r) => r.properties.AccountId);
    expect(withAccount.length).toBeGreaterThan(0);
    expect(withAccount.every((r) => r.company !== undefined)).toBe(true);
    expect(seen.events().every((e) => e.recordExternalId.startsWith('003'))).toBe(true);
    expect(stats.pull.events).toBeGreaterThan(0);
  });

  it('given the integration user, when access is checked, then nothing is missing', async () => {
    await start();
    const { connector } = connect();
    expect(await connector.checkAccess()).toEqual({ missing: [] });
  });

  it('given a budget share nearly spent, when syncing, then leadscore stops before the org limit with ERR_CRM_RATE_LIMITED', async () => {
    await start();
    sb.state.setAllowance(1_000);
    sb.state.setApiUsage(499);
    const { connector, client } = connect({}, { dailyBudgetShare: 0.5 });
    const error = await runSync({
      store,
      reader: connector.reader,
      rules,
      mode: 'full',
      asOf: Date.now(),
    }).catch((e: unknown) => e);
    expect((error as LeadscoreError).code).toBe('ERR_CRM_RATE_LIMITED');
    expect((error as Error).message).toContain("leadscore's share (0.5)");
    expect(client.counters.calls).toBe(1);
    expect(sb.state.apiUsage).toBe(500);
  });

  it('given a 503 on the collection update, when write-back runs, then the PATCH is retried by leadscore and every write lands', async () => {
    await start({ customFields: CUSTOM_FIELDS });
    const { connector, client } = connect();
    sb.state.injectFault({ status: 503, pathIncludes: '/composite/sobjects', count: 1 });
    const stats = await runSync({
      store,
      reader: connector.reader,
      writer: connector.writer,
      writeBack,
      rules,
      mode: 'full',
      asOf: Date.now(),
    });
    expect(client.counters.retries).toBeGreaterThanOrEqual(1);
    expect(stats.writeBack?.parked).toBe(0);
    expect(stats.writeBack?.failed).toBe(0);
    expect((stats.writeBack?.written ?? 0) + (stats.writeBack?.skipped ?? 0)).toBe(stats.enqueue?.enqueued);
  });
});
