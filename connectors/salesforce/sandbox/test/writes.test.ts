import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../server.js';
import { connect, errorOf, raw } from './helpers.js';

let sandbox: SalesforceSandbox;
let leadIds: string[];
beforeAll(async () => {
  sandbox = await startSalesforceSandbox({
    port: 0,
    seed: 5,
    leads: 1200,
    customFields: [{ fullName: 'Lead.LeadScore__c', type: 'Number', precision: 3, scale: 0 }],
  });
  const res = await connect(sandbox)
    .query('SELECT Id FROM Lead WHERE IsConverted = false ORDER BY Id')
    .run({ autoFetch: true, maxFetch: 5000 });
  leadIds = res.records.map((r) => r.Id as string);
});
afterAll(() => sandbox.close());

type SaveResult = {
  id?: string;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
};

describe('sObject Collections update', () => {
  it('given 450 records without allowRecursive, when updating, then EXCEEDED_ID_LIMIT and nothing is written', async () => {
    const records = leadIds.slice(0, 450).map((Id) => ({ Id, LeadScore__c: 11 }));
    const e = await errorOf(connect(sandbox).sobject('Lead').update(records));
    expect(e.errorCode).toBe('EXCEEDED_ID_LIMIT');
    expect(sandbox.state.record('Lead', leadIds[0] as string)?.LeadScore__c).toBeNull();
  });

  it('given 450 records with allowRecursive, when updating, then three calls of at most 200 and every record written', async () => {
    sandbox.requestLog.length = 0;
    const records = leadIds.slice(0, 450).map((Id, k) => ({ Id, LeadScore__c: k % 100 }));
    const results = (await connect(sandbox)
      .sobject('Lead')
      .update(records, { allowRecursive: true })) as SaveResult[];
    expect(results).toHaveLength(450);
    expect(results.every((r) => r.success)).toBe(true);
    expect(sandbox.requestLog.filter((e) => e.path.endsWith('/composite/sobjects'))).toHaveLength(3);
    expect(sandbox.state.record('Lead', leadIds[449] as string)?.LeadScore__c).toBe(449 % 100);
    const stamp = sandbox.state.record('Lead', leadIds[0] as string)?.SystemModstamp as string;
    expect(Date.now() - Date.parse(stamp.replace('+0000', 'Z'))).toBeLessThan(60_000);
  });

  it('given injected per-record failures, when allOrNone is false, then partial success with statusCode errors', async () => {
    const [a, b, c] = leadIds.slice(500, 503) as [string, string, string];
    sandbox.state.failRecords({
      [b]: { statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record' },
    });
    try {
      const results = (await connect(sandbox)
        .sobject('Lead')
        .update([a, b, c].map((Id) => ({ Id, LeadScore__c: 77 })))) as SaveResult[];
      expect(results.map((r) => r.success)).toEqual([true, false, true]);
      expect(results[1]).toEqual({
        id: b,
        success: false,
        errors: [
          {
            statusCode: 'UNABLE_TO_LOCK_ROW',
            message: 'unable to obtain exclusive access to this record',
            fields: [],
          },
        ],
      });
      expect(sandbox.state.record('Lead', a)?.LeadScore__c).toBe(77);
      expect(sandbox.state.record('Lead', b)?.LeadScore__c).toBeNull();
    } finally {
      sandbox.state.clearRecordFailures();
    }
  });

  it('given one invalid record and allOrNone, when updating, then 200 with every record rolled back', async () => {
    const [a, b] = leadIds.slice(600, 602) as [string, string];
    const results = (await connect(sandbox)
      .sobject('Lead')
      .update(
        [
          { Id: a, LeadScore__c: 5 },
          { Id: b, LeadScore__c: 5000 },
        ],
        { allOrNone: true },
      )) as SaveResult[];
    expect(results[0]?.errors[0]?.statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(results[1]?.errors[0]).toMatchObject({
      statusCode: 'NUMBER_OUTSIDE_VALID_RANGE',
      fields: ['LeadScore__c'],
    });
    expect(sandbox.state.record('Lead', a)?.LeadScore__c).toBeNull();
  });

  it('given an unknown field or a wrong JSON type, when updating, then the whole request fails with 400', async () => {
    const conn = connect(sandbox);
    const unknown = await errorOf(conn.sobject('Lead').update([{ Id: leadIds[700] as string, Nope__c: 1 }]));
    expect(unknown.errorCode).toBe('INVALID_FIELD');
    expect(unknown.message).toBe("No such column 'Nope__c' on sobject of type Lead");
    const wrongType = await errorOf(
      conn.sobject('Lead').update([{ Id: leadIds[700] as string, LeadScore__c: 'high' }]),
    );
    expect(wrongType.errorCode).toBe('JSON_PARSER_ERROR');
    expect(wrongType.message).toMatch(
      /^Cannot deserialize instance of double from VALUE_STRING value high or request may be missing a required field at \[line:1, column:\d+\]$/,
    );
  });

  it('given read-only, converted and malformed targets, when updating, then per-record Salesforce status codes', async () => {
    const conn = connect(sandbox);
    const converted = (await conn.query('SELECT Id FROM Lead WHERE IsConverted = true LIMIT 1')).records[0]
      ?.Id as string;
    const results = (await conn.sobject('Lead').update([
      { Id: leadIds[710] as string, IsConverted: true },
      { Id: converted, LeadScore__c: 1 },
      { Id: '00Q-bad-id', LeadScore__c: 1 },
      { Id: leadIds[711] as string, LastName: null },
    ])) as SaveResult[];
    expect(results.map((r) => r.errors[0]?.statusCode)).toEqual([
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      'CANNOT_UPDATE_CONVERTED_LEAD',
      'MALFORMED_ID',
      'REQUIRED_FIELD_MISSING',
    ]);
  });
});

describe('other sObject Collections operations', () => {
  it('given ids, when retrieving many through jsforce, then records come back in order with null for unknown ids', async () => {
    const conn = connect(sandbox);
    const ids = [leadIds[900] as string, '00Q5g000zzzzzzzAAA', leadIds[901] as string];
    const records = (await conn
      .sobject('Lead')
      .retrieve(ids, { fields: ['Id', 'Email', 'LeadScore__c'] })) as (Record<string, unknown> | null)[];
    expect(records.map((r) => r?.Id ?? null)).toEqual([leadIds[900], null, leadIds[901]]);
  });

  it('given new Tasks, when creating and deleting through collections, then SaveResults and recycle-bin semantics', async () => {
    const conn = connect(sandbox);
    const created = (await conn.sobject('Task').create([
      { WhoId: leadIds[950] as string, Subject: 'Email: hello', TaskSubtype: 'Email' },
      { WhoId: leadIds[951] as string, Subject: 'Call', TaskSubtype: 'Call', CallDurationInSeconds: 30 },
    ])) as SaveResult[];
    expect(created.every((r) => r.success && r.id?.startsWith('00T'))).toBe(true);
    const ids = created.map((r) => r.id as string);
    const removed = (await conn.sobject('Task').destroy(ids)) as SaveResult[];
    expect(removed.every((r) => r.success)).toBe(true);
    expect((await conn.query(`SELECT COUNT() FROM Task WHERE Id IN ('${ids.join("','")}')`)).totalSize).toBe(
      0,
    );
    const all = await conn
      .query(`SELECT Id, IsDeleted FROM Task WHERE Id IN ('${ids.join("','")}')`)
      .run({ scanAll: true });
    expect(all.records.every((r) => r.IsDeleted === true)).toBe(true);
  });
});

describe('single-record REST', () => {
  it('given a PATCH, when it succeeds, then 204 and the value is readable through GET', async () => {
    const conn = connect(sandbox);
    const id = leadIds[800] as string;
    const result = await conn.sobject('Lead').update({ Id: id, LeadScore__c: 64, Title: 'VP Revenue' });
    expect(result).toEqual({ id, success: true, errors: [] });
    const lead = await conn.sobject('Lead').retrieve(id);
    expect(lead).toMatchObject({ LeadScore__c: 64, Title: 'VP Revenue' });
    const res = await raw(sandbox, `/services/data/v62.0/sobjects/Lead/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ LeadScore__c: 65 }),
    });
    expect(res.status).toBe(204);
    const missing = await raw(sandbox, '/services/data/v62.0/sobjects/Lead/00Q5g000zzzzzzz');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
  });

  it('given a POST to an sObject, when creating, then 201 with defaults and REQUIRED_FIELD_MISSING when a required field is absent', async () => {
    const conn = connect(sandbox);
    const created = await conn
      .sobject('Lead')
      .create({ FirstName: 'Ada', LastName: 'Lovelace', Company: 'Analytical Engines' });
    expect(created).toMatchObject({ success: true });
    const lead = (
      await conn.query(`SELECT Name, Status, IsConverted, OwnerId FROM Lead WHERE Id = '${created.id}'`)
    ).records[0];
    expect(lead).toMatchObject({ Name: 'Ada Lovelace', Status: 'Open - Not Contacted', IsConverted: false });
    const missing = await errorOf(conn.sobject('Lead').create({ LastName: 'NoCompany' }));
    expect(missing.errorCode).toBe('REQUIRED_FIELD_MISSING');
    expect(missing.message).toBe('Required fields are missing: [Company]');
    const call = await conn
      .sobject('Task')
      .create({ WhoId: created.id, Subject: 'Call', TaskSubtype: 'Call', CallDurationInSeconds: 95 });
    const task = (
      await conn.query(`SELECT WhoId, TaskSubtype, CallDurationInSeconds FROM Task WHERE Id = '${call.id}'`)
    ).records[0];
    expect(task).toMatchObject({ WhoId: created.id, TaskSubtype: 'Call', CallDurationInSeconds: 95 });
  });

  it('given a Tooling API CustomField, when created, then it is invisible until field-level security is granted', async () => {
    const conn = connect(sandbox);
    const created = await conn.request<{ id: string; success: boolean }>({
      method: 'POST',
      url: '/services/data/v62.0/tooling/sobjects/CustomField',
      body: JSON.stringify({
        FullName: 'Lead.ScoreBand__c',
        Metadata: { label: 'Score Band', type: 'Text', length: 20 },
      }),
      headers: { 'content-type': 'application/json' },
    });
    expect(created).toMatchObject({ success: true });
    expect(created.id).toMatch(/^00N/);
    const before = await conn.request<{ fields: { name: string }[] }>(
      '/services/data/v62.0/sobjects/Lead/describe',
    );
    expect(before.fields.map((f) => f.name)).not.toContain('ScoreBand__c');
    expect((await errorOf(conn.query('SELECT ScoreBand__c FROM Lead LIMIT 1'))).errorCode).toBe(
      'INVALID_FIELD',
    );
    await conn.sobject('FieldPermissions').create({
      ParentId: '0PS5g000000001AAA',
      SobjectType: 'Lead',
      Field: 'Lead.ScoreBand__c',
      PermissionsRead: true,
      PermissionsEdit: true,
    });
    const after = await conn.request<{ fields: { name: string; custom: boolean; length: number }[] }>(
      '/services/data/v62.0/sobjects/Lead/describe',
    );
    expect(after.fields.find((f) => f.name === 'ScoreBand__c')).toMatchObject({ custom: true, length: 20 });
  });
});
