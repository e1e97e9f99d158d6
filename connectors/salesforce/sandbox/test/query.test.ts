import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../server.js';
import { connect, errorOf, FIXED_NOW, raw } from './helpers.js';

let sandbox: SalesforceSandbox;
beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ port: 0, seed: 11, leads: 2600, now: () => FIXED_NOW });
});
afterAll(() => sandbox.close());

describe('query paging', () => {
  it('given no batch header, when querying, then pages of 2,000 with nextRecordsUrl under /query/ and totalSize of the whole set', async () => {
    const conn = connect(sandbox);
    const first = await conn.request<{
      records: { Id: string }[];
      done: boolean;
      totalSize: number;
      nextRecordsUrl?: string;
    }>(`/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`);
    expect(first.records).toHaveLength(2000);
    expect(first.done).toBe(false);
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g\w+-2000$/);
    const second = await conn.queryMore(first.nextRecordsUrl as string);
    expect(second.done).toBe(true);
    expect(first.totalSize).toBe(second.totalSize);
    expect(first.records.length + second.records.length).toBe(first.totalSize);
    const ids = new Set([...first.records, ...second.records].map((r) => r.Id));
    expect(ids.size).toBe(first.totalSize);
  });

  it('given Sforce-Query-Options batchSize, when auto-fetching, then batches honour 200..2,000 and every record arrives once', async () => {
    const conn = connect(sandbox);
    for (const [requested, expected] of [
      [500, 500],
      [50, 200],
      [5000, 2000],
    ] as const) {
      sandbox.requestLog.length = 0;
      const query = conn.query('SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id');
      const result = await query.run({
        autoFetch: true,
        maxFetch: 100_000,
        headers: { 'Sforce-Query-Options': `batchSize=${requested}` },
      });
      expect(new Set(result.records.map((r) => r.Id)).size).toBe(result.totalSize);
      expect(sandbox.requestLog.length).toBe(Math.ceil(result.totalSize / expected));
      const stamps = result.records.map((r) => r.SystemModstamp as string);
      expect([...stamps].sort()).toEqual(stamps);
    }
  });

  it('given maxFetch below the total, when auto-fetching, then jsforce stops at maxFetch', async () => {
    const result = await connect(sandbox)
      .query('SELECT Id FROM Task')
      .run({ autoFetch: true, maxFetch: 4500 });
    expect(result.records).toHaveLength(4500);
    expect(result.totalSize).toBeGreaterThan(4500);
  });

  it('given an unknown locator, when fetching more, then INVALID_QUERY_LOCATOR', async () => {
    const e = await errorOf(connect(sandbox).queryMore('01gXXXXXXXXXXXXXXX-2000'));
    expect(e.errorCode).toBe('INVALID_QUERY_LOCATOR');
  });
});

describe('queryAll', () => {
  it('given merged and deleted leads, when comparing query and queryAll, then only queryAll returns them with MasterRecordId', async () => {
    const conn = connect(sandbox);
    const live = await conn.query('SELECT Id FROM Lead WHERE IsDeleted = true');
    expect(live.totalSize).toBe(0);
    const all = await conn
      .query('SELECT Id, IsDeleted, MasterRecordId FROM Lead WHERE IsDeleted = true')
      .run({ scanAll: true });
    expect(all.totalSize).toBeGreaterThan(0);
    expect(all.records.some((r) => typeof r.MasterRecordId === 'string')).toBe(true);
    const counts = await Promise.all([
      conn.query('SELECT COUNT() FROM Lead'),
      conn.query('SELECT COUNT() FROM Lead').run({ scanAll: true }),
    ]);
    expect(counts[1].totalSize - counts[0].totalSize).toBe(all.totalSize);
  });
});

describe('archived activities', () => {
  it('given activities older than 365 days, when querying Tasks, then only queryAll returns the archived ones', async () => {
    const conn = connect(sandbox);
    const live = await conn.query('SELECT COUNT() FROM Task');
    const all = await conn.query('SELECT COUNT() FROM Task').run({ scanAll: true });
    const archived = await conn
      .query('SELECT Id, ActivityDate, IsArchived FROM Task WHERE IsArchived = true LIMIT 5')
      .run({ scanAll: true });
    expect(all.totalSize).toBeGreaterThan(live.totalSize);
    expect(archived.records[0]?.IsArchived).toBe(true);
    expect(Date.parse(archived.records[0]?.ActivityDate as string)).toBeLessThan(
      FIXED_NOW - 365 * 86_400_000,
    );
    expect((await conn.query('SELECT COUNT() FROM Task WHERE IsArchived = true')).totalSize).toBe(0);
  });
});

describe('SOQL subset', () => {
  it('given datetime literals, AND/OR in parentheses, IN and ORDER BY DESC, when querying, then filters apply', async () => {
    const conn = connect(sandbox);
    const since = '2026-10-01T00:00:00Z';
    const res = await conn.query(
      `SELECT Id, SystemModstamp, Status FROM Lead WHERE SystemModstamp >= ${since} AND (Status = 'Working - Contacted' OR Status IN ('Closed - Converted')) ORDER BY SystemModstamp DESC, Id LIMIT 50`,
    );
    expect(res.records.length).toBeGreaterThan(0);
    for (const r of res.records) {
      expect(Date.parse((r.SystemModstamp as string).replace('+0000', 'Z'))).toBeGreaterThanOrEqual(
        Date.parse(since),
      );
      expect(['Working - Contacted', 'Closed - Converted']).toContain(r.Status);
    }
    const stamps = res.records.map((r) => r.SystemModstamp as string);
    expect([...stamps].sort().reverse()).toEqual(stamps);
    expect(stamps[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/);
  });

  it('given activities, when querying by WhoId, then Task, Event, CampaignMember and EmailMessage answer', async () => {
    const conn = connect(sandbox);
    const tasks = await conn.query(
      "SELECT Id, WhoId, TaskSubtype, ActivityDate, CreatedDate, Subject, CallDurationInSeconds FROM Task WHERE TaskSubtype = 'Call' LIMIT 5",
    );
    expect(tasks.records[0]?.TaskSubtype).toBe('Call');
    expect(tasks.records[0]?.ActivityDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const who = tasks.records[0]?.WhoId as string;
    const byWho = await conn.query(`SELECT Id FROM Task WHERE WhoId = '${who}'`);
    expect(byWho.totalSize).toBeGreaterThan(0);
    const events = await conn.query('SELECT Id, WhoId, StartDateTime FROM Event LIMIT 1');
    expect(events.records[0]?.StartDateTime).toMatch(/\+0000$/);
    const cms = await conn.query(
      'SELECT Id, LeadId, ContactId, CampaignId, Status, HasResponded, FirstRespondedDate FROM CampaignMember WHERE HasResponded = true LIMIT 1',
    );
    expect(cms.records[0]?.Status).toMatch(/Responded|Attended/);
    const opened = await conn.query(
      'SELECT Id, ActivityId, FirstOpenedDate, FirstLinkClickedDate FROM EmailMessage WHERE FirstOpenedDate != null LIMIT 1',
    );
    expect(opened.records[0]?.ActivityId).toMatch(/^00T/);
  });

  it('given a parent relationship path, when selecting it, then a nested record comes back', async () => {
    const res = await connect(sandbox).query(
      'SELECT Id, Account.Name, Account.Industry FROM Contact LIMIT 1',
    );
    const account = res.records[0]?.Account as Record<string, unknown>;
    expect(account.attributes).toMatchObject({ type: 'Account' });
    expect(typeof account.Name).toBe('string');
  });

  it('given the polymorphic Who relationship, when selecting and filtering on Who.Type, then Name-object fields resolve', async () => {
    const conn = connect(sandbox);
    const res = await conn.query(
      "SELECT Id, WhoId, Who.Type, Who.Name FROM Task WHERE Who.Type = 'Contact' LIMIT 3",
    );
    expect(res.records).toHaveLength(3);
    for (const r of res.records) {
      const who = r.Who as Record<string, unknown>;
      expect(who.Type).toBe('Contact');
      expect(who.attributes).toMatchObject({ type: 'Contact' });
      expect(String(r.WhoId)).toMatch(/^003/);
      expect(typeof who.Name).toBe('string');
    }
    expect((await errorOf(conn.query('SELECT Who.Company FROM Task'))).errorCode).toBe('INVALID_FIELD');
  });

  it('given a semi-join on WhoId, when querying Tasks, then only activities of matching leads return', async () => {
    const conn = connect(sandbox);
    const leads = await conn
      .query("SELECT Id FROM Lead WHERE Industry = 'Technology' AND IsConverted = false")
      .run({ autoFetch: true, maxFetch: 10_000 });
    const wanted = new Set(leads.records.map((r) => r.Id as string));
    const tasks = await conn
      .query(
        "SELECT Id, WhoId FROM Task WHERE WhoId IN (SELECT Id FROM Lead WHERE Industry = 'Technology' AND IsConverted = false)",
      )
      .run({ autoFetch: true, maxFetch: 100_000 });
    expect(tasks.totalSize).toBeGreaterThan(0);
    expect(tasks.records.every((r) => wanted.has(r.WhoId as string))).toBe(true);
  });

  it('given bad SOQL, when querying, then Salesforce error codes and the Row/Column message shape', async () => {
    const conn = connect(sandbox);
    const unknown = await errorOf(conn.query('SELECT Id, Score__c FROM Lead'));
    expect(unknown.errorCode).toBe('INVALID_FIELD');
    expect(unknown.message).toBe(
      "\nSELECT Id, Score__c FROM Lead\n           ^\nERROR at Row:1:Column:12\nNo such column 'Score__c' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    expect((await errorOf(conn.query('SELECT Id FROM Lead WHERE'))).errorCode).toBe('MALFORMED_QUERY');
    expect(
      (
        await errorOf(
          conn.query("SELECT Id FROM Lead WHERE IsConverted = true AND Status = 'x' OR Status = 'y'"),
        )
      ).errorCode,
    ).toBe('MALFORMED_QUERY');
    const quoted = await errorOf(
      conn.query("SELECT Id FROM Lead WHERE CreatedDate > '2026-01-01T00:00:00Z'"),
    );
    expect(quoted.errorCode).toBe('INVALID_FIELD');
    expect(quoted.message).toContain(
      "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes",
    );
    expect((await errorOf(conn.query('SELECT Id FROM Leads'))).errorCode).toBe('INVALID_TYPE');
    expect((await errorOf(conn.query("SELECT Id FROM Lead WHERE Id = 'abc'"))).errorCode).toBe(
      'INVALID_QUERY_FILTER_OPERATOR',
    );
    const res = await raw(
      sandbox,
      `/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Lead GROUP BY Id')}`,
    );
    expect(res.status).toBe(400);
    expect((res.body as { errorCode: string }[])[0]?.errorCode).toBe('MALFORMED_QUERY');
  });

  it('given a SOQL IN list past 16 KB of URI, when querying, then 414 HTML that jsforce reports as ERROR_HTTP_414', async () => {
    const ids = Array.from({ length: 900 }, (_, k) => `'00Q5g${String(k).padStart(10, '0')}'`).join(',');
    const e = await errorOf(connect(sandbox).query(`SELECT Id FROM Lead WHERE Id IN (${ids})`));
    expect(e.errorCode).toBe('ERROR_HTTP_414');
    expect(e.message).toContain('URI Too Long');
  });

  it('given an unencoded + in a datetime literal, when the URL decodes it to a space, then MALFORMED_QUERY', async () => {
    const res = await raw(
      sandbox,
      '/services/data/v62.0/query?q=SELECT+Id+FROM+Lead+WHERE+CreatedDate+>+2026-01-01T00:00:00+00:00',
    );
    expect(res.status).toBe(400);
    expect((res.body as { errorCode: string }[])[0]?.errorCode).toBe('MALFORMED_QUERY');
  });
});
