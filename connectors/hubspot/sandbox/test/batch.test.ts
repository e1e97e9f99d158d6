import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, type Fixture, startFixture } from './support.js';

const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(1001 + (from + i) * 50));

describe('batch read and update through the real SDK', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ contacts: 400 });
    // The write-back target every test below may use.
    await f.client.crm.properties.coreApi.create('contacts', {
      name: 'leadscore_score',
      label: 'Lead score',
      type: 'number' as never,
      fieldType: 'number' as never,
      groupName: 'contactinformation',
    });
  });
  afterAll(() => f.sb.close());

  it('given 100 ids, when batch reading, then 200 COMPLETE with all of them', async () => {
    const res = await f.client.crm.contacts.batchApi.read({
      inputs: ids(0, 100).map((id) => ({ id })),
      properties: ['email', 'lifecyclestage'],
      propertiesWithHistory: [],
    });
    expect(res.status).toBe('COMPLETE');
    expect(res.results).toHaveLength(100);
    expect(res.startedAt).toBeInstanceOf(Date);
  });

  it('given 101 inputs, then 400 VALIDATION_ERROR with HubSpot message', async () => {
    const err = await apiError(
      f.client.crm.contacts.batchApi.read({
        inputs: ids(0, 101).map((id) => ({ id })),
        properties: [],
        propertiesWithHistory: [],
      }),
    );
    expect(err.code).toBe(400);
    expect(err.body.category).toBe('VALIDATION_ERROR');
    expect(err.body.message).toBe(
      'The maximum number of inputs supported in a batch is 100. Please reduce the number of items and try again',
    );
    const upd = await apiError(
      f.client.crm.contacts.batchApi.update({
        inputs: ids(0, 101).map((id) => ({ id, properties: { jobtitle: 'x' } })),
      }),
    );
    expect(upd.code).toBe(400);
  });

  it('given duplicate ids, then the whole batch is rejected with 400 naming them', async () => {
    const err = await apiError(
      f.client.crm.contacts.batchApi.read({
        inputs: [{ id: '1001' }, { id: '1001' }],
        properties: [],
        propertiesWithHistory: [],
      }),
    );
    expect(err.code).toBe(400);
    expect(String(err.body.message)).toContain('Duplicate IDs found in batch input: [1001]');
  });

  it('given a missing id, then 207 with the found records and an OBJECT_NOT_FOUND error listing the id', async () => {
    const res = await f.client.crm.contacts.batchApi.read({
      inputs: [{ id: '1001' }, { id: '987654321' }],
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(res.results.map((r) => r.id)).toEqual(['1001']);
    const withErrors = res as typeof res & {
      numErrors?: number;
      errors?: Array<{ category: string; context?: Record<string, string[]> }>;
    };
    expect(withErrors.numErrors).toBe(1);
    expect(withErrors.errors?.[0]?.category).toBe('OBJECT_NOT_FOUND');
    expect(withErrors.errors?.[0]?.context?.ids).toEqual(['987654321']);
  });

  it('given injected failures for some ids, when batch updating, then 207: the others are written, the failed ones are reported', async () => {
    const batch = ids(10, 5);
    await f.control('POST', '/batch-failures', {
      ids: [batch[1], batch[3]],
      category: 'INTERNAL_ERROR',
      message: 'try again',
    });
    const res = await f.client.crm.contacts.batchApi.update({
      inputs: batch.map((id) => ({ id, properties: { hs_lead_status: 'IN_PROGRESS' } })),
    });
    await f.control('DELETE', '/batch-failures');
    expect(res.results.map((r) => r.id).sort()).toEqual([batch[0], batch[2], batch[4]].sort());
    const errs = (res as unknown as { errors: Array<{ category: string; context: { ids: string[] } }> })
      .errors;
    expect(errs[0]?.category).toBe('INTERNAL_ERROR');
    expect(errs[0]?.context.ids.sort()).toEqual([batch[1], batch[3]].sort());
    const written = await f.control<{ properties: Record<string, string> }>('GET', `/contacts/${batch[0]}`);
    expect(written.properties.hs_lead_status).toBe('IN_PROGRESS');
    const skipped = await f.control<{ properties: Record<string, string> }>('GET', `/contacts/${batch[1]}`);
    expect(skipped.properties.hs_lead_status).not.toBe('IN_PROGRESS');
  });

  it('given an unknown property, a bad number and a bad option, then 400 naming each property (whole batch, UNVERIFIED default)', async () => {
    const err = await apiError(
      f.client.crm.contacts.batchApi.update({
        inputs: [
          { id: '1001', properties: { no_such_property: 'x' } },
          { id: '1051', properties: { hs_object_id: 'abc', lifecyclestage: 'hot' } },
        ],
      }),
    );
    expect(err.code).toBe(400);
    expect(err.body.category).toBe('VALIDATION_ERROR');
    expect(String(err.body.message)).toContain('PROPERTY_DOESNT_EXIST');
    expect(String(err.body.message)).toContain('"name":"no_such_property"');
    const bad = await apiError(
      f.client.crm.contacts.batchApi.update({
        inputs: [{ id: '1001', properties: { leadscore_score: 'high', lifecyclestage: 'hot' } }],
      }),
    );
    expect(String(bad.body.message)).toContain('INVALID_INTEGER');
    expect(String(bad.body.message)).toContain('"name":"leadscore_score"');
    expect(String(bad.body.message)).toContain('INVALID_OPTION');
  });

  it('given multi-status mode, then one bad input fails alone in a 207', async () => {
    await f.control('PATCH', '/behaviours', { batchInvalidProperty: 'multi-status' });
    const res = await f.client.crm.contacts.batchApi.update({
      inputs: [
        { id: '1101', properties: { lifecyclestage: 'hot' } },
        { id: '1151', properties: { lifecyclestage: 'opportunity' } },
      ],
    });
    await f.control('PATCH', '/behaviours', { batchInvalidProperty: 'reject-batch' });
    expect(res.results.map((r) => r.id)).toEqual(['1151']);
    expect((res as unknown as { numErrors: number }).numErrors).toBe(1);
  });

  it('given a write-back, then the value reads back, lastmodifieddate is bumped and a search finds it', async () => {
    const before = await f.control<{ properties: Record<string, string> }>('GET', '/contacts/2001');
    f.clock.advance(30_000);
    await f.client.crm.contacts.batchApi.update({
      inputs: [{ id: '2001', properties: { leadscore_score: '87' } }],
    });
    const after = await f.control<{ properties: Record<string, string> }>('GET', '/contacts/2001');
    expect(after.properties.leadscore_score).toBe('87');
    expect(Date.parse(after.properties.lastmodifieddate ?? '')).toBe(f.clock.now());
    expect(after.properties.createdate).toBe(before.properties.createdate);
    expect(after.properties.hs_lastmodifieddate).toBe(after.properties.lastmodifieddate);
  });

  it('given a merged-away id in batch read, then the survivor comes back (UNVERIFIED default "resolve")', async () => {
    const { id } = await f.control<{ id: string }>('POST', '/merge', { primaryId: '3001', mergeId: '3051' });
    const res = await f.client.crm.contacts.batchApi.read({
      inputs: [{ id: '3051' }],
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(res.results.map((r) => r.id)).toEqual([id]);
  });

  it('given an API write then a human edit, then propertiesWithHistory lists both, newest first, with their sources', async () => {
    f.clock.advance(1000);
    await f.client.crm.contacts.batchApi.update({
      inputs: [{ id: '2501', properties: { leadscore_score: '40' } }],
    });
    f.clock.advance(1000);
    await f.control('PATCH', '/contacts/2501', { properties: { leadscore_score: '99' } });
    const res = await f.client.crm.contacts.batchApi.read({
      inputs: [{ id: '2501' }],
      properties: ['leadscore_score'],
      propertiesWithHistory: ['leadscore_score'],
    });
    const hist = res.results[0]?.propertiesWithHistory?.leadscore_score ?? [];
    expect(hist.map((h) => [h.value, h.sourceType])).toEqual([
      ['99', 'CRM_UI'],
      ['40', 'INTEGRATION'],
    ]);
    expect(hist[0]?.timestamp).toBeInstanceOf(Date);
    expect(res.results[0]?.properties.leadscore_score).toBe('99');
  });
});
