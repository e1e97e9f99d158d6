import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotConnector } from '../adapter.js';
import { HubSpotClient } from '../client.js';
import type { CrmObject, SearchPage } from '../schemas.js';
import { type SearchPosition, type SearchRequest, SearchWalker } from '../search.js';

/**
 * Search pagination boundaries, two ways: the walker against scripted pages, and the contacts stream over HTTP
 * against a small emulation of HubSpot's search (one sort, offset `after`, 400 past 10,000 results).
 */

const obj = (id: number, lm: number): CrmObject => ({
  id: String(id),
  properties: { lastmodifieddate: String(lm), hs_object_id: String(id) },
});
const pageOf = (results: CrmObject[], next?: string): SearchPage => ({
  total: results.length,
  results,
  paging: next ? { next: { after: next } } : undefined,
});

function scripted(pages: SearchPage[], until?: number) {
  const requests: SearchRequest[] = [];
  const walker = new SearchWalker({
    modifiedProperty: 'lastmodifieddate',
    properties: [],
    pageSize: 3,
    ...(until === undefined ? {} : { until }),
    search: async (request) => {
      requests.push(request);
      const page = pages.shift();
      if (!page) throw new Error('no more scripted pages');
      return page;
    },
  });
  return { walker, requests };
}

async function walkAll(walker: SearchWalker, start: SearchPosition, max = 50) {
  const ids: string[] = [];
  let position = start;
  for (let i = 0; i < max; i++) {
    const page = await walker.next(position);
    ids.push(...page.objects.map((o) => o.id));
    position = page.position;
    if (page.done) return { ids, position };
  }
  throw new Error('walk did not finish');
}

describe('SearchWalker', () => {
  it('given a short page that still has a cursor, when walking, then it asks for the next page', async () => {
    const { walker, requests } = scripted([pageOf([obj(1, 10)], '1'), pageOf([obj(2, 20)])]);
    const { ids, position } = await walkAll(walker, { lastModified: 0, lastId: '' });
    expect(ids).toEqual(['1', '2']);
    expect(requests).toHaveLength(2);
    expect(requests[1]?.filterGroups[0]?.filters[0]).toEqual({
      propertyName: 'lastmodifieddate',
      operator: 'GTE',
      value: '10',
    });
    expect(position).toEqual({ lastModified: 20, lastId: '2' });
  });

  it('given equal lastmodifieddate across the page boundary, when walking, then each record comes once', async () => {
    // Page 1 ends with two records at 20; the restart at GTE 20 returns them again before record 5.
    const { walker } = scripted([
      pageOf([obj(1, 10), obj(3, 20), obj(2, 20)], '3'),
      pageOf([obj(2, 20), obj(3, 20), obj(5, 30)]),
    ]);
    const { ids } = await walkAll(walker, { lastModified: 0, lastId: '' });
    expect(ids).toEqual(['1', '3', '2', '5']);
  });

  it('given more records at one timestamp than a page holds, when walking, then a tie walk by id lists them all', async () => {
    const { walker, requests } = scripted([
      pageOf([obj(1, 20), obj(2, 20), obj(3, 20)], '3'),
      pageOf([obj(1, 20), obj(2, 20), obj(3, 20)], '3'), // tie walk: EQ 20, sorted by id, from the start
      pageOf([obj(4, 20), obj(5, 20), obj(6, 20)], '3'), // tie walk after id 3
      pageOf([obj(7, 20)]), // the tie is exhausted
      pageOf([obj(8, 25)]), // range strictly after 20
    ]);
    const { ids } = await walkAll(walker, { lastModified: 0, lastId: '' });
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(requests[1]?.sorts).toEqual([{ propertyName: 'hs_object_id', direction: 'ASCENDING' }]);
    expect(requests[2]?.filterGroups[0]?.filters).toEqual([
      { propertyName: 'lastmodifieddate', operator: 'EQ', value: '20' },
      { propertyName: 'hs_object_id', operator: 'GT', value: '3' },
    ]);
    expect(requests[4]?.filterGroups[0]?.filters[0]).toEqual({
      propertyName: 'lastmodifieddate',
      operator: 'GT',
      value: '20',
    });
  });

  it('given records that keep changing past the run start, when walking with until, then the walk ends there', async () => {
    // Each page's records were modified later than the last, as records that change all the time would be.
    const pages = Array.from({ length: 20 }, (_, n) =>
      pageOf([obj(3 * n + 1, 100 + 10 * n), obj(3 * n + 2, 105 + 10 * n)], 'more'),
    );
    const { walker, requests } = scripted(pages, 130);
    const { ids, position } = await walkAll(walker, { lastModified: 0, lastId: '' });
    expect(requests).toHaveLength(4);
    expect(ids).toEqual(['1', '2', '4', '5', '7', '8', '10', '11']);
    expect(position.lastModified).toBe(135);
  });

  it('given a walk that reaches the end before its start time, when done, then it ends on the start time', async () => {
    // Records last modified at 40 and 50 (our own write-back, say), the run started at 90: the next run's overlap
    // steps back from 90, not from 50, so it does not read the same records again.
    const { walker } = scripted([pageOf([obj(1, 40), obj(2, 50)])], 90);
    const { ids, position } = await walkAll(walker, { lastModified: 0, lastId: '' });
    expect(ids).toEqual(['1', '2']);
    expect(position).toEqual({ lastModified: 90, lastId: '' });
  });

  it('given an empty page with a cursor, when walking, then it stops instead of looping', async () => {
    const { walker } = scripted([pageOf([], '200')]);
    const page = await walker.next({ lastModified: 5, lastId: '' });
    expect(page.done).toBe(true);
    expect(page.position).toEqual({ lastModified: 5, lastId: '' });
  });
});

// --- over HTTP ----------------------------------------------------------------------------------------------

const BASE = 'https://hs.test';
const CAP = 10_000;

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
}

/** HubSpot-like search over `rows`: AND of filters, one sort, integer `after`, 400 at the 10k cap. */
function emulateSearch(
  rows: Array<{ id: number; lm: number }>,
  log: Array<{ after: number; status: number }>,
) {
  // nock 15 hands a reply function the fetch Request.
  return async (request: Request): Promise<[number, unknown]> => {
    const body = (await request.json()) as Record<string, unknown>;
    const after = Number(body.after ?? 0);
    if (after >= CAP) {
      log.push({ after, status: 400 });
      return [
        400,
        {
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: 'The search request exceeds the maximum number of results (10000).',
        },
      ];
    }
    const groups = body.filterGroups as Array<{ filters: Filter[] }>;
    const value = (row: { id: number; lm: number }, name: string) =>
      name === 'hs_object_id' ? row.id : row.lm;
    const pass = (row: { id: number; lm: number }, f: Filter) => {
      const v = value(row, f.propertyName);
      const x = Number(f.value);
      return f.operator === 'GTE'
        ? v >= x
        : f.operator === 'GT'
          ? v > x
          : f.operator === 'EQ'
            ? v === x
            : true;
    };
    const matched = rows.filter((row) => groups.some((g) => g.filters.every((f) => pass(row, f))));
    const sort = (body.sorts as Array<{ propertyName: string }>)[0]?.propertyName ?? 'hs_object_id';
    // Ties in the sort keep an arbitrary (here: descending id) order, as HubSpot promises none.
    matched.sort((a, b) => value(a, sort) - value(b, sort) || b.id - a.id);
    const limit = Number(body.limit);
    const slice = matched.slice(after, after + limit);
    log.push({ after, status: 200 });
    const next = after + limit < matched.length ? { next: { after: String(after + limit) } } : undefined;
    return [
      200,
      {
        total: Math.min(matched.length, CAP),
        results: slice.map((row) => ({
          id: String(row.id),
          properties: { lastmodifieddate: new Date(row.lm).toISOString(), hs_object_id: String(row.id) },
        })),
        ...(next ? { paging: next } : {}),
      },
    ];
  };
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  nock.cleanAll();
});

describe('contacts stream, incremental, over HTTP', () => {
  it('given 10,350 changed contacts with runs of equal timestamps, when synced, then every one arrives once and no request meets the 10k cap', async () => {
    const rows = Array.from({ length: 10_350 }, (_, i) => ({
      id: 1000 + i,
      lm: 1_700_000_000_000 + Math.floor(i / 7) * 1000,
    }));
    const RUN_START = rows.at(-1)!.lm + 60_000;
    const log: Array<{ after: number; status: number }> = [];
    nock(BASE).post('/crm/v3/objects/contacts/search').times(200).reply(emulateSearch(rows, log));
    const client = new HubSpotClient({
      auth: { kind: 'privateApp', accessToken: 'pat' },
      tier: 'enterprise',
      basePath: BASE,
      lanes: { search: { limit: 1000, intervalMs: 1000 } },
    });
    const connector = createHubSpotConnector({
      client,
      tier: 'starter',
      writeFields: [],
      searchOverlapMs: 0,
      disabledStreams: ['deals', 'email-events', 'form-submissions', 'meetings', 'calls'],
      now: () => RUN_START,
    });
    const [stream] = connector.reader.streams('incremental');
    let cursor: string | undefined = JSON.stringify({
      mode: 'search',
      lastModified: 1_600_000_000_000,
      lastId: '',
    });
    const seen: string[] = [];
    for (let i = 0; i < 200; i++) {
      const page = await stream!.pull(cursor);
      seen.push(...page.records.map((r) => r.externalId));
      cursor = page.cursor;
      if (page.done) break;
    }
    expect(seen).toHaveLength(rows.length);
    expect(new Set(seen).size).toBe(rows.length);
    expect(log.every((entry) => entry.status === 200 && entry.after < CAP)).toBe(true);
    // Every row was read: the cursor moves on to the run's start, past the last row.
    expect(JSON.parse(cursor ?? '{}')).toMatchObject({ lastModified: RUN_START, lastId: '' });
  });
});
