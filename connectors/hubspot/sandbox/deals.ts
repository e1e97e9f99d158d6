import type { SandboxBehaviours } from './behaviours.js';
import { objectNotFound, validationError } from './errors.js';
import { companyName } from './generator.js';
import { type Ctx, json, listParam, type Route, route } from './http.js';
import { mulberry32, subSeed } from './prng.js';
import type { PropertyDefinition, PropertyType } from './properties.js';
import { runSearch, SearchCache, type SearchRequestBody, type SearchSource } from './search.js';
import { type ContactStore, iso } from './store.js';

/**
 * Deals, the way HubSpot exposes them: `/crm/v3/objects/deals` (list, search, batch read, get) and the v4
 * associations deals <-> contacts. https://developers.hubspot.com/docs/api-reference/crm-deals-v3/guide
 *
 * Seeded from the generated funnel: every customer has a won deal closed when it became a customer (a fifth a
 * second, later one); of the opportunities, 40 % have a won deal their lifecycle stage never caught up with
 * (HubSpot moves the stage only when the portal's lifecycle sync is on), 20 % a lost one, the rest an open one;
 * ≈0.4 % of other contacts have a won deal too: ≈1.9 % of contacts have one (seeds 7 and 42). Deterministic with the seed;
 * the funnel's own random streams are untouched.
 */

const DAY = 86_400_000;
const DEALS_READ = ['crm.objects.deals.read'];
/** Documented HUBSPOT_DEFINED association type ids: deal -> contact 3, contact -> deal 4.
 * https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide */
const DEAL_TO_CONTACT = 3;
const CONTACT_TO_DEAL = 4;
/** "may not exceed 1000 IDs per request body" (v3 and v4 association batch read, since 2025-02-10).
 * https://developers.hubspot.com/changelog/bug-fix-batch-read-limit-for-hubspot-associations-api */
const ASSOCIATION_BATCH_MAX = 1000;
const OPEN_STAGES = ['qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent'];
/** Default properties of a deal search (the search guide's table) and of a list or batch read. */
const DEFAULT_PROPERTIES = [
  'amount',
  'closedate',
  'createdate',
  'dealname',
  'dealstage',
  'hs_lastmodifieddate',
  'hs_object_id',
  'pipeline',
];

interface Deal {
  id: string;
  /** Contact row it was created on (follow merges with store.survivor). */
  contactRow: number;
  createdAt: number;
  modifiedAt: number;
  values: Map<string, string | null>;
}

const DEAL_PROPERTY_TYPES: Record<string, PropertyType> = {
  amount: 'number',
  closedate: 'datetime',
  createdate: 'datetime',
  dealname: 'string',
  dealstage: 'enumeration',
  hs_is_closed: 'bool',
  hs_is_closed_won: 'bool',
  hs_lastmodifieddate: 'datetime',
  hs_object_id: 'number',
  pipeline: 'enumeration',
};

/** `num_associated_deals` ("Number of associated deals"; https://developers.hubspot.com/changelog/associations-api-property-labels-update). */
export const NUM_ASSOCIATED_DEALS: PropertyDefinition = {
  name: 'num_associated_deals',
  label: 'Number of associated deals',
  type: 'number',
  fieldType: 'number',
  description: 'The number of deals associated with this contact.',
  groupName: 'contactinformation',
  options: [],
  displayOrder: -1,
  calculated: true,
  externalOptions: false,
  hasUniqueValue: false,
  hidden: false,
  hubspotDefined: true,
  formField: false,
  createdAt: '2019-08-06T02:43:14.491Z',
  updatedAt: '2019-08-06T02:43:14.491Z',
  archived: false,
  modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true },
};

export class DealStore {
  private readonly deals: Deal[] = [];
  private readonly byId = new Map<string, number>();
  private readonly byContactRow = new Map<number, number[]>();
  private nextId = 31_000_000_001;
  /** Bumped on every change; keys the search cache. */
  version = 0;

  constructor(
    private readonly store: ContactStore,
    private readonly now: () => number,
    seed: number,
  ) {
    store.propertyDefs.set(NUM_ASSOCIATED_DEALS.name, NUM_ASSOCIATED_DEALS);
    store.dealCount = (row) => this.dealsOfContact(row).length;
    this.seed(seed >>> 0);
  }

  private seed(seed: number): void {
    const ds = this.store.ds;
    for (let row = 0; row < ds.n; row++) {
      const rng = mulberry32(subSeed(seed ^ 0x0de1_5eed, row));
      const converted = ds.convertedAt[row] as number;
      const customer = ds.customerAt[row] as number;
      const created = ds.createdAt[row] as number;
      const amount = String(1000 * Math.round(5 + rng() * 60));
      if (customer) {
        this.add(row, converted, 'closedwon', customer, amount);
        const renewal = customer + (60 + rng() * 300) * DAY;
        if (rng() < 0.2 && renewal < ds.now - DAY) this.add(row, customer, 'closedwon', renewal, amount);
      } else if (converted) {
        const closedAt = converted + (20 + rng() * 70) * DAY;
        const roll = rng();
        if (roll < 0.4 && closedAt < ds.now - DAY) this.add(row, converted, 'closedwon', closedAt, amount);
        else if (roll < 0.6 && closedAt < ds.now - DAY)
          this.add(row, converted, 'closedlost', closedAt, amount);
        else
          this.add(row, converted, OPEN_STAGES[Math.floor(rng() * OPEN_STAGES.length)] as string, 0, amount);
      } else if (rng() < 0.004) {
        const wonAt = created + (30 + rng() * 200) * DAY;
        if (wonAt < ds.now - DAY) this.add(row, created + 10 * DAY, 'closedwon', wonAt, amount);
      }
    }
  }

  private add(row: number, createdAt: number, stage: string, closedAt: number, amount: string): Deal {
    const id = String(this.nextId);
    this.nextId += 7;
    const values = new Map<string, string | null>([
      ['dealname', `${companyName(this.store.ds.company[row] ?? 0)} - new business`],
      ['amount', amount],
      ['pipeline', 'default'],
      ['dealstage', stage],
      ['closedate', closedAt ? iso(closedAt) : null],
    ]);
    const deal: Deal = {
      id,
      contactRow: row,
      createdAt,
      modifiedAt: Math.max(createdAt, closedAt) + ((Number(id) >> 3) % 997),
      values,
    };
    this.byId.set(id, this.deals.length);
    this.deals.push(deal);
    this.byContactRow.set(row, [...(this.byContactRow.get(row) ?? []), this.deals.length - 1]);
    this.version++;
    return deal;
  }

  get count(): number {
    return this.deals.length;
  }

  /** Deals visible now (generated history ends at the data anchor; created ones carry the clock). */
  private visible(index: number): boolean {
    return (this.deals[index] as Deal).createdAt <= this.now();
  }

  find(id: string): number {
    const index = this.byId.get(id);
    return index !== undefined && this.visible(index) ? index : -1;
  }

  get(index: number, name: string): string | null {
    const deal = this.deals[index] as Deal;
    const stage = deal.values.get('dealstage') ?? null;
    switch (name) {
      case 'hs_object_id':
        return deal.id;
      case 'createdate':
        return iso(deal.createdAt);
      case 'hs_lastmodifieddate':
        return iso(deal.modifiedAt);
      case 'hs_is_closed_won':
        return stage === 'closedwon' ? 'true' : 'false';
      case 'hs_is_closed':
        return stage === 'closedwon' || stage === 'closedlost' ? 'true' : 'false';
      default:
        return deal.values.get(name) ?? null;
    }
  }

  /** The live contact id a deal is associated with (merges move a deal to the surviving contact). */
  contactIdOf(index: number): string | undefined {
    const row = this.store.survivor((this.deals[index] as Deal).contactRow);
    return this.store.archivedAt.has(row) ? undefined : this.store.idOf(row);
  }

  /** Deal indexes of a contact row, including the deals of contacts merged into it. */
  dealsOfContact(row: number): number[] {
    const out: number[] = [];
    const visit = (r: number) => {
      for (const index of this.byContactRow.get(r) ?? []) if (this.visible(index)) out.push(index);
      for (const absorbed of this.store.absorbed.get(r) ?? []) visit(absorbed);
    };
    visit(row);
    return out;
  }

  object(index: number, props: string[] | undefined, associations?: string[]) {
    const deal = this.deals[index] as Deal;
    const names = props?.length
      ? [...new Set([...props, 'createdate', 'hs_lastmodifieddate', 'hs_object_id'])]
      : DEFAULT_PROPERTIES;
    const properties: Record<string, string | null> = {};
    // Unknown properties are ignored on read.
    for (const name of names) if (DEAL_PROPERTY_TYPES[name]) properties[name] = this.get(index, name);
    const out: Record<string, unknown> = {
      id: deal.id,
      properties,
      createdAt: iso(deal.createdAt),
      updatedAt: iso(deal.modifiedAt),
      archived: false,
    };
    const contactId = this.contactIdOf(index);
    if (associations?.some((a) => a.startsWith('contact')) && contactId)
      out.associations = { contacts: { results: [{ id: contactId, type: 'deal_to_contact' }] } };
    return out;
  }

  searchSource(): SearchSource {
    const now = this.now();
    return {
      rows: () => this.deals.map((_, i) => i).filter((i) => (this.deals[i] as Deal).createdAt <= now),
      get: (r, name) => this.get(r, name),
      time: (r, name) =>
        name === 'hs_lastmodifieddate'
          ? (this.deals[r] as Deal).modifiedAt
          : name === 'createdate'
            ? (this.deals[r] as Deal).createdAt
            : undefined,
      type: (name) => DEAL_PROPERTY_TYPES[name],
      createdAt: (r) => (this.deals[r] as Deal).createdAt,
      modifiedAt: (r) => (this.deals[r] as Deal).modifiedAt,
      id: (r) => (this.deals[r] as Deal).id,
      associations: (r, toType) => {
        const id = toType.startsWith('contact') ? this.contactIdOf(r) : undefined;
        return id ? [id] : [];
      },
      queryProperties: ['dealname'],
    };
  }

  /** Creates a deal on a contact now; the contact's num_associated_deals rollup changes, so it is modified too. */
  create(contactRow: number, properties: Record<string, unknown>): string {
    const at = this.now();
    const stage = String(properties.dealstage ?? 'appointmentscheduled');
    const close = properties.closedate === undefined ? 0 : toMs(properties.closedate);
    const deal = this.add(contactRow, at, stage, close, String(properties.amount ?? '10000'));
    deal.modifiedAt = at;
    this.store.touch(contactRow, at);
    return deal.id;
  }

  /** A user edit (a stage moved to closedwon, a close date changed): the deal's hs_lastmodifieddate moves. */
  update(id: string, properties: Record<string, unknown>): void {
    const index = this.find(id);
    if (index < 0) throw objectNotFound(id);
    const deal = this.deals[index] as Deal;
    for (const [name, value] of Object.entries(properties)) {
      if (!DEAL_PROPERTY_TYPES[name]) throw validationError(`Property "${name}" does not exist`);
      deal.values.set(
        name,
        value === null || value === '' ? null : name === 'closedate' ? iso(toMs(value)) : String(value),
      );
    }
    deal.modifiedAt = Math.max(this.now(), deal.modifiedAt + 1);
    this.version++;
  }
}

function toMs(value: unknown): number {
  const text = String(value);
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms)) throw validationError(`Invalid date ${text}`);
  return ms;
}

function asObject(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw validationError('Invalid input JSON: expected an object.');
  return body as Record<string, unknown>;
}

function batchIds(inputs: unknown, max: number): string[] {
  if (!Array.isArray(inputs)) throw validationError('Invalid input JSON: inputs must be an array.');
  if (inputs.length > max)
    throw validationError(
      `The maximum number of inputs supported in a batch is ${max}. Please reduce the number of items and try again`,
    );
  return inputs.map((input) => String((input as { id?: unknown }).id ?? ''));
}

export interface DealRouteDeps {
  deals: DealStore;
  store: ContactStore;
  b: SandboxBehaviours;
  now: () => number;
}

/** The deal endpoints; mounted before the generic routes so the deal association paths win. */
export function dealRoutes({ deals, store, b, now }: DealRouteDeps): Route[] {
  const cache = new SearchCache();
  const started = () => new Date(now()).toISOString();
  const complete = (results: unknown[], missing: string[], what: string) => {
    const body: Record<string, unknown> = {
      status: 'COMPLETE',
      results,
      startedAt: started(),
      completedAt: new Date(now()).toISOString(),
    };
    if (!missing.length) return json(200, body);
    body.numErrors = 1;
    body.errors = [
      {
        status: 'error',
        category: 'OBJECT_NOT_FOUND',
        message: `Could not get some ${what} objects, they may be deleted or not exist. Check that ids are valid.`,
        context: { ids: missing },
        errors: [],
        links: {},
      },
    ];
    return json(207, body);
  };
  const limitOf = (ctx: Ctx) => {
    const raw = ctx.query.get('limit');
    const n = raw === null || raw === '' ? 10 : Number(raw);
    if (!Number.isInteger(n) || n < 1) throw validationError(`Invalid limit ${raw}`);
    return Math.min(n, b.listMaxLimit);
  };
  const association = (toObjectId: string, typeId: number) => ({
    toObjectId: Number(toObjectId),
    associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId, label: null }],
  });

  return [
    route('GET', '/crm/v3/objects/deals', { scopes: DEALS_READ }, (ctx) => {
      const limit = limitOf(ctx);
      const after = ctx.query.get('after');
      const afterId = after ? Number(Buffer.from(after, 'base64').toString()) : 0;
      if (Number.isNaN(afterId)) throw validationError(`Invalid after token ${after}`);
      const props = listParam(ctx.query, 'properties');
      const assoc = listParam(ctx.query, 'associations');
      const results: unknown[] = [];
      let next: string | undefined;
      for (let index = 0; index < deals.count; index++) {
        const id = deals.get(index, 'hs_object_id') as string;
        if (Number(id) < afterId || deals.find(id) < 0) continue;
        if (results.length === limit) {
          next = Buffer.from(id).toString('base64').replace(/=+$/, '');
          break;
        }
        results.push(deals.object(index, props, assoc));
      }
      const body: Record<string, unknown> = { results };
      if (next)
        body.paging = { next: { after: next, link: `${ctx.baseUrl}/crm/v3/objects/deals?after=${next}` } };
      return json(200, body);
    }),
    route('POST', '/crm/v3/objects/deals/search', { scopes: DEALS_READ, limit: 'search' }, (ctx) => {
      const body = asObject(ctx.body) as SearchRequestBody;
      const result = runSearch(deals.searchSource(), body, ctx.rawBody.length, b, now(), {
        store: cache,
        epoch: `${deals.version}:${store.version}:${Math.floor(now() / 60_000)}`,
      });
      const out: Record<string, unknown> = {
        total: result.total,
        results: result.rows.map((index) => deals.object(index, body.properties)),
      };
      if (result.nextAfter) out.paging = { next: { after: result.nextAfter } };
      return json(200, out);
    }),
    route('POST', '/crm/v3/objects/deals/batch/read', { scopes: DEALS_READ }, (ctx) => {
      const body = asObject(ctx.body);
      const ids = batchIds(body.inputs, b.batchMaxInputs);
      const props = Array.isArray(body.properties) ? (body.properties as string[]) : undefined;
      const results: unknown[] = [];
      const missing: string[] = [];
      for (const id of new Set(ids)) {
        const index = deals.find(id);
        if (index < 0) missing.push(id);
        else results.push(deals.object(index, props));
      }
      return complete(results, missing, 'DEAL');
    }),
    route('GET', '/crm/v3/objects/deals/:id', { scopes: DEALS_READ }, (ctx) => {
      const index = deals.find(ctx.params.id as string);
      if (index < 0) throw objectNotFound(ctx.params.id as string);
      return json(
        200,
        deals.object(index, listParam(ctx.query, 'properties'), listParam(ctx.query, 'associations')),
      );
    }),
    // https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide: a from-id with no
    // associations is left out of `results`; an unknown one is an error of a 207.
    route('POST', '/crm/v4/associations/deals/contacts/batch/read', { scopes: DEALS_READ }, (ctx) => {
      const ids = batchIds(asObject(ctx.body).inputs, ASSOCIATION_BATCH_MAX);
      const results: unknown[] = [];
      const missing: string[] = [];
      for (const id of new Set(ids)) {
        const index = deals.find(id);
        if (index < 0) {
          missing.push(id);
          continue;
        }
        const contactId = deals.contactIdOf(index);
        if (contactId) results.push({ from: { id }, to: [association(contactId, DEAL_TO_CONTACT)] });
      }
      return complete(results, missing, 'DEAL');
    }),
    route('POST', '/crm/v4/associations/contacts/deals/batch/read', { scopes: DEALS_READ }, (ctx) => {
      const ids = batchIds(asObject(ctx.body).inputs, ASSOCIATION_BATCH_MAX);
      const results: unknown[] = [];
      const missing: string[] = [];
      for (const id of new Set(ids)) {
        const row = store.resolve(id);
        if (row < 0 || store.archivedAt.has(row)) {
          missing.push(id);
          continue;
        }
        const to = deals
          .dealsOfContact(row)
          .map((index) => association(deals.get(index, 'hs_object_id') as string, CONTACT_TO_DEAL));
        if (to.length) results.push({ from: { id }, to });
      }
      return complete(results, missing, 'CONTACT');
    }),
  ];
}

/** Test controls: `POST /__sandbox/deals {contactId, properties}` and `PATCH /__sandbox/deals/{id} {properties}`. */
export function dealControlRoutes(deals: DealStore, store: ContactStore): Route[] {
  const none = { auth: 'none' as const };
  return [
    route('POST', '/__sandbox/deals', none, (ctx) => {
      const body = asObject(ctx.body);
      const row = store.resolve(String(body.contactId ?? ''));
      if (row < 0) throw objectNotFound(String(body.contactId ?? ''));
      const id = deals.create(row, asObject(body.properties ?? {}));
      return json(201, deals.object(deals.find(id), [...Object.keys(DEAL_PROPERTY_TYPES)], ['contacts']));
    }),
    route('PATCH', '/__sandbox/deals/:id', none, (ctx) => {
      const id = ctx.params.id as string;
      deals.update(id, asObject(asObject(ctx.body).properties ?? {}));
      return json(200, deals.object(deals.find(id), [...Object.keys(DEAL_PROPERTY_TYPES)], ['contacts']));
    }),
  ];
}
