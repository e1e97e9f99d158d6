import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SalesforceClient } from '../../connectors/salesforce/client.js';
import { createSalesforceHandoff, LEAD_STATUS_ORDER } from '../../connectors/salesforce/handoff.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../connectors/salesforce/sandbox/index.js';
import { type HandoffHooks, planHandoffs, runHandoff, sendHandoffs } from '../../src/handoff/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { leadRecord, scoreSeries, settingsFrom } from './helpers.js';
import { fakeClock } from './hubspot-fixture.js';

/** End to end through jsforce against the local Salesforce sandbox: Task with WhoId/OwnerId, User.IsActive. */

const NOW = Date.parse('2026-11-20T10:00:00Z');
const START = NOW - 30 * 60_000;
const SF_LIFECYCLE = { field: 'Status', values: {}, order: LEAD_STATUS_ORDER };

let sb: SalesforceSandbox;
let dir: string;
let store: Store;
let client: SalesforceClient;
let hooks: HandoffHooks;

beforeEach(async () => {
  sb = await startSalesforceSandbox({ port: 0, seed: 3, leads: 30, edition: 'enterprise' });
  dir = mkdtempSync(join(tmpdir(), 'leadscore-handoff-sf-'));
  store = openStore(join(dir, 'leadscore.db'));
  client = new SalesforceClient({
    auth: {
      kind: 'refreshToken',
      clientId: sb.oauth.clientId,
      clientSecret: sb.oauth.clientSecret,
      refreshToken: sb.oauth.refreshToken,
      accessToken: sb.accessToken,
    },
    loginUrl: sb.loginUrl,
    instanceUrl: sb.instanceUrl,
    sleep: async () => {},
  });
  hooks = createSalesforceHandoff({ client, object: 'Lead' });
});

afterEach(async () => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
  await sb.close();
});

async function soql<T>(query: string): Promise<T[]> {
  const raw = (await client.request('test query', {
    method: 'GET',
    url: `/query?q=${encodeURIComponent(query)}`,
  })) as {
    records: T[];
  };
  return raw.records;
}

/** An open lead and its owner, stored in leadscore's store and crossed from MQL to SQL. */
async function crossedLead(index = 0) {
  const leads = await soql<{ Id: string; OwnerId: string }>(
    "SELECT Id, OwnerId FROM Lead WHERE IsConverted = false AND OwnerId != '005000000000000AAA' ORDER BY Id LIMIT 10",
  );
  const lead = leads[index];
  if (!lead) throw new Error('no open lead');
  store.upsertRecords([leadRecord('salesforce', lead.Id, { ownerId: lead.OwnerId })]);
  scoreSeries(store, 'salesforce', lead.Id, [60, 85], { start: START });
  return lead;
}

const ourTasks = (leadId: string) =>
  soql<{
    Id: string;
    OwnerId: string;
    Subject: string;
    Description: string;
    Status: string;
    Priority: string;
    ActivityDate: string;
  }>(
    `SELECT Id, OwnerId, Subject, Description, Status, Priority, ActivityDate FROM Task WHERE WhoId = '${leadId}' AND Status = 'Not Started'`,
  );

describe('Salesforce hand-off', () => {
  it('given MQL -> SQL, then a Task with WhoId and OwnerId, due date, subject and reasons', async () => {
    const lead = await crossedLead();
    const stats = await runHandoff(
      store,
      hooks,
      settingsFrom({ task: { dueInHours: 48, priority: 'normal' } }, {}, SF_LIFECYCLE),
      fakeClock(NOW),
    );
    expect(stats.send).toMatchObject({ tasks: 1, dead: 0 });
    const tasks = await ourTasks(lead.Id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      OwnerId: lead.OwnerId,
      Priority: 'Normal',
      ActivityDate: new Date(NOW + 48 * 3_600_000).toISOString().slice(0, 10),
    });
    expect(tasks[0]?.Subject).toMatch(/^SQL: follow up with /);
    expect(tasks[0]?.Description).toContain('- VP title (+15)');
  });

  it('given Users, then owners() reports IsActive, and a deactivated owner is routed past', async () => {
    const lead = await crossedLead();
    sb.state.editRecord('User', lead.OwnerId, { IsActive: false });
    const owners = await hooks.owners();
    expect(owners.find((owner) => owner.id.slice(0, 15) === lead.OwnerId.slice(0, 15))?.active).toBe(false);
    const fallback = owners.find(
      (owner) => owner.active && owner.id.slice(0, 15) !== lead.OwnerId.slice(0, 15),
    );
    if (!fallback) throw new Error('no active user');
    const stats = await runHandoff(
      store,
      hooks,
      settingsFrom({ routing: { fallbackOwner: fallback.id } }, {}, SF_LIFECYCLE),
      fakeClock(NOW),
    );
    expect(stats.send).toMatchObject({ assigned: 1, tasks: 1, dead: 0 });
    const [row] = await soql<{ OwnerId: string }>(`SELECT OwnerId FROM Lead WHERE Id = '${lead.Id}'`);
    expect(row?.OwnerId.slice(0, 15)).toBe(fallback.id.slice(0, 15));
    expect((await ourTasks(lead.Id))[0]?.OwnerId.slice(0, 15)).toBe(fallback.id.slice(0, 15));
  });

  it('given the owner is deactivated after planning, then INACTIVE_OWNER_OR_USER, and the task is made for the API user', async () => {
    const lead = await crossedLead();
    const settings = settingsFrom({}, {}, SF_LIFECYCLE);
    const clock = fakeClock(NOW);
    await planHandoffs(store, hooks, settings, clock);
    sb.state.editRecord('User', lead.OwnerId, { IsActive: false });
    const stats = await sendHandoffs(store, hooks, settings, clock);
    expect(stats).toMatchObject({ tasks: 1, retried: 1, dead: 0 });
    const tasks = await ourTasks(lead.Id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.OwnerId.slice(0, 15)).not.toBe(lead.OwnerId.slice(0, 15));
    const details = store.handoff.listAttempts({ limit: 5 }).map((attempt) => attempt.detail ?? '');
    expect(details.some((detail) => detail.includes('INACTIVE_OWNER_OR_USER'))).toBe(true);
  });

  it('given the answer to the Task create is lost, then the retry finds the Task by its marker: still one', async () => {
    const lead = await crossedLead();
    const settings = settingsFrom({}, {}, SF_LIFECYCLE);
    const clock = fakeClock(NOW);
    const lossy: HandoffHooks = {
      ...hooks,
      createTask: async (spec) => {
        await hooks.createTask(spec);
        throw new Error('ECONNRESET');
      },
    };
    await runHandoff(store, lossy, settings, clock);
    const second = await sendHandoffs(store, hooks, settings, { ...clock, maxWaitMs: 600_000 });
    expect(second).toMatchObject({ tasks: 1 });
    expect(await ourTasks(lead.Id)).toHaveLength(1);
  });

  it('given lifecycle values for SQL, then Lead Status moves forward only', async () => {
    const lead = await crossedLead();
    const settings = settingsFrom(
      { lifecycle: { enabled: true, values: { SQL: 'Working - Contacted' } } },
      {},
      SF_LIFECYCLE,
    );
    const stats = await runHandoff(store, hooks, settings, fakeClock(NOW));
    expect(stats.send.done).toBe(2);
    const [row] = await soql<{ Status: string }>(`SELECT Status FROM Lead WHERE Id = '${lead.Id}'`);
    expect(row?.Status).toBe('Working - Contacted');
  });
});
