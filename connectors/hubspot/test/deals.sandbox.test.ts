import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotSandbox } from '../sandbox/index.js';
import { apiError, type Fixture, op, startFixture } from '../sandbox/test/support.js';

/**
 * Conformance of the sandbox's deals through the real SDK: list, search, batch read, the v4 associations
 * deals <-> contacts, and the seeded data (connectors/hubspot/BEHAVIOR.md 39).
 */

const CONTACTS = 3000;
let f: Fixture;

beforeAll(async () => {
  f = await startFixture({ contacts: CONTACTS, seed: 7 });
});
afterAll(async () => {
  await f.sb.close();
});

const DEAL_PROPS = ['dealstage', 'closedate', 'hs_is_closed_won', 'hs_lastmodifieddate'];

async function allDeals(fixture: Fixture) {
  const deals: Array<{ id: string; properties: Record<string, string | null>; contacts: string[] }> = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = await fixture.client.crm.deals.basicApi.getPage(100, after, DEAL_PROPS, undefined, [
      'contacts',
    ]);
    pages++;
    for (const deal of page.results)
      deals.push({
        id: deal.id,
        properties: deal.properties,
        contacts: (deal.associations?.contacts?.results ?? []).map((a) => a.id),
      });
    after = page.paging?.next?.after;
  } while (after);
  return { deals, pages };
}

describe('sandbox deals', () => {
  it('given a seeded portal, when deals are listed, then a few per cent of contacts have won deals and every customer has one', async () => {
    const { deals, pages } = await allDeals(f);
    expect(pages).toBe(Math.ceil(deals.length / 100));
    const won = deals.filter((d) => d.properties.hs_is_closed_won === 'true');
    expect(won.every((d) => d.properties.dealstage === 'closedwon' && d.properties.closedate)).toBe(true);
    const wonContacts = new Set(won.flatMap((d) => d.contacts));
    expect(wonContacts.size / CONTACTS).toBeGreaterThan(0.01);
    expect(wonContacts.size / CONTACTS).toBeLessThan(0.05);
    expect(deals.every((d) => d.contacts.length === 1)).toBe(true);

    const customers = await f.client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'lifecyclestage', operator: op('EQ'), value: 'customer' }] },
      ],
      properties: ['num_associated_deals'],
      limit: 200,
    } as never);
    expect(customers.total).toBeGreaterThan(0);
    for (const contact of customers.results) {
      expect(wonContacts.has(contact.id), contact.id).toBe(true);
      expect(Number(contact.properties.num_associated_deals)).toBeGreaterThan(0);
    }
  });

  it('given the same seed, when another sandbox starts, then it seeds the same deals', async () => {
    const other = await startHubSpotSandbox({ port: 0, seed: 7, contacts: CONTACTS, now: f.clock.now });
    try {
      const client = new Client({ accessToken: other.token, basePath: other.baseUrl });
      const theirs = (await allDeals({ ...f, sb: other, client })).deals;
      expect(theirs).toEqual((await allDeals(f)).deals);
    } finally {
      await other.close();
    }
  });

  it('given a search on hs_is_closed_won and hs_lastmodifieddate, then only won deals since then come back, ascending', async () => {
    const since = f.clock.now() - 365 * 86_400_000;
    const page = await f.client.crm.deals.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            { propertyName: 'hs_is_closed_won', operator: op('EQ'), value: 'true' },
            { propertyName: 'hs_lastmodifieddate', operator: op('GTE'), value: String(since) },
          ],
        },
      ],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }] as never,
      properties: DEAL_PROPS,
      limit: 200,
    } as never);
    expect(page.results.length).toBeGreaterThan(0);
    const times = page.results.map((d) => Date.parse(d.properties.hs_lastmodifieddate as string));
    expect(times.every((t) => t >= since)).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(page.results.every((d) => d.properties.hs_is_closed_won === 'true')).toBe(true);
  });

  it('given deal and contact ids, when the v4 associations are batch read both ways, then they agree with num_associated_deals', async () => {
    const { deals } = await allDeals(f);
    const sample = deals.slice(0, 50);
    const forward = await f.client.crm.associations.v4.batchApi.getPage('deals', 'contacts', {
      inputs: sample.map((d) => ({ id: d.id })),
    });
    expect(forward.results).toHaveLength(50);
    for (const row of forward.results) {
      const deal = sample.find((d) => d.id === row._from.id);
      expect(row.to.map((t) => String(t.toObjectId))).toEqual(deal?.contacts);
      expect(row.to[0]?.associationTypes[0]).toMatchObject({ category: 'HUBSPOT_DEFINED', typeId: 3 });
    }
    const contactIds = [...new Set(sample.flatMap((d) => d.contacts))];
    const back = await f.client.crm.associations.v4.batchApi.getPage('contacts', 'deals', {
      inputs: contactIds.map((id) => ({ id })),
    });
    const contacts = await f.client.crm.contacts.batchApi.read({
      inputs: contactIds.map((id) => ({ id })),
      properties: ['num_associated_deals'],
      propertiesWithHistory: [],
    });
    for (const row of back.results) {
      expect(row.to[0]?.associationTypes[0]?.typeId).toBe(4);
      const contact = contacts.results.find((c) => c.id === row._from.id);
      expect(Number(contact?.properties.num_associated_deals)).toBe(row.to.length);
    }
    const batch = await f.client.crm.deals.batchApi.read({
      inputs: sample.slice(0, 5).map((d) => ({ id: d.id })),
      properties: DEAL_PROPS,
      propertiesWithHistory: [],
    });
    expect(batch.results.map((d) => d.id).sort()).toEqual(
      sample
        .slice(0, 5)
        .map((d) => d.id)
        .sort(),
    );
  });

  it('given more than 1,000 ids, when associations are batch read, then 400 VALIDATION_ERROR', async () => {
    const inputs = Array.from({ length: 1001 }, (_, i) => ({ id: String(i + 1) }));
    const error = await apiError(
      f.client.crm.associations.v4.batchApi.getPage('deals', 'contacts', { inputs }),
    );
    expect(error.code).toBe(400);
    expect(error.body.category).toBe('VALIDATION_ERROR');
  });

  it('given a token without crm.objects.deals.read, when deals are listed, then 403 MISSING_SCOPES', async () => {
    const { token } = await f.control<{ token: string }>('POST', '/tokens', {
      scopes: ['crm.objects.contacts.read'],
    });
    const error = await apiError(f.clientFor(token).crm.deals.basicApi.getPage(10));
    expect(error.code).toBe(403);
    expect(error.body.category).toBe('MISSING_SCOPES');
  });

  it('given a deal created and then won through the controls, then the contact is modified once and the deal on each change', async () => {
    const contact = (await f.client.crm.contacts.basicApi.getPage(1, undefined, ['num_associated_deals']))
      .results[0];
    if (!contact) throw new Error('no contact');
    const before = Number(contact.properties.num_associated_deals);
    f.clock.advance(60_000);
    const created = await f.control<{ id: string; properties: Record<string, string> }>('POST', '/deals', {
      contactId: contact.id,
      properties: { dealstage: 'contractsent' },
    });
    expect(created.properties.hs_is_closed_won).toBe('false');
    const after = await f.client.crm.contacts.basicApi.getById(contact.id, ['num_associated_deals']);
    expect(Number(after.properties.num_associated_deals)).toBe(before + 1);
    expect(after.updatedAt.getTime()).toBeGreaterThan(contact.updatedAt.getTime());

    f.clock.advance(60_000);
    const closeAt = Date.parse('2026-11-19T00:00:00.000Z');
    await f.control('PATCH', `/deals/${created.id}`, {
      properties: { dealstage: 'closedwon', closedate: String(closeAt) },
    });
    const won = await f.client.crm.deals.basicApi.getById(created.id, DEAL_PROPS);
    expect(won.properties.hs_is_closed_won).toBe('true');
    expect(Date.parse(won.properties.closedate as string)).toBe(closeAt);
    expect(Date.parse(won.properties.hs_lastmodifieddate as string)).toBe(f.clock.now());
  });
});
