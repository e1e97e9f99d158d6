import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOrg } from '../generate.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../server.js';
import { connect, FIXED_NOW } from './helpers.js';

let sandbox: SalesforceSandbox;
beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ port: 0, seed: 42, leads: 1500, now: () => FIXED_NOW });
});
afterAll(() => sandbox.close());

describe('deterministic data', () => {
  it('given the same seed and clock, when two sandboxes start, then queries return identical records; another seed differs', async () => {
    const twin = await startSalesforceSandbox({ port: 0, seed: 42, leads: 1500, now: () => FIXED_NOW });
    const other = await startSalesforceSandbox({ port: 0, seed: 43, leads: 1500, now: () => FIXED_NOW });
    try {
      const soql =
        'SELECT Id, Name, Email, Company, Industry, Title, NumberOfEmployees, Country, Status, CreatedDate, SystemModstamp, IsConverted FROM Lead ORDER BY Id LIMIT 300';
      const [a, b, c] = await Promise.all([sandbox, twin, other].map((s) => connect(s).query(soql)));
      expect(b?.records).toEqual(a?.records);
      expect(c?.records).not.toEqual(a?.records);
      const tasks = 'SELECT Id, WhoId, TaskSubtype, CreatedDate FROM Task ORDER BY Id LIMIT 300';
      const [ta, tb] = await Promise.all([sandbox, twin].map((s) => connect(s).query(tasks)));
      expect(tb?.records).toEqual(ta?.records);
    } finally {
      await Promise.all([twin.close(), other.close()]);
    }
  });
});

describe('funnel realism', () => {
  it('given latent fit and engagement, when comparing segments, then high-fit engaged leads convert far more often', () => {
    const org = generateOrg({ seed: 42, leads: 12_000, contacts: 0, anchor: FIXED_NOW });
    const leads = org.tables.get('Lead');
    const t = org.leadTruth;
    let hiN = 0;
    let hiC = 0;
    let loN = 0;
    let loC = 0;
    for (let r = 0; r < (leads?.rows ?? 0); r++) {
      if (leads?.get(r, 'IsDeleted')) continue;
      const engaged = (t.meetings[r] ?? 0) + (t.calls[r] ?? 0) + (t.forms[r] ?? 0) >= 3;
      const converted = leads?.get(r, 'IsConverted') === true;
      if ((t.fit[r] ?? 0) >= 0.65 && engaged) {
        hiN++;
        if (converted) hiC++;
      } else if ((t.fit[r] ?? 0) < 0.45 && !engaged) {
        loN++;
        if (converted) loC++;
      }
    }
    const hi = hiC / hiN;
    const lo = loC / loN;
    expect(hiN).toBeGreaterThan(200);
    expect(loN).toBeGreaterThan(200);
    expect(hi).toBeGreaterThan(0.3);
    expect(lo).toBeLessThan(0.05);
    expect(hi / lo).toBeGreaterThan(8);
  });

  it('given generated history, when reading every timestamp, then nothing lies after the clock', () => {
    const org = generateOrg({ seed: 8, leads: 3000, contacts: 600, anchor: FIXED_NOW });
    for (const [name, table] of org.tables) {
      for (const field of [
        'CreatedDate',
        'SystemModstamp',
        'LastModifiedDate',
        'StartDateTime',
        'FirstOpenedDate',
        'FirstRespondedDate',
      ]) {
        if (!table.field(field)) continue;
        for (let r = 0; r < table.rows; r++) {
          const v = table.get(r, field);
          if (typeof v === 'number' && v > FIXED_NOW)
            throw new Error(`${name}.${field} row ${r} is in the future`);
        }
      }
    }
  });

  it('given contact merges, when using queryAll, then losers carry MasterRecordId of a live contact', async () => {
    const conn = connect(sandbox);
    const losers = await conn
      .query('SELECT Id, MasterRecordId FROM Contact WHERE IsDeleted = true AND MasterRecordId != null')
      .run({ scanAll: true });
    expect(losers.totalSize).toBeGreaterThan(0);
    const master = losers.records[0]?.MasterRecordId as string;
    expect((await conn.query(`SELECT Id FROM Contact WHERE Id = '${master}'`)).totalSize).toBe(1);
  });

  it('given converted leads, when reading their ids, then contact, opportunity and activities moved to the contact', async () => {
    const conn = connect(sandbox);
    const lead = (
      await conn.query(
        'SELECT Id, ConvertedContactId, ConvertedOpportunityId, ConvertedDate, Status FROM Lead WHERE IsConverted = true LIMIT 1',
      )
    ).records[0] as Record<string, string>;
    expect(lead.Status).toBe('Closed - Converted');
    expect(lead.ConvertedDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const opp = (
      await conn.query(
        `SELECT Id, StageName, IsWon, IsClosed FROM Opportunity WHERE Id = '${lead.ConvertedOpportunityId}'`,
      )
    ).records[0];
    expect(opp).toBeDefined();
    expect((await conn.query(`SELECT COUNT() FROM Task WHERE WhoId = '${lead.Id}'`)).totalSize).toBe(0);
    const onContact = await conn.query(`SELECT COUNT() FROM Task WHERE WhoId = '${lead.ConvertedContactId}'`);
    const onEvents = await conn.query(`SELECT COUNT() FROM Event WHERE WhoId = '${lead.ConvertedContactId}'`);
    expect(onContact.totalSize + onEvents.totalSize).toBeGreaterThan(0);
  });
});

describe('test controls', () => {
  it('given an added meeting and a conversion through controls, when syncing, then they appear with fresh SystemModstamp', async () => {
    const conn = connect(sandbox);
    const leadId = (
      await conn.query(
        "SELECT Id FROM Lead WHERE IsConverted = false AND Status = 'Open - Not Contacted' LIMIT 1",
      )
    ).records[0]?.Id as string;
    const res = await fetch(`${sandbox.instanceUrl}/__sandbox/activities`, {
      method: 'POST',
      body: JSON.stringify({
        type: 'Event',
        fields: {
          WhoId: leadId,
          Subject: 'Demo',
          StartDateTime: '2026-11-26T15:00:00.000+0000',
          DurationInMinutes: 30,
        },
      }),
    });
    const { id } = (await res.json()) as { id: string };
    expect(id).toMatch(/^00U/);
    const event = (await conn.query(`SELECT Id, WhoId, StartDateTime FROM Event WHERE Id = '${id}'`))
      .records[0];
    expect(event).toMatchObject({ WhoId: leadId, StartDateTime: '2026-11-26T15:00:00.000+0000' });
    const converted = (await (
      await fetch(`${sandbox.instanceUrl}/__sandbox/convert`, {
        method: 'POST',
        body: JSON.stringify({ leadId, won: true }),
      })
    ).json()) as { contactId: string; opportunityId: string };
    const after = (
      await conn.query(
        `SELECT IsConverted, ConvertedContactId, SystemModstamp FROM Lead WHERE Id = '${leadId}'`,
      )
    ).records[0];
    expect(after).toMatchObject({
      IsConverted: true,
      ConvertedContactId: converted.contactId,
      SystemModstamp: '2026-11-25T12:00:00.000+0000',
    });
    expect((await conn.query(`SELECT WhoId FROM Event WHERE Id = '${id}'`)).records[0]?.WhoId).toBe(
      converted.contactId,
    );
    const opp = (
      await conn.query(`SELECT IsWon, StageName FROM Opportunity WHERE Id = '${converted.opportunityId}'`)
    ).records[0];
    expect(opp).toMatchObject({ IsWon: true, StageName: 'Closed Won' });
    const record = (await (
      await fetch(`${sandbox.instanceUrl}/__sandbox/records/Lead/${leadId}`)
    ).json()) as Record<string, unknown>;
    expect(record.Status).toBe('Closed - Converted');
  });
});
