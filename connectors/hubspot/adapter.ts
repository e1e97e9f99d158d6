import type { Logger } from 'pino';
import {
  type CrmReader,
  type CrmWriter,
  emptyPage,
  type PulledPage,
  type PullStream,
  RateLimitedError,
  type RecordWrite,
  type WriteField,
  type WriteOutcome,
  type WriteOutcomeBody,
} from '../../src/crm/ports.js';
import {
  type AttributeValue,
  type EngagementEvent,
  type LeadRecord,
  WON_DEAL_AT_PROPERTY,
} from '../../src/crm/vocabulary.js';
import { LeadscoreError } from '../../src/errors.js';
import { type PlannedChange, planChanges } from '../../src/sync/writeback.js';
import { chunk } from '../../src/util/chunk.js';
import { HubSpotApiError, type HubSpotClient } from './client.js';
import { createWonDeals } from './deals.js';
import {
  DEFAULT_SEARCH_OVERLAP_MS,
  type HubSpotTier,
  PAGE_SIZES,
  SEARCH_IN_VALUES_BUDGET_CHARS,
  SEARCH_MAX_IN_VALUES,
} from './limits.js';
import {
  CALL_PROPERTIES,
  CONTACT_MODIFIED_PROPERTY,
  callToEvent,
  contactProperties,
  contactToRecord,
  DEFAULT_FORM_KINDS,
  ENGAGEMENT_MODIFIED_PROPERTY,
  emailEventToEvent,
  emailFromSubmission,
  type FormKindPatterns,
  formSubmissionToEvents,
  HUBSPOT_SOURCE,
  MEETING_PROPERTIES,
  meetingToEvents,
  mergedIds,
  optOutToEvent,
  PAGE_VIEW_EVENT_TYPE,
  toHubSpotProperties,
  WRITE_FIELD_TYPES,
  webEventToEvent,
} from './mapping.js';
import {
  associationsBatchSchema,
  batchResultSchema,
  type CrmObject,
  emailEventsPageSchema,
  formSubmissionsPageSchema,
  formsPageSchema,
  listPageSchema,
  listWithAssociationsSchema,
  ownersPageSchema,
  parseResponse,
  propertyGroupSchema,
  propertyListSchema,
  propertySchema,
  type SearchPage,
  type StandardError,
  searchPageSchema,
  tokenInfoSchema,
  webEventsPageSchema,
} from './schemas.js';
import { type SearchPosition, type SearchRequest, SearchWalker } from './search.js';

/**
 * The HubSpot adapter: CrmReader streams and readRecords, CrmWriter ensureFields and write, scope checks and the
 * dry-run plan. Endpoints per stream, and why, are in the comments above each stream.
 */

export type EngagementStreamName =
  | 'email-events'
  | 'form-submissions'
  | 'page-views'
  | 'meetings'
  | 'calls'
  | 'deals';

export interface HubSpotConnectorOptions {
  client: HubSpotClient;
  tier: HubSpotTier;
  /** The properties leadscore writes (writeFieldsFor(...)); pulled too, so human overwrites are seen. */
  writeFields: WriteField[];
  /** Property group the write fields are created in. */
  propertyGroup?: string;
  logger?: Logger;
  /** UNVERIFIED search-index lag: incremental searches and event windows start this far before the cursor. */
  searchOverlapMs?: number;
  /** More contact properties to pull (for fit rules on custom properties). */
  extraContactProperties?: string[];
  formKinds?: FormKindPatterns;
  /** Streams to leave out (e.g. a token without the `content` or `forms` scope). */
  disabledStreams?: EngagementStreamName[];
  /** Scopes checkScopes() requires; default REQUIRED_SCOPES (+ Enterprise web analytics). */
  requiredScopes?: string[];
  now?: () => number;
}

export interface HubSpotConnector {
  reader: CrmReader;
  writer: CrmWriter;
  checkScopes(): Promise<{ granted: string[]; missing: string[] }>;
  /** `leadscore sync --dry-run`: what the writes would change, read from HubSpot (or `current`), never written. */
  planWrites(
    batch: RecordWrite[],
    current?: ReadonlyMap<string, Record<string, AttributeValue>>,
  ): Promise<PlannedChange[]>;
  /** The portal's owners (for showing who owns a lead); scope crm.objects.owners.read. */
  owners(): Promise<Array<{ id: string; email: string | null; name: string | null }>>;
  /** Counts of events a stream could not attach to a contact (unknown recipient or submitter email). */
  readonly unresolved: Record<string, number>;
}

// https://developers.hubspot.com/docs/apps/legacy-apps/authentication/scopes
export const REQUIRED_SCOPES: readonly string[] = [
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.deals.read', // won deals as conversion labels (deals.ts)
  'content', // GET /email/public/v1/events
  'forms', // GET /form-integrations/v1/submissions/forms/{guid}, /marketing/v3/forms
];

const CONTACTS = 'contacts';
const EP = {
  list: 'GET /crm/v3/objects/contacts',
  search: 'POST /crm/v3/objects/contacts/search',
  batchRead: 'POST /crm/v3/objects/contacts/batch/read',
  batchUpdate: 'POST /crm/v3/objects/contacts/batch/update',
  properties: 'GET /crm/v3/properties/contacts',
  createProperty: 'POST /crm/v3/properties/contacts',
  group: 'GET /crm/v3/properties/contacts/groups/{group}',
  createGroup: 'POST /crm/v3/properties/contacts/groups',
  emailEvents: 'GET /email/public/v1/events',
  forms: 'GET /marketing/v3/forms',
  submissions: 'GET /form-integrations/v1/submissions/forms/{guid}',
  webEvents: 'GET /events/v3/events',
  tokenInfo: 'GET /oauth/v1/access-tokens/{token}',
  privateAppTokenInfo: 'POST /oauth/v2/private-apps/get/access-token-info',
  owners: 'GET /crm/v3/owners',
} as const;

function parseCursor<T extends object>(
  cursor: string | undefined,
  isValid: (value: Record<string, unknown>) => boolean,
): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(cursor);
    if (typeof value === 'object' && value !== null && isValid(value as Record<string, unknown>))
      return value as T;
  } catch {
    // A cursor that does not parse falls back to a full walk.
  }
  return undefined;
}

/**
 * The SDK types `sorts` as string[] and operators as an enum, but sends what it is given: the documented JSON
 * form `[{propertyName, direction}]` (https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm).
 */
function sdkSearchRequest(request: SearchRequest) {
  return {
    ...request,
    sorts: request.sorts as unknown as string[],
    filterGroups: request.filterGroups as never,
  };
}

export function createHubSpotConnector(options: HubSpotConnectorOptions): HubSpotConnector {
  const { client, logger } = options;
  const now = options.now ?? Date.now;
  const overlapMs = options.searchOverlapMs ?? DEFAULT_SEARCH_OVERLAP_MS;
  const writeNames = options.writeFields.map((field) => field.name);
  const properties = contactProperties(writeNames, options.extraContactProperties ?? []);
  const formKinds = options.formKinds ?? DEFAULT_FORM_KINDS;
  const disabled = new Set(options.disabledStreams ?? []);
  const group = options.propertyGroup ?? 'leadscore';
  const unresolved: Record<string, number> = {};

  // Email -> contact id, fed by every contact the connector maps and by searches for the rest.
  const emailToId = new Map<string, string>();
  const noContact = new Set<string>();
  const EMAIL_CACHE_MAX = 200_000;
  const learn = (record: LeadRecord) => {
    if (!record.email) return;
    if (emailToId.size >= EMAIL_CACHE_MAX) emailToId.delete(emailToId.keys().next().value as string);
    emailToId.set(record.email, record.externalId);
  };

  const searchContacts = (request: SearchRequest): Promise<SearchPage> =>
    client
      .call(EP.search, 'search', (sdk) => sdk.crm.contacts.searchApi.doSearch(sdkSearchRequest(request)))
      .then((raw) => parseResponse(searchPageSchema, raw, EP.search));

  const searchObjects = (objectType: 'meetings' | 'calls') => {
    const endpoint = `POST /crm/v3/objects/${objectType}/search`;
    return (request: SearchRequest): Promise<SearchPage> =>
      client
        .call(endpoint, 'search', (sdk) =>
          sdk.crm.objects[objectType].searchApi.doSearch(sdkSearchRequest(request)),
        )
        .then((raw) => parseResponse(searchPageSchema, raw, endpoint));
  };

  /**
   * Recipient and submitter emails -> contact ids. The pipeline resolves events by externalId only, so the
   * connector asks HubSpot: a contacts search `email IN [...]` per batch of unknown emails (values lower-case, as
   * IN on strings requires; batches kept under the 3,000-character body limit).
   */
  async function resolveEmails(emails: Iterable<string>): Promise<Map<string, string>> {
    const wanted = [...new Set([...emails].map((email) => email.trim().toLowerCase()))].filter(
      (email) => email !== '' && !emailToId.has(email) && !noContact.has(email),
    );
    const batches: string[][] = [];
    let current: string[] = [];
    let chars = 0;
    for (const email of wanted) {
      if (
        current.length >= SEARCH_MAX_IN_VALUES ||
        chars + email.length + 3 > SEARCH_IN_VALUES_BUDGET_CHARS
      ) {
        batches.push(current);
        current = [];
        chars = 0;
      }
      current.push(email);
      chars += email.length + 3;
    }
    if (current.length > 0) batches.push(current);
    for (const batch of batches) {
      const page = await searchContacts({
        filterGroups: [{ filters: [{ propertyName: 'email', operator: 'IN', values: batch }] }],
        sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
        properties: ['email'],
        limit: PAGE_SIZES.search,
      });
      for (const contact of page.results) {
        const email = contact.properties.email?.trim().toLowerCase();
        if (email) emailToId.set(email, contact.id);
      }
      for (const email of batch) if (!emailToId.has(email)) noContact.add(email);
    }
    const out = new Map<string, string>();
    for (const email of emails) {
      const id = emailToId.get(email.trim().toLowerCase());
      if (id) out.set(email.trim().toLowerCase(), id);
    }
    return out;
  }

  // Won-deal labels (deals.ts): the 'deals' stream runs first; after its full list walk the contacts carry them,
  // otherwise contact records leave the sticky property out and the store keeps the label (src/sync/echo.ts).
  const wonDeals = disabled.has('deals')
    ? undefined
    : createWonDeals({ client, now, overlapMs, readContacts: (ids) => readRecords(ids) });

  async function contactsPage(objects: CrmObject[], cursor: string, done: boolean): Promise<PulledPage> {
    const records = objects.map(contactToRecord);
    for (const record of records) {
      const label = wonDeals?.labelFor(record.externalId);
      if (label !== undefined) record.properties[WON_DEAL_AT_PROPERTY] = label;
    }
    for (const record of records) learn(record);
    const merges = objects
      .map((object) => ({ survivor: object.id, merged: mergedIds(object) }))
      .filter((merge) => merge.merged.length > 0);
    // Unsubscribes from the opt-out property ride on the contact pages: no extra calls.
    const events = objects
      .map(optOutToEvent)
      .filter((event): event is EngagementEvent => event !== undefined);
    return { records, events, archived: [], merges, cursor, done };
  }

  // --- contacts -------------------------------------------------------------------------------------------

  type ListCursor = { mode: 'list'; after?: string; startedAt: number };
  type SearchCursor = SearchPosition & { mode?: 'search' };

  /**
   * Full: GET /crm/v3/objects/contacts?limit=100&after= with the properties (the list has no 10k cap).
   * Incremental: search on lastmodifieddate >= cursor - overlap, ascending, 200 a page (see search.ts).
   * The full walk ends on a search cursor at the time it started, so the next incremental run picks up
   * whatever changed during it.
   */
  function contactsStream(mode: 'incremental' | 'full'): PullStream {
    let walker: SearchWalker | undefined;
    return {
      name: 'contacts',
      async pull(cursor) {
        const listCursor = parseCursor<ListCursor>(
          cursor,
          (v) => v.mode === 'list' && typeof v.startedAt === 'number',
        );
        const searchCursor = parseCursor<SearchCursor>(
          cursor,
          (v) => v.mode !== 'list' && typeof v.lastModified === 'number' && typeof v.lastId === 'string',
        );
        if (mode === 'full' || listCursor || !searchCursor) {
          const state: ListCursor = listCursor ?? { mode: 'list', startedAt: now() };
          // A list walk carries every contact's label; after a crash this process must learn the deals again.
          await wonDeals?.ensureLabels();
          const raw = await client.call(EP.list, 'standard', (sdk) =>
            sdk.crm.contacts.basicApi.getPage(
              PAGE_SIZES.list,
              state.after,
              properties,
              undefined,
              undefined,
              false,
            ),
          );
          const page = parseResponse(listPageSchema, raw, EP.list);
          const after = page.paging?.next?.after;
          if (after) return contactsPage(page.results, JSON.stringify({ ...state, after }), false);
          const end: SearchCursor = { mode: 'search', lastModified: state.startedAt, lastId: '' };
          return contactsPage(page.results, JSON.stringify(end), true);
        }
        let position: SearchPosition = searchCursor;
        if (!walker) {
          walker = new SearchWalker({
            modifiedProperty: CONTACT_MODIFIED_PROPERTY,
            properties,
            until: now(),
            search: searchContacts,
          });
          // First page of this run: step back over the search-index lag.
          position = { lastModified: Math.max(0, searchCursor.lastModified - overlapMs), lastId: '' };
        }
        const result = await walker.next(position);
        return contactsPage(
          result.objects,
          JSON.stringify({ mode: 'search', ...result.position }),
          result.done,
        );
      },
    };
  }

  /** Full/reconcile only: GET /crm/v3/objects/contacts?archived=true lists only archived (deleted) contacts. */
  function archivedStream(): PullStream {
    return {
      name: 'contacts-archived',
      async pull(cursor) {
        const state = parseCursor<{ after?: string }>(cursor, () => true) ?? {};
        const raw = await client.call(EP.list, 'standard', (sdk) =>
          sdk.crm.contacts.basicApi.getPage(
            PAGE_SIZES.list,
            state.after,
            ['email'],
            undefined,
            undefined,
            true,
          ),
        );
        const page = parseResponse(listPageSchema, raw, `${EP.list}?archived=true`);
        const after = page.paging?.next?.after;
        return {
          ...emptyPage(JSON.stringify(after ? { after } : { complete: now() }), !after),
          archived: page.results.map((object) => object.id),
        };
      },
    };
  }

  // --- marketing email events -------------------------------------------------------------------------------

  type WindowCursor = { since: number; until?: number; offset?: string };

  /**
   * GET /email/public/v1/events?startTimestamp&endTimestamp&limit&offset (legacy; scope `content`; no typed SDK
   * method, so apiRequest). The only source of per-recipient opens, clicks, bounces and delivery; the Events API
   * "doesn't include marketing email events". The window end is pinned for the whole walk so offsets stay valid.
   * https://developers.hubspot.com/docs/api-reference/legacy/email-analytics-v1/guide
   */
  function emailEventsStream(): PullStream {
    return {
      name: 'email-events',
      async pull(cursor) {
        const saved = parseCursor<WindowCursor>(cursor, (v) => typeof v.since === 'number');
        // A new window starts the overlap before the last one ended; its end is pinned until it is walked.
        const state: WindowCursor =
          saved?.until !== undefined
            ? saved
            : { since: Math.max(0, (saved?.since ?? 0) - (saved ? overlapMs : 0)), until: now() };
        const until = state.until ?? now();
        const raw = await client.requestJson(EP.emailEvents, 'standard', {
          method: 'GET',
          path: '/email/public/v1/events',
          qs: {
            startTimestamp: state.since,
            endTimestamp: until,
            limit: PAGE_SIZES.emailEvents,
            offset: state.offset,
          },
        });
        const page = parseResponse(emailEventsPageSchema, raw, EP.emailEvents);
        const ids = await resolveEmails(page.events.flatMap((e) => (e.recipient ? [e.recipient] : [])));
        const events: EngagementEvent[] = [];
        for (const emailEvent of page.events) {
          const contactId = emailEvent.recipient
            ? ids.get(emailEvent.recipient.trim().toLowerCase())
            : undefined;
          if (!contactId) {
            unresolved['email-events'] = (unresolved['email-events'] ?? 0) + 1;
            continue;
          }
          const mapped = emailEventToEvent(emailEvent, contactId);
          if (mapped) events.push(mapped);
        }
        const more = page.hasMore && Boolean(page.offset);
        const next: WindowCursor = more
          ? { since: state.since, until, ...(page.offset ? { offset: page.offset } : {}) }
          : { since: until };
        return { ...emptyPage(JSON.stringify(next), !more), events };
      },
    };
  }

  // --- form submissions ------------------------------------------------------------------------------------

  type FormsCursor = {
    since: number;
    until: number;
    forms: Array<{ id: string; name: string | null }>;
    index: number;
    after?: string;
  };

  /**
   * GET /marketing/v3/forms (all forms, once per walk), then per form
   * GET /form-integrations/v1/submissions/forms/{guid}?limit=50&after= newest first, until a submission older
   * than the cursor (less the overlap). Submissions carry no contact id: the `email` field is resolved to one.
   * https://developers.hubspot.com/docs/api-reference/legacy/marketing/forms/v1/get-form-integrations-v1-submissions-forms-form_guid
   */
  function formsStream(): PullStream {
    return {
      name: 'form-submissions',
      async pull(cursor) {
        let state = parseCursor<FormsCursor>(
          cursor,
          (v) => typeof v.since === 'number' && Array.isArray(v.forms),
        );
        if (!state) {
          const previous = parseCursor<{ since: number }>(cursor, (v) => typeof v.since === 'number');
          const forms: FormsCursor['forms'] = [];
          let after: string | undefined;
          do {
            const raw = await client.requestJson(EP.forms, 'standard', {
              method: 'GET',
              path: '/marketing/v3/forms',
              qs: { limit: PAGE_SIZES.forms, after },
            });
            const page = parseResponse(formsPageSchema, raw, EP.forms);
            forms.push(...page.results.map((form) => ({ id: form.id, name: form.name ?? null })));
            after = page.paging?.next?.after;
          } while (after);
          state = {
            since: previous ? Math.max(0, previous.since - overlapMs) : 0,
            until: now(),
            forms,
            index: 0,
          };
        }
        const form = state.forms[state.index];
        if (!form) return emptyPage(JSON.stringify({ since: state.until }), true);
        const raw = await client.requestJson(EP.submissions, 'standard', {
          method: 'GET',
          path: `/form-integrations/v1/submissions/forms/${encodeURIComponent(form.id)}`,
          qs: { limit: PAGE_SIZES.formSubmissions, after: state.after },
        });
        const page = parseResponse(formSubmissionsPageSchema, raw, EP.submissions);
        const fresh = page.results.filter((submission) => submission.submittedAt >= state.since);
        const ids = await resolveEmails(fresh.flatMap((s) => emailFromSubmission(s) ?? []));
        const events: EngagementEvent[] = [];
        for (const submission of fresh) {
          const email = emailFromSubmission(submission);
          const contactId = email ? ids.get(email) : undefined;
          if (!contactId) {
            unresolved['form-submissions'] = (unresolved['form-submissions'] ?? 0) + 1;
            continue;
          }
          events.push(...formSubmissionToEvents(submission, form, contactId, formKinds));
        }
        const reachedOld = fresh.length < page.results.length;
        const after = page.paging?.next?.after;
        const next: FormsCursor =
          after && !reachedOld
            ? { ...state, after }
            : { since: state.since, until: state.until, forms: state.forms, index: state.index + 1 };
        const finished = next.index >= state.forms.length;
        return {
          ...emptyPage(finished ? JSON.stringify({ since: state.until }) : JSON.stringify(next), finished),
          events,
        };
      },
    };
  }

  // --- page views (Enterprise) ------------------------------------------------------------------------------

  /**
   * GET /events/v3/events?objectType=contact&eventType=e_visited_page&occurredAfter&occurredBefore (Enterprise
   * only). Other tiers get no per-visit events: the contact rollups hs_analytics_num_page_views,
   * hs_analytics_num_visits and hs_analytics_last_visit_timestamp are pulled as properties, and email clicks
   * carry their url. https://developers.hubspot.com/docs/guides/api/analytics-and-events/event-analytics
   */
  function pageViewsStream(): PullStream {
    return {
      name: 'page-views',
      async pull(cursor) {
        const saved = parseCursor<WindowCursor>(cursor, (v) => typeof v.since === 'number');
        const state: WindowCursor =
          saved?.until !== undefined
            ? saved
            : { since: Math.max(0, (saved?.since ?? 0) - (saved ? overlapMs : 0)), until: now() };
        const raw = await client.call(EP.webEvents, 'standard', (sdk) =>
          sdk.events.eventsApi.getPage(
            'contact',
            PAGE_VIEW_EVENT_TYPE,
            state.offset,
            undefined,
            PAGE_SIZES.webEvents,
            undefined,
            new Date(state.since),
            new Date(state.until ?? now()),
          ),
        );
        const page = parseResponse(webEventsPageSchema, raw, EP.webEvents);
        const events = page.results.map(webEventToEvent).filter((e): e is EngagementEvent => e !== undefined);
        const after = page.paging?.next?.after;
        const next: WindowCursor = after ? { ...state, offset: after } : { since: state.until ?? now() };
        return { ...emptyPage(JSON.stringify(next), !after), events };
      },
    };
  }

  // --- meetings and calls -----------------------------------------------------------------------------------

  /**
   * Full: GET /crm/v3/objects/{meetings|calls}?associations=contacts, 100 a page: the list carries each one's
   * contacts, has no 10k cap, and ends on a search cursor at the time it started.
   * Incremental: POST /crm/v3/objects/{meetings|calls}/search on hs_lastmodifieddate (the keyset walk of
   * search.ts), then POST /crm/v4/associations/{type}/contacts/batch/read for their contacts, as search results
   * carry no associations. https://developers.hubspot.com/docs/api/crm/meetings
   */
  function engagementStream(objectType: 'meetings' | 'calls', mode: 'incremental' | 'full'): PullStream {
    let walker: SearchWalker | undefined;
    const listEndpoint = `GET /crm/v3/objects/${objectType}`;
    const associationsEndpoint = `POST /crm/v4/associations/${objectType}/contacts/batch/read`;
    const engagementProperties = objectType === 'meetings' ? MEETING_PROPERTIES : CALL_PROPERTIES;

    const toEvents = (objects: CrmObject[], contactsOf: (id: string) => string[]): EngagementEvent[] => {
      const at = now();
      const events: EngagementEvent[] = [];
      for (const object of objects) {
        for (const contactId of contactsOf(object.id)) {
          if (objectType === 'meetings') events.push(...meetingToEvents(object, contactId, at));
          else {
            const call = callToEvent(object, contactId);
            if (call) events.push(call);
          }
        }
      }
      return events;
    };

    async function listPage(state: ListCursor): Promise<PulledPage> {
      const raw = await client.call(listEndpoint, 'standard', (sdk) =>
        sdk.crm.objects[objectType].basicApi.getPage(
          PAGE_SIZES.list,
          state.after,
          [...engagementProperties],
          undefined,
          [CONTACTS],
          false,
        ),
      );
      const page = parseResponse(listWithAssociationsSchema, raw, listEndpoint);
      const byId = new Map(
        page.results.map((object) => [
          object.id,
          (object.associations?.contacts?.results ?? []).map((association) => association.id),
        ]),
      );
      const events = toEvents(page.results, (id) => [...new Set(byId.get(id) ?? [])]);
      const after = page.paging?.next?.after;
      const cursor = after
        ? { ...state, after }
        : ({ lastModified: state.startedAt, lastId: '' } satisfies SearchPosition);
      return { ...emptyPage(JSON.stringify(cursor), !after), events };
    }

    return {
      name: objectType,
      async pull(cursor) {
        const listCursor = parseCursor<ListCursor>(
          cursor,
          (v) => v.mode === 'list' && typeof v.startedAt === 'number',
        );
        const saved = parseCursor<SearchPosition>(
          cursor,
          (v) => v.mode !== 'list' && typeof v.lastModified === 'number' && typeof v.lastId === 'string',
        );
        if (mode === 'full' || listCursor || !saved) {
          return listPage(listCursor ?? { mode: 'list', startedAt: now() });
        }
        let position: SearchPosition = saved;
        if (!walker) {
          walker = new SearchWalker({
            modifiedProperty: ENGAGEMENT_MODIFIED_PROPERTY,
            properties: engagementProperties,
            until: now(),
            search: searchObjects(objectType),
          });
          position = { lastModified: Math.max(0, saved.lastModified - overlapMs), lastId: '' };
        }
        const result = await walker.next(position);
        const contactsOf = new Map<string, string[]>();
        for (const ids of chunk(
          result.objects.map((o) => o.id),
          PAGE_SIZES.associationsBatch,
        )) {
          const raw = await client.call(associationsEndpoint, 'standard', (sdk) =>
            sdk.crm.associations.v4.batchApi.getPage(objectType, CONTACTS, {
              inputs: ids.map((id) => ({ id })),
            }),
          );
          const page = parseResponse(associationsBatchSchema, raw, associationsEndpoint);
          for (const row of page.results) {
            contactsOf.set(row._from.id, [...new Set(row.to.map((to) => String(to.toObjectId)))]);
          }
        }
        const events = toEvents(result.objects, (id) => contactsOf.get(id) ?? []);
        return { ...emptyPage(JSON.stringify(result.position), result.done), events };
      },
    };
  }

  // --- reader -----------------------------------------------------------------------------------------------

  async function readRecords(externalIds: string[]): Promise<LeadRecord[]> {
    const records: LeadRecord[] = [];
    const seen = new Set<string>();
    for (const ids of chunk([...new Set(externalIds)], PAGE_SIZES.batch)) {
      // A merged-away id answers with the surviving record (a new id); unknown ids come back in a 207's errors.
      const raw = await client.call(EP.batchRead, 'standard', (sdk) =>
        sdk.crm.contacts.batchApi.read(
          { inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [] },
          false,
        ),
      );
      const result = parseResponse(batchResultSchema, raw, EP.batchRead);
      const objects: CrmObject[] = [];
      for (const object of result.results) {
        if (seen.has(object.id)) continue;
        seen.add(object.id);
        objects.push(object);
      }
      for (const record of objects.map(contactToRecord)) {
        learn(record);
        records.push(record);
      }
    }
    return records;
  }

  const reader: CrmReader = {
    source: HUBSPOT_SOURCE,
    streams(mode) {
      const streams: PullStream[] = wonDeals ? [wonDeals.stream(mode)] : [];
      streams.push(contactsStream(mode));
      if (mode === 'full') streams.push(archivedStream());
      if (!disabled.has('email-events')) streams.push(emailEventsStream());
      if (!disabled.has('form-submissions')) streams.push(formsStream());
      if (options.tier === 'enterprise' && !disabled.has('page-views')) streams.push(pageViewsStream());
      if (!disabled.has('meetings')) streams.push(engagementStream('meetings', mode));
      if (!disabled.has('calls')) streams.push(engagementStream('calls', mode));
      return streams;
    },
    readRecords,
  };

  // --- writer -----------------------------------------------------------------------------------------------

  async function ensureGroup(): Promise<void> {
    try {
      const raw = await client.call(EP.group, 'standard', (sdk) =>
        sdk.crm.properties.groupsApi.getByName(CONTACTS, group),
      );
      parseResponse(propertyGroupSchema, raw, EP.group);
    } catch (error) {
      if (!(error instanceof HubSpotApiError && error.status === 404)) throw error;
      const raw = await client.call(EP.createGroup, 'standard', (sdk) =>
        sdk.crm.properties.groupsApi.create(CONTACTS, { name: group, label: 'leadscore', displayOrder: -1 }),
      );
      parseResponse(propertyGroupSchema, raw, EP.createGroup);
    }
  }

  function conflict(field: WriteField, existing: { type: string; fieldType: string }): LeadscoreError {
    const wanted = WRITE_FIELD_TYPES[field.type];
    return new LeadscoreError(
      'ERR_CRM_FIELD_CONFLICT',
      `HubSpot contact property "${field.name}" exists with type ${existing.type}/${existing.fieldType}; leadscore writes ` +
        `${field.label} as ${wanted.type}/${wanted.fieldType} and will not change an existing property`,
      {
        hint: `Name another property for this field under writeBack.fields, or delete or retype "${field.name}" in HubSpot.`,
      },
    );
  }

  function compatible(field: WriteField, existing: { type: string }): boolean {
    const wanted = WRITE_FIELD_TYPES[field.type].type;
    // HubSpot reports date-times created as `datetime`; a `date` property would drop the time of day.
    return existing.type === wanted;
  }

  /**
   * GET /crm/v3/properties/contacts once; every conflict is reported before anything is created, so a conflict
   * leaves the portal untouched. Then the group and each missing property (POST, 201).
   */
  async function ensureFields(fields: WriteField[]): Promise<{ created: string[]; existing: string[] }> {
    const raw = await client.call(EP.properties, 'standard', (sdk) =>
      sdk.crm.properties.coreApi.getAll(CONTACTS, false),
    );
    const byName = new Map(
      parseResponse(propertyListSchema, raw, EP.properties).results.map((p) => [p.name, p]),
    );
    const conflicts = fields.flatMap((field) => {
      const existing = byName.get(field.name);
      return existing && !compatible(field, existing) ? [conflict(field, existing)] : [];
    });
    if (conflicts.length > 0) {
      if (conflicts.length === 1) throw conflicts[0];
      throw new LeadscoreError('ERR_CRM_FIELD_CONFLICT', conflicts.map((error) => error.message).join('; '));
    }
    const missing = fields.filter((field) => !byName.has(field.name));
    const created: string[] = [];
    if (missing.length > 0) await ensureGroup();
    for (const field of missing) {
      const { type, fieldType } = WRITE_FIELD_TYPES[field.type];
      try {
        const made = await client.call(EP.createProperty, 'standard', (sdk) =>
          sdk.crm.properties.coreApi.create(CONTACTS, {
            name: field.name,
            label: field.label,
            description: field.description,
            groupName: group,
            type: type as never,
            fieldType: fieldType as never,
            formField: false,
          }),
        );
        parseResponse(propertySchema, made, EP.createProperty);
        created.push(field.name);
      } catch (error) {
        // Created meanwhile by someone else (409): accept it only if its type fits.
        if (!(error instanceof HubSpotApiError && error.status === 409)) throw error;
        const again = await client.call(`GET /crm/v3/properties/contacts/${field.name}`, 'standard', (sdk) =>
          sdk.crm.properties.coreApi.getByName(CONTACTS, field.name),
        );
        const existing = parseResponse(
          propertySchema,
          again,
          `GET /crm/v3/properties/contacts/${field.name}`,
        );
        if (!compatible(field, existing)) throw conflict(field, existing);
      }
    }
    const existing = fields.filter((field) => byName.has(field.name)).map((field) => field.name);
    return { created, existing };
  }

  function idsOf(error: StandardError): string[] {
    return error.context?.ids ?? error.context?.id ?? [];
  }

  function traceIdsOf(error: StandardError): string[] {
    return error.context?.objectWriteTraceId ?? [];
  }

  /** A validation error (a bad value, a missing property) will fail again; anything else may pass later. */
  function retryableCategory(category: string): boolean {
    return !['VALIDATION_ERROR', 'OBJECT_NOT_FOUND', 'INVALID_INPUT', 'PROPERTY_DOESNT_EXIST'].includes(
      category,
    );
  }

  async function sendBatch(inputs: RecordWrite[]): Promise<WriteOutcome[]> {
    // Duplicate ids fail the whole batch (400): merge them, later values winning.
    const byId = new Map<string, { values: RecordWrite['values']; outboxIds: number[] }>();
    for (const write of inputs) {
      const entry = byId.get(write.externalId) ?? { values: {}, outboxIds: [] };
      entry.values = { ...entry.values, ...write.values };
      entry.outboxIds.push(write.outboxId);
      byId.set(write.externalId, entry);
    }
    const entries = [...byId.entries()];
    const outcomes: WriteOutcome[] = [];
    const answer = (id: string, outcome: WriteOutcomeBody) => {
      for (const outboxId of byId.get(id)?.outboxIds ?? [])
        outcomes.push({ outboxId, ...outcome } as WriteOutcome);
    };
    let raw: unknown;
    try {
      raw = await client.call(
        EP.batchUpdate,
        'standard',
        (sdk) =>
          sdk.crm.contacts.batchApi.update({
            inputs: entries.map(([id, entry]) => ({
              id,
              properties: toHubSpotProperties(entry.values),
              // Echoed in a 207's errors[].context.objectWriteTraceId: ties each error to its record.
              objectWriteTraceId: id,
            })),
          }),
        { onRateLimit: 'throw' },
      );
    } catch (error) {
      if (error instanceof HubSpotApiError && error.code === 'ERR_CRM_RATE_LIMITED') {
        throw new RateLimitedError(error.message, error.retryAt ?? now() + 10_000);
      }
      if (error instanceof HubSpotApiError && error.status === 400) {
        const message = error.message;
        if (/PROPERTY_DOESNT_EXIST|does not exist/i.test(message) || entries.length === 1) {
          for (const [id] of entries) answer(id, { outcome: 'failed', retryable: false, message });
          return outcomes;
        }
        // One bad record fails the whole batch: halve it until the bad ones stand alone.
        logger?.debug(
          { records: entries.length, error: message },
          'HubSpot rejected a write batch; splitting it',
        );
        const firstHalf = new Set(entries.slice(0, Math.ceil(entries.length / 2)).map(([id]) => id));
        const left = inputs.filter((write) => firstHalf.has(write.externalId));
        const right = inputs.filter((write) => !firstHalf.has(write.externalId));
        return [...(await sendBatch(left)), ...(await sendBatch(right))];
      }
      throw error;
    }
    const result = parseResponse(batchResultSchema, raw, EP.batchUpdate);
    const written = new Set(result.results.map((object) => object.id));
    const failedBy = new Map<string, StandardError>();
    const unattributed: StandardError[] = [];
    for (const error of result.errors ?? []) {
      const ids = [...idsOf(error), ...traceIdsOf(error)].filter((id) => byId.has(id));
      if (ids.length === 0) unattributed.push(error);
      for (const id of ids) failedBy.set(id, error);
    }
    for (const [id] of entries) {
      const error = failedBy.get(id);
      if (error) {
        answer(id, {
          outcome: 'failed',
          retryable: retryableCategory(error.category),
          message: `${error.category}: ${error.message}`,
        });
      } else if (written.has(id)) {
        answer(id, { outcome: 'written' });
      } else {
        const first = unattributed[0];
        answer(id, {
          outcome: 'failed',
          retryable: first ? retryableCategory(first.category) : true,
          message: first
            ? `${first.category}: ${first.message}`
            : 'HubSpot returned no result for this record',
        });
      }
    }
    return outcomes;
  }

  /** POST /crm/v3/objects/contacts/batch/update, at most 100 inputs a call; per-record outcomes from a 207. */
  async function write(batch: RecordWrite[]): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = [];
    for (const part of chunk(batch, PAGE_SIZES.batch)) outcomes.push(...(await sendBatch(part)));
    return outcomes;
  }

  const writer: CrmWriter = { target: HUBSPOT_SOURCE, maxBatchSize: PAGE_SIZES.batch, ensureFields, write };

  // --- scopes and dry run -----------------------------------------------------------------------------------

  async function checkScopes(): Promise<{ granted: string[]; missing: string[] }> {
    const token = await client.currentToken();
    const raw =
      client.authKind === 'oauth'
        ? await client.requestJson(EP.tokenInfo, 'standard', {
            method: 'GET',
            path: `/oauth/v1/access-tokens/${encodeURIComponent(token)}`,
          })
        : await client.requestJson(EP.privateAppTokenInfo, 'standard', {
            method: 'POST',
            path: '/oauth/v2/private-apps/get/access-token-info',
            body: { tokenKey: token },
          });
    const granted = [...new Set(parseResponse(tokenInfoSchema, raw, EP.tokenInfo).scopes)].sort();
    const required = options.requiredScopes ?? [...REQUIRED_SCOPES];
    return { granted, missing: required.filter((scope) => !granted.includes(scope)) };
  }

  async function planWrites(
    batch: RecordWrite[],
    current?: ReadonlyMap<string, Record<string, AttributeValue>>,
  ): Promise<PlannedChange[]> {
    let known = current;
    if (!known) {
      const map = new Map<string, Record<string, AttributeValue>>();
      for (const record of await readRecords(batch.map((write) => write.externalId)))
        map.set(record.externalId, record.properties);
      known = map;
    }
    return planChanges(batch, known, toHubSpotProperties);
  }

  // https://developers.hubspot.com/docs/api-reference/crm-owners-v3/guide
  async function owners(): Promise<Array<{ id: string; email: string | null; name: string | null }>> {
    const out: Array<{ id: string; email: string | null; name: string | null }> = [];
    let after: string | undefined;
    do {
      const raw = await client.call(EP.owners, 'standard', (sdk) =>
        sdk.crm.owners.ownersApi.getPage(undefined, after, PAGE_SIZES.list, false),
      );
      const page = parseResponse(ownersPageSchema, raw, EP.owners);
      for (const owner of page.results) {
        const name = [owner.firstName, owner.lastName].filter(Boolean).join(' ');
        out.push({ id: owner.id, email: owner.email ?? null, name: name === '' ? null : name });
      }
      after = page.paging?.next?.after;
    } while (after);
    return out;
  }

  return { reader, writer, checkScopes, planWrites, owners, unresolved };
}

/** Renders a dry-run plan, one line per changed property: `contact 512: leadscore_score 40 -> 55`. */
