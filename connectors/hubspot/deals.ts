import type { PulledPage, PullStream } from '../../src/crm/ports.js';
import { type LeadRecord, WON_DEAL_AT_PROPERTY } from '../../src/crm/vocabulary.js';
import { chunk } from '../../src/util/chunk.js';
import type { HubSpotClient } from './client.js';
import { PAGE_SIZES } from './limits.js';
import { parseHubSpotTime } from './mapping.js';
import {
  associationsBatchSchema,
  batchResultSchema,
  type CrmObject,
  listWithAssociationsSchema,
  parseResponse,
  type SearchPage,
  searchPageSchema,
} from './schemas.js';
import { type SearchPosition, type SearchRequest, SearchWalker } from './search.js';

/**
 * Won deals as conversion labels: WON_DEAL_AT_PROPERTY, the earliest `closedate` (epoch ms) of a closed-won deal
 * associated with a contact, or null for none. The property is sticky in the core's pull path
 * (src/sync/echo.ts): a contact record read without it keeps its stored label, so only this stream pays for deals.
 * A full sync lists every deal once (deals / 100 calls) before the contacts stream, which then carries each
 * contact's label (null clears a stale one). An incremental run searches the deals changed since the cursor (one
 * call when none changed), then their contacts, those contacts' other deals, and emits the contacts with their
 * label (BEHAVIOR 39).
 * https://developers.hubspot.com/docs/api-reference/crm-deals-v3/guide
 */

/** Deal properties read: `hs_is_closed_won` is true in any pipeline's won stage (`closedwon` in the default one). */
export const DEAL_PROPERTIES = ['dealstage', 'closedate', 'hs_is_closed_won', 'hs_lastmodifieddate'] as const;
const DEAL_MODIFIED_PROPERTY = 'hs_lastmodifieddate';

const EP = {
  list: 'GET /crm/v3/objects/deals',
  search: 'POST /crm/v3/objects/deals/search',
  batchRead: 'POST /crm/v3/objects/deals/batch/read',
  dealContacts: 'POST /crm/v4/associations/deals/contacts/batch/read',
  contactDeals: 'POST /crm/v4/associations/contacts/deals/batch/read',
} as const;

interface DealFacts {
  won: boolean;
  closedAt?: number;
}

export function dealFacts(deal: CrmObject): DealFacts {
  const flag = deal.properties.hs_is_closed_won?.trim().toLowerCase();
  const won = flag !== undefined && flag !== '' ? flag === 'true' : deal.properties.dealstage === 'closedwon';
  const closedAt = parseHubSpotTime(deal.properties.closedate);
  return closedAt !== undefined && !Number.isNaN(closedAt) ? { won, closedAt } : { won };
}

/** The earliest close date of the won deals; a won deal without a close date gives no label moment. */
export function earliestWon(deals: readonly DealFacts[]): number | undefined {
  let earliest: number | undefined;
  for (const deal of deals)
    if (deal.won && deal.closedAt !== undefined && (earliest === undefined || deal.closedAt < earliest))
      earliest = deal.closedAt;
  return earliest;
}

type ListCursor = { mode: 'list'; after?: string; startedAt: number };

export interface WonDealsOptions {
  client: HubSpotClient;
  now: () => number;
  overlapMs: number;
  /** The connector's readRecords: full contact records (without the label, which this module sets). */
  readContacts: (ids: string[]) => Promise<LeadRecord[]>;
}

export interface WonDeals {
  /**
   * After this process's full list walk: the contact's label (null: no won deal). Before it: undefined, and the
   * record leaves the property out so the stored label stays.
   */
  labelFor(contactId: string): number | null | undefined;
  /**
   * Before a contacts list walk: makes sure this process has walked every deal. A walk resumed after a crash
   * finds the deals stream already done by the dead process, whose labels died with it.
   */
  ensureLabels(): Promise<void>;
  stream(mode: 'incremental' | 'full'): PullStream;
}

export function createWonDeals(options: WonDealsOptions): WonDeals {
  const { client, now } = options;
  /** contact id -> its won-deal label, from a complete list walk in this process. */
  let labels: Map<string, number> | undefined;

  async function associations(
    from: 'deals' | 'contacts',
    to: 'deals' | 'contacts',
    ids: readonly string[],
  ): Promise<Map<string, string[]>> {
    const endpoint = from === 'deals' ? EP.dealContacts : EP.contactDeals;
    const out = new Map<string, string[]>();
    for (const part of chunk([...new Set(ids)], PAGE_SIZES.associationsBatch)) {
      // https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide (at most 1,000 inputs)
      const raw = await client.call(endpoint, 'standard', (sdk) =>
        sdk.crm.associations.v4.batchApi.getPage(from, to, { inputs: part.map((id) => ({ id })) }),
      );
      for (const row of parseResponse(associationsBatchSchema, raw, endpoint).results)
        out.set(row._from.id, [
          ...new Set([...(out.get(row._from.id) ?? []), ...row.to.map((t) => String(t.toObjectId))]),
        ]);
    }
    return out;
  }

  async function readDeals(ids: readonly string[], into: Map<string, DealFacts>): Promise<void> {
    for (const part of chunk([...new Set(ids)], PAGE_SIZES.batch)) {
      const raw = await client.call(EP.batchRead, 'standard', (sdk) =>
        sdk.crm.deals.batchApi.read(
          { inputs: part.map((id) => ({ id })), properties: [...DEAL_PROPERTIES], propertiesWithHistory: [] },
          false,
        ),
      );
      // Unknown (deleted) ids come back in a 207's errors: they simply stay out.
      for (const deal of parseResponse(batchResultSchema, raw, EP.batchRead).results)
        into.set(deal.id, dealFacts(deal));
    }
  }

  /** A list walk in progress in this process: each contact's earliest won close date so far. */
  let walk: Map<string, number> | undefined;

  /** One page of GET /crm/v3/objects/deals?associations=contacts (100 a page): won deals' contacts into `walk`. */
  async function listPage(state: ListCursor): Promise<PulledPage> {
    // A walk resumed from a cursor saved by another process has missed the earlier pages: start it over.
    const after = walk === undefined ? undefined : state.after;
    const into = after === undefined ? new Map<string, number>() : (walk ?? new Map<string, number>());
    walk = into;
    const raw = await client.call(EP.list, 'standard', (sdk) =>
      sdk.crm.deals.basicApi.getPage(
        PAGE_SIZES.list,
        after,
        [...DEAL_PROPERTIES],
        undefined,
        ['contacts'],
        false,
      ),
    );
    const page = parseResponse(listWithAssociationsSchema, raw, EP.list);
    for (const deal of page.results) {
      const facts = dealFacts(deal);
      if (!facts.won || facts.closedAt === undefined) continue;
      for (const association of deal.associations?.contacts?.results ?? []) {
        const known = into.get(association.id);
        if (known === undefined || facts.closedAt < known) into.set(association.id, facts.closedAt);
      }
    }
    const next = page.paging?.next?.after;
    if (!next) {
      labels = into;
      walk = undefined;
    }
    const cursor = next
      ? { ...state, after: next }
      : ({ lastModified: state.startedAt, lastId: '' } satisfies SearchPosition);
    return { records: [], events: [], archived: [], merges: [], cursor: JSON.stringify(cursor), done: !next };
  }

  const search = (request: SearchRequest): Promise<SearchPage> =>
    client
      .call(EP.search, 'search', (sdk) =>
        sdk.crm.deals.searchApi.doSearch({
          ...request,
          sorts: request.sorts as unknown as string[],
          filterGroups: request.filterGroups as never,
        }),
      )
      .then((raw) => parseResponse(searchPageSchema, raw, EP.search));

  /** The contacts of these changed deals, read with their label from all their deals. */
  async function contactsOfDeals(changed: readonly CrmObject[]): Promise<LeadRecord[]> {
    if (changed.length === 0) return [];
    const facts = new Map(changed.map((deal) => [deal.id, dealFacts(deal)]));
    const contactsOf = await associations(
      'deals',
      'contacts',
      changed.map((deal) => deal.id),
    );
    const affected = [...new Set([...contactsOf.values()].flat())];
    if (affected.length === 0) return [];
    const dealsOf = await associations('contacts', 'deals', affected);
    await readDeals(
      [...dealsOf.values()].flat().filter((id) => !facts.has(id)),
      facts,
    );
    const records = await options.readContacts(affected);
    for (const record of records) {
      const at = earliestWon((dealsOf.get(record.externalId) ?? []).flatMap((id) => facts.get(id) ?? []));
      record.properties[WON_DEAL_AT_PROPERTY] = at ?? null;
    }
    return records;
  }

  function stream(mode: 'incremental' | 'full'): PullStream {
    let walker: SearchWalker | undefined;
    return {
      name: 'deals',
      /**
       * Incremental: POST /crm/v3/objects/deals/search on hs_lastmodifieddate (any stage, so a deal that leaves
       * closed-won clears its label too), then the contacts of those deals (v4 batch read), each contact's other
       * deals, and the contacts themselves (batch read) with the label.
       */
      async pull(cursor) {
        const saved = parseCursor(cursor);
        if (mode === 'full' || saved === undefined || 'mode' in saved) {
          const list = saved !== undefined && 'mode' in saved ? saved : undefined;
          return listPage(list ?? { mode: 'list', startedAt: now() });
        }
        let position: SearchPosition = saved;
        if (!walker) {
          walker = new SearchWalker({
            modifiedProperty: DEAL_MODIFIED_PROPERTY,
            properties: DEAL_PROPERTIES,
            until: now(),
            search,
          });
          position = { lastModified: Math.max(0, saved.lastModified - options.overlapMs), lastId: '' };
        }
        const result = await walker.next(position);
        return {
          records: await contactsOfDeals(result.objects),
          events: [],
          archived: [],
          merges: [],
          cursor: JSON.stringify(result.position),
          done: result.done,
        };
      },
    };
  }

  async function ensureLabels(): Promise<void> {
    if (labels !== undefined) return;
    walk = undefined;
    let state: ListCursor = { mode: 'list', startedAt: now() };
    for (;;) {
      const page = await listPage(state);
      if (page.done) return;
      state = JSON.parse(page.cursor) as ListCursor;
    }
  }

  return {
    labelFor: (contactId) => (labels === undefined ? undefined : (labels.get(contactId) ?? null)),
    ensureLabels,
    stream,
  };
}

function parseCursor(cursor: string | undefined): ListCursor | SearchPosition | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value = JSON.parse(cursor) as Record<string, unknown>;
    if (value.mode === 'list' && typeof value.startedAt === 'number') return value as ListCursor;
    if (typeof value.lastModified === 'number' && typeof value.lastId === 'string')
      return value as unknown as SearchPosition;
  } catch {
    // A cursor that does not parse falls back to a full walk.
  }
  return undefined;
}
