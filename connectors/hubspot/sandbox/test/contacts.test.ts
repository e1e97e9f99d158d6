import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, type Fixture, startFixture } from './support.js';

describe('CRM v3 contacts through the real SDK', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ contacts: 600 });
  });
  afterAll(() => f.sb.close());

  it('given 600 contacts, when paging with limit 100, then every contact comes back exactly once and the last page has no cursor', async () => {
    const seen = new Set<string>();
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await f.client.crm.contacts.basicApi.getPage(100, after, ['email']);
      for (const c of page.results) seen.add(c.id);
      after = page.paging?.next?.after;
      pages++;
    } while (after);
    expect(seen.size).toBe(600);
    expect(pages).toBe(6);
  });

  it('given limit 500, when listing, then the page is clamped to 100 (UNVERIFIED, configurable)', async () => {
    const page = await f.client.crm.contacts.basicApi.getPage(500);
    expect(page.results).toHaveLength(100);
  });

  it('given the default request, when listing, then values are strings and defaults plus system properties are returned', async () => {
    const page = await f.client.crm.contacts.basicApi.getPage(1);
    const c = page.results[0]!;
    expect(Object.keys(c.properties).sort()).toEqual(
      ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'].sort(),
    );
    expect(c.createdAt).toBeInstanceOf(Date);
    expect(c.archived).toBe(false);
  });

  it('given properties (repeated keys on the wire) with an unknown name, then the unknown one is ignored and missing values are null', async () => {
    const page = await f.client.crm.contacts.basicApi.getPage(20, undefined, [
      'jobtitle',
      'numemployees',
      'no_such_prop',
    ]);
    for (const c of page.results) {
      expect(c.properties).not.toHaveProperty('no_such_prop');
      expect(c.properties).toHaveProperty('jobtitle');
    }
    const raw = await f.raw('GET', '/crm/v3/objects/contacts?limit=1&properties=jobtitle,industry');
    const body = (await raw.json()) as { results: Array<{ properties: Record<string, unknown> }> };
    expect(body.results[0]!.properties).toHaveProperty('industry');
  });

  it('given an id, a missing id and an email idProperty, when reading one contact, then 200, 404 OBJECT_NOT_FOUND and 200', async () => {
    const one = await f.client.crm.contacts.basicApi.getById('1051', ['email']);
    expect(one.id).toBe('1051');
    const err = await apiError(f.client.crm.contacts.basicApi.getById('999999999'));
    expect(err.code).toBe(404);
    expect(err.body.category).toBe('OBJECT_NOT_FOUND');
    const byEmail = await f.client.crm.contacts.basicApi.getById(
      one.properties.email as string,
      ['email'],
      undefined,
      undefined,
      false,
      'email',
    );
    expect(byEmail.id).toBe('1051');
  });

  it('given two contacts merged, when reading either old id, then 200 with the NEW surviving id and hs_merged_object_ids', async () => {
    // SDK v13's contacts discovery has no mergeApi; the generic request goes through the same auth and base path.
    const res = await f.client.apiRequest({
      method: 'POST',
      path: '/crm/v3/objects/contacts/merge',
      body: { primaryObjectId: '2001', objectIdToMerge: '2051' },
    });
    expect(res.status).toBe(200);
    const merged = (await res.json()) as { id: string };
    expect(merged.id).not.toBe('2001');
    expect(merged.id).not.toBe('2051');
    for (const oldId of ['2001', '2051']) {
      const c = await f.client.crm.contacts.basicApi.getById(oldId, ['hs_merged_object_ids', 'email']);
      expect(c.id).toBe(merged.id);
      expect((c.properties.hs_merged_object_ids ?? '').split(';').sort()).toEqual(['2001', '2051']);
    }
    // The merged-away ids are gone from the list (neither live nor archived).
    const all = await f.client.crm.contacts.getAll(100);
    const ids = new Set(all.map((c) => c.id));
    expect(ids.has('2001')).toBe(false);
    expect(ids.has(merged.id)).toBe(true);
  });

  it('given an archived contact, when listing, then it is only under archived=true, with archivedAt; GET by id is 404', async () => {
    await f.client.crm.contacts.basicApi.archive('3001');
    const live = await f.client.crm.contacts.getAll(100);
    expect(live.some((c) => c.id === '3001')).toBe(false);
    const archived = await f.client.crm.contacts.basicApi.getPage(
      100,
      undefined,
      undefined,
      undefined,
      undefined,
      true,
    );
    const found = archived.results.find((c) => c.id === '3001');
    expect(found?.archived).toBe(true);
    expect(found?.archivedAt).toBeInstanceOf(Date);
    expect((await apiError(f.client.crm.contacts.basicApi.getById('3001'))).code).toBe(404);
  });

  it('given an update, then lastmodifieddate moves forward and createdate does not', async () => {
    const before = await f.client.crm.contacts.basicApi.getById('4001', ['createdate', 'lastmodifieddate']);
    f.clock.advance(60_000);
    const after = await f.client.crm.contacts.basicApi.update('4001', {
      properties: { jobtitle: 'Head of RevOps' },
    });
    expect(after.properties.jobtitle).toBe('Head of RevOps');
    const again = await f.client.crm.contacts.basicApi.getById('4001', [
      'createdate',
      'lastmodifieddate',
      'jobtitle',
    ]);
    expect(again.properties.createdate).toBe(before.properties.createdate);
    expect(Date.parse(again.properties.lastmodifieddate as string)).toBeGreaterThan(
      Date.parse(before.properties.lastmodifieddate as string),
    );
    expect(again.updatedAt.getTime()).toBe(Date.parse(again.properties.lastmodifieddate as string));
  });

  it('given a duplicate email on create, then 409 CONFLICT naming the existing id', async () => {
    const existing = await f.client.crm.contacts.basicApi.getById('1101', ['email']);
    const err = await apiError(
      f.client.crm.contacts.basicApi.create({
        properties: { email: existing.properties.email as string },
        associations: [],
      }),
    );
    expect(err.code).toBe(409);
    expect(err.body.category).toBe('CONFLICT');
    expect(String(err.body.message)).toContain('Existing ID: 1101');
  });

  it('given owners, when listing them, then the SDK reads them', async () => {
    const owners = await f.client.crm.owners.ownersApi.getPage();
    expect(owners.results.length).toBeGreaterThan(3);
    expect(owners.results[0]!.email).toMatch(/@/);
  });
});

describe('lifecycle stage direction', () => {
  it('given an opportunity, when the API sets "lead", then nothing changes until the stage is cleared first', async () => {
    const f = await startFixture({ contacts: 200 });
    try {
      await f.client.crm.contacts.basicApi.update('1001', { properties: { lifecyclestage: 'opportunity' } });
      await f.client.crm.contacts.basicApi.update('1001', { properties: { lifecyclestage: 'lead' } });
      let c = await f.client.crm.contacts.basicApi.getById('1001', ['lifecyclestage']);
      expect(c.properties.lifecyclestage).toBe('opportunity');
      await f.client.crm.contacts.basicApi.update('1001', { properties: { lifecyclestage: '' } });
      await f.client.crm.contacts.basicApi.update('1001', { properties: { lifecyclestage: 'lead' } });
      c = await f.client.crm.contacts.basicApi.getById('1001', ['lifecyclestage']);
      expect(c.properties.lifecyclestage).toBe('lead');
    } finally {
      await f.sb.close();
    }
  });
});
