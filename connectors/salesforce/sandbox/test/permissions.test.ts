import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../server.js';
import { connect, errorOf, FIXED_NOW, raw } from './helpers.js';

/** Object permissions and field-level security of the API user (BEHAVIOR 28), through jsforce and raw REST. */

let sb: SalesforceSandbox;

beforeAll(async () => {
  sb = await startSalesforceSandbox({
    port: 0,
    seed: 3,
    leads: 40,
    now: () => FIXED_NOW,
    customFields: [{ fullName: 'Lead.Score__c', type: 'Number', precision: 8, scale: 2 }],
  });
});

afterAll(async () => {
  await sb.close();
});

const control = (body: Record<string, unknown>) =>
  fetch(`${sb.instanceUrl}/__sandbox/permissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('sandbox permissions', () => {
  it('given a field without Read, when described and queried, then describe omits it and SOQL answers INVALID_FIELD', async () => {
    expect((await control({ object: 'Lead', field: 'Industry', access: 'none' })).status).toBe(200);
    const conn = connect(sb);
    const describeResult = await conn.sobject('Lead').describe();
    expect(describeResult.fields.map((f) => f.name)).not.toContain('Industry');
    const error = await errorOf(conn.query('SELECT Id, Industry FROM Lead'));
    expect(error.errorCode).toBe('INVALID_FIELD');
    expect(error.message).toContain("No such column 'Industry' on entity 'Lead'");
    await control({ object: 'Lead', field: 'Industry', access: 'edit' });
    expect((await conn.sobject('Lead').describe()).fields.map((f) => f.name)).toContain('Industry');
  });

  it('given a custom field made read-only, when written through a collection, then describe says updateable false and the record fails with INVALID_FIELD_FOR_INSERT_UPDATE', async () => {
    sb.state.setAccess('Lead', 'Score__c', 'read');
    const conn = connect(sb);
    const field = (await conn.sobject('Lead').describe()).fields.find((f) => f.name === 'Score__c');
    expect(field?.updateable).toBe(false);
    const id = sb.state.table('Lead')?.id(0) as string;
    const response = await raw(sb, '/services/data/v62.0/composite/sobjects', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        allOrNone: false,
        records: [{ attributes: { type: 'Lead' }, id, Score__c: 5 }],
      }),
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      {
        id,
        success: false,
        errors: [
          expect.objectContaining({ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['Score__c'] }),
        ],
      },
    ]);
    sb.state.setAccess('Lead', 'Score__c', 'edit');
    const restored = (await conn.sobject('Lead').describe()).fields.find((f) => f.name === 'Score__c');
    expect(restored?.updateable).toBe(true);
  });

  it('given an object without Read, when described or queried, then 404 NOT_FOUND and INVALID_TYPE', async () => {
    sb.state.setAccess('Opportunity', undefined, 'none');
    const described = await raw(sb, '/services/data/v62.0/sobjects/Opportunity/describe');
    expect(described.status).toBe(404);
    expect(described.body).toEqual([expect.objectContaining({ errorCode: 'NOT_FOUND' })]);
    const error = await errorOf(connect(sb).query('SELECT Id FROM Opportunity'));
    expect(error.errorCode).toBe('INVALID_TYPE');
    sb.state.setAccess('Opportunity', undefined, 'edit');
    expect((await raw(sb, '/services/data/v62.0/sobjects/Opportunity/describe')).status).toBe(200);
  });

  it('given an object with Read but not Edit, when described, then createable and updateable are false', async () => {
    sb.state.setAccess('Lead', undefined, 'read');
    const described = (await raw(sb, '/services/data/v62.0/sobjects/Lead/describe')).body as Record<
      string,
      unknown
    >;
    expect([described.createable, described.updateable, described.queryable]).toEqual([false, false, true]);
    sb.state.setAccess('Lead', undefined, 'edit');
  });

  it('given an unknown object or access level, when the control is called, then it answers 404 or 400', async () => {
    expect((await control({ object: 'Nope', access: 'read' })).status).toBe(404);
    expect((await control({ object: 'Lead', field: 'Nope__c', access: 'read' })).status).toBe(404);
    expect((await control({ object: 'Lead', access: 'write' })).status).toBe(400);
  });
});
