import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, type Fixture, startFixture } from './support.js';

describe('properties API through the real SDK', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ contacts: 20 });
  });
  afterAll(() => f.sb.close());

  it('given the contact schema, then HubSpot-defined properties carry type, fieldType, options and read-only metadata', async () => {
    const all = await f.client.crm.properties.coreApi.getAll('contacts');
    const byName = new Map(all.results.map((p) => [p.name, p]));
    expect(byName.get('lifecyclestage')?.type).toBe('enumeration');
    expect(byName.get('lifecyclestage')?.options.map((o) => o.value)).toContain('opportunity');
    expect(byName.get('createdate')?.modificationMetadata?.readOnlyValue).toBe(true);
    expect(byName.get('hs_email_open')?.type).toBe('number');
    const one = await f.client.crm.properties.coreApi.getByName('contacts', 'numemployees');
    expect(one.options.map((o) => o.value)).toEqual([
      '1-5',
      '5-25',
      '25-50',
      '50-100',
      '100-500',
      '500-1000',
      '1000+',
    ]);
  });

  it('given a new group and property, then 201; creating the same name again is 409 (body UNVERIFIED, configurable)', async () => {
    const group = await f.client.crm.properties.groupsApi.create('contacts', {
      name: 'leadscore',
      label: 'Leadscore',
      displayOrder: -1,
    });
    expect(group.name).toBe('leadscore');
    const groups = await f.client.crm.properties.groupsApi.getAll('contacts');
    expect(groups.results.map((g) => g.name)).toContain('leadscore');
    const spec = {
      name: 'leadscore_band',
      label: 'Lead band',
      type: 'enumeration' as never,
      fieldType: 'select' as never,
      groupName: 'leadscore',
      options: [
        { label: 'Hot', value: 'hot', displayOrder: 0, hidden: false },
        { label: 'Warm', value: 'warm', displayOrder: 1, hidden: false },
      ],
    };
    const created = await f.client.crm.properties.coreApi.create('contacts', spec);
    expect(created.modificationMetadata?.readOnlyValue).toBe(false);
    const err = await apiError(f.client.crm.properties.coreApi.create('contacts', spec));
    expect(err.code).toBe(409);
    expect(err.body.status).toBe('error');
    expect(err.body.category).toBe('OBJECT_ALREADY_EXISTS');
    // The new enumeration is enforced on writes.
    const bad = await apiError(
      f.client.crm.contacts.basicApi.update('1001', { properties: { leadscore_band: 'scorching' } }),
    );
    expect(bad.code).toBe(400);
    expect(String(bad.body.message)).toContain('INVALID_OPTION');
    await f.client.crm.contacts.basicApi.update('1001', { properties: { leadscore_band: 'hot' } });
    const read = await f.client.crm.contacts.basicApi.getById('1001', ['leadscore_band']);
    expect(read.properties.leadscore_band).toBe('hot');
  });

  it('given a missing required field or an unknown property name, then 400 and 404', async () => {
    const err = await apiError(
      f.client.crm.properties.coreApi.create('contacts', {
        name: 'x_prop',
        label: 'X',
        type: 'string' as never,
        fieldType: 'text' as never,
        groupName: '',
      }),
    );
    expect(err.code).toBe(400);
    expect((await apiError(f.client.crm.properties.coreApi.getByName('contacts', 'nope_nope'))).code).toBe(
      404,
    );
  });
});
