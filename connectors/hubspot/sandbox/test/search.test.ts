import type { PublicObjectSearchRequest } from '@hubspot/api-client/lib/codegen/crm/contacts/models/PublicObjectSearchRequest.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Fixture, op, startFixture } from './support.js';

const search = (f: Fixture, req: Partial<PublicObjectSearchRequest>) =>
  f.client.crm.contacts.searchApi.doSearch({ filterGroups: [], ...req } as PublicObjectSearchRequest);

describe('CRM search through the real SDK', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ contacts: 1200 });
  });
  afterAll(() => f.sb.close());
  // Search allows 5 requests per second; move the clock so tests do not trip it unless they mean to.
  beforeEach(() => f.clock.advance(1000));

  it('given EQ on an enumeration, then every result matches and total counts them all', async () => {
    const res = await search(f, {
      filterGroups: [{ filters: [{ propertyName: 'lifecyclestage', operator: op('EQ'), value: 'lead' }] }],
      properties: ['lifecyclestage'],
      limit: 200,
    });
    expect(res.total).toBeGreaterThan(200);
    expect(res.results).toHaveLength(200);
    expect(res.results.every((r) => r.properties.lifecyclestage === 'lead')).toBe(true);
    expect(res.paging?.next?.after).toBe('200');
  });

  it('given NEQ, GT/GTE/LT/LTE, BETWEEN on numbers and dates, then the sets agree with each other', async () => {
    const count = async (
      filters: Array<{ propertyName: string; operator: string; value?: string; highValue?: string }>,
    ) => {
      f.clock.advance(1000);
      const r = await search(f, {
        filterGroups: [{ filters: filters.map((x) => ({ ...x, operator: op(x.operator) })) }],
        limit: 1,
      });
      return r.total;
    };
    const all = await count([]);
    const ge2 = await count([{ propertyName: 'hs_email_open', operator: 'GTE', value: '2' }]);
    const lt2 = await count([{ propertyName: 'hs_email_open', operator: 'LT', value: '2' }]);
    expect(ge2 + lt2).toBe(all);
    const gt1 = await count([{ propertyName: 'hs_email_open', operator: 'GT', value: '1' }]);
    expect(gt1).toBe(ge2);
    const le1 = await count([{ propertyName: 'hs_email_open', operator: 'LTE', value: '1' }]);
    expect(le1).toBe(lt2);
    const between = await count([
      { propertyName: 'hs_email_open', operator: 'BETWEEN', value: '2', highValue: '3' },
    ]);
    const eq2 = await count([{ propertyName: 'hs_email_open', operator: 'EQ', value: '2' }]);
    const eq3 = await count([{ propertyName: 'hs_email_open', operator: 'EQ', value: '3' }]);
    expect(between).toBe(eq2 + eq3);
    const neq2 = await count([{ propertyName: 'hs_email_open', operator: 'NEQ', value: '2' }]);
    expect(neq2).toBe(all - eq2);
    const mid = Date.parse('2026-01-01T00:00:00Z');
    const before = await count([{ propertyName: 'createdate', operator: 'LT', value: String(mid) }]);
    const after = await count([{ propertyName: 'createdate', operator: 'GTE', value: String(mid) }]);
    expect(before + after).toBe(all);
    expect(before).toBeGreaterThan(0);
  });

  it('given HAS_PROPERTY / NOT_HAS_PROPERTY and IN, then they partition and IN values compare as given (lowercase for strings)', async () => {
    const has = await search(f, {
      filterGroups: [{ filters: [{ propertyName: 'jobtitle', operator: op('HAS_PROPERTY') }] }],
    });
    f.clock.advance(1000);
    const not = await search(f, {
      filterGroups: [{ filters: [{ propertyName: 'jobtitle', operator: op('NOT_HAS_PROPERTY') }] }],
    });
    f.clock.advance(1000);
    const all = await search(f, {});
    expect(has.total + not.total).toBe(all.total);
    expect(not.total).toBeGreaterThan(0);
    f.clock.advance(1000);
    const inStages = await search(f, {
      filterGroups: [
        {
          filters: [
            { propertyName: 'lifecyclestage', operator: op('IN'), values: ['opportunity', 'customer'] },
          ],
        },
      ],
      properties: ['lifecyclestage'],
      limit: 200,
    });
    expect(
      inStages.results.every((r) => ['opportunity', 'customer'].includes(r.properties.lifecyclestage ?? '')),
    ).toBe(true);
    f.clock.advance(1000);
    const upper = await search(f, {
      filterGroups: [
        { filters: [{ propertyName: 'country', operator: op('IN'), values: ['United States'] }] },
      ],
    });
    f.clock.advance(1000);
    const lower = await search(f, {
      filterGroups: [
        { filters: [{ propertyName: 'country', operator: op('IN'), values: ['united states'] }] },
      ],
    });
    expect(upper.total).toBe(0);
    expect(lower.total).toBeGreaterThan(0);
  });

  it('given two filter groups, then they OR; given a sort, then results are ordered by it', async () => {
    const res = await search(f, {
      filterGroups: [
        { filters: [{ propertyName: 'lifecyclestage', operator: op('EQ'), value: 'customer' }] },
        { filters: [{ propertyName: 'lifecyclestage', operator: op('EQ'), value: 'opportunity' }] },
      ],
      sorts: ['-createdate'],
      properties: ['lifecyclestage', 'createdate'],
      limit: 100,
    });
    const dates = res.results.map((r) => Date.parse(r.properties.createdate ?? ''));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    f.clock.advance(1000);
    const asc = await search(f, {
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }] as unknown as string[],
      properties: ['lastmodifieddate'],
      limit: 50,
    });
    const mods = asc.results.map((r) => Date.parse(r.properties.lastmodifieddate ?? ''));
    expect([...mods].sort((a, b) => a - b)).toEqual(mods);
  });

  it('given no sort, then the default order is creation order, oldest first, with the documented default properties', async () => {
    const res = await search(f, { limit: 20 });
    const created = res.results.map((r) => Date.parse(r.properties.createdate ?? ''));
    expect([...created].sort((a, b) => a - b)).toEqual(created);
    expect(Object.keys(res.results[0]!.properties).sort()).toEqual(
      ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'].sort(),
    );
  });

  it('given limit 500, then 200 come back; given after past 10,000, then 400', async () => {
    const res = await search(f, { limit: 500 });
    expect(res.results).toHaveLength(200);
    f.clock.advance(1000);
    const err = await apiError(search(f, { limit: 100, after: '10000' }));
    expect(err.code).toBe(400);
    expect(err.body.status).toBe('error');
    expect(err.body.category).toBe('VALIDATION_ERROR');
  });

  it('given too many filters or groups, then 400 VALIDATION_ERROR', async () => {
    const f1 = { propertyName: 'email', operator: op('HAS_PROPERTY') };
    const err = await apiError(
      search(f, { filterGroups: Array.from({ length: 6 }, () => ({ filters: [f1] })) }),
    );
    expect(err.code).toBe(400);
    f.clock.advance(1000);
    const err2 = await apiError(
      search(f, { filterGroups: [{ filters: Array.from({ length: 7 }, () => f1) }] }),
    );
    expect(err2.code).toBe(400);
    f.clock.advance(1000);
    const err3 = await apiError(
      search(f, {
        filterGroups: Array.from({ length: 4 }, () => ({ filters: Array.from({ length: 5 }, () => f1) })),
      }),
    );
    expect(err3.code).toBe(400);
    expect(String(err3.body.message)).toContain('18');
  });

  it('given a search response, then it carries no X-HubSpot-RateLimit headers', async () => {
    const res = await f.client.crm.contacts.searchApi.doSearchWithHttpInfo({
      filterGroups: [],
      limit: 1,
    } as unknown as PublicObjectSearchRequest);
    expect(Object.keys(res.headers).filter((h) => h.toLowerCase().startsWith('x-hubspot-ratelimit'))).toEqual(
      [],
    );
    expect(res.headers['x-hubspot-correlation-id']).toBeTruthy();
  });

  it('given six searches within one second, then the sixth is 429 with the message the SDK retries on', async () => {
    f.clock.advance(2000);
    for (let i = 0; i < 5; i++) await search(f, { limit: 1 });
    const err = await apiError(search(f, { limit: 1 }));
    expect(err.code).toBe(429);
    expect(err.body.message).toBe('You have reached your secondly limit.');
    expect(err.body.category).toBe('RATE_LIMITS');
    f.clock.advance(1000);
    await expect(search(f, { limit: 1 })).resolves.toBeTruthy();
  });

  it('given a contact changed after a cursor, when searching lastmodifieddate GTE cursor, then it is found', async () => {
    const cursor = f.clock.now();
    f.clock.advance(5000);
    await f.client.crm.contacts.basicApi.update('1501', { properties: { jobtitle: 'CRO' } });
    const res = await search(f, {
      filterGroups: [
        { filters: [{ propertyName: 'lastmodifieddate', operator: op('GTE'), value: String(cursor) }] },
      ],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }] as unknown as string[],
      properties: ['jobtitle'],
    });
    expect(res.results.map((r) => r.id)).toContain('1501');
  });

  it('given an archived contact, then search never returns it', async () => {
    await f.client.crm.contacts.basicApi.archive('1551');
    const res = await search(f, {
      filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: op('EQ'), value: '1551' }] }],
    });
    expect(res.total).toBe(0);
  });
});
