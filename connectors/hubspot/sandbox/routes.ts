import type { AuthState } from './auth.js';
import type { SandboxBehaviours } from './behaviours.js';
import type { Engagement } from './engagement.js';
import {
  errorBody,
  httpError,
  objectNotFound,
  propertyValuesNotValid,
  SandboxHttpError,
  validationError,
} from './errors.js';
import { EV } from './generator.js';
import { type Ctx, json, listParam, type Reply, type Route, route } from './http.js';
import { PROPERTY_TYPES, type PropertyDefinition, type PropertyType } from './properties.js';
import type { RateLimiter } from './ratelimit.js';
import { runSearch, SearchCache, type SearchRequestBody, type SearchSource } from './search.js';
import { type ContactStore, iso, issuesAsErrors } from './store.js';

const CONTACTS_READ = ['crm.objects.contacts.read'];
const CONTACTS_WRITE = ['crm.objects.contacts.write'];
const SCHEMA_READ = ['crm.schemas.contacts.read'];
const SCHEMA_WRITE = ['crm.schemas.contacts.write'];
const LIST_DEFAULT = ['firstname', 'lastname', 'email'];
const SEARCH_DEFAULT = ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'];
const ALWAYS = ['createdate', 'lastmodifieddate', 'hs_object_id'];

export interface BatchFailureInjection {
  ids: Set<string>;
  category: string;
  message: string;
}

export interface RouteDeps {
  store: ContactStore;
  engagement: Engagement;
  auth: AuthState;
  limiter: RateLimiter;
  b: SandboxBehaviours;
  now: () => number;
  tier: string;
  portalId: number;
  batchFailures: BatchFailureInjection;
}

type EngagementType = 'meetings' | 'calls';

function asObject(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw validationError('Invalid input JSON: expected an object.');
  return body as Record<string, unknown>;
}

function decodeAfter(after: string | null): number {
  if (!after) return 0;
  if (/^\d+$/.test(after)) return Number(after);
  const decoded = Buffer.from(after, 'base64').toString();
  if (!/^\d+$/.test(decoded)) throw validationError(`Invalid after token ${after}`);
  return Number(decoded);
}
const encodeAfter = (id: string) => Buffer.from(id).toString('base64').replace(/=+$/, '');

function parseListLimit(raw: string | null, b: SandboxBehaviours): number {
  if (raw === null || raw === '') return 10;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw validationError(`Invalid limit ${raw}`);
  if (n > b.listMaxLimit) {
    if (b.listLimitOver === 'error')
      throw validationError(`limit must be less than or equal to ${b.listMaxLimit}`);
    return b.listMaxLimit;
  }
  return n;
}

export function buildRoutes(d: RouteDeps): Route[] {
  const { store, engagement, b } = d;
  const contactSearchCache = new SearchCache();
  const engagementSearchCache = { meetings: new SearchCache(), calls: new SearchCache() };

  const contactSource = (): SearchSource => ({
    rows: () => store.liveRows(false),
    get: (r, n) => store.get(r, n),
    time: (r, n) =>
      n === 'lastmodifieddate' || n === 'hs_lastmodifieddate'
        ? store.modifiedAt(r)
        : n === 'createdate'
          ? store.createdAt(r)
          : undefined,
    type: (n) => store.propertyDefs.get(n)?.type,
    createdAt: (r) => store.createdAt(r),
    modifiedAt: (r) => store.modifiedAt(r),
    id: (r) => store.idOf(r),
    associations: (r, toType) => {
      if (toType.startsWith('meeting'))
        return engagement.engagementsOfContact(r, 'meetings').map((e) => engagement.idOf(e));
      if (toType.startsWith('call'))
        return engagement.engagementsOfContact(r, 'calls').map((e) => engagement.idOf(e));
      return [];
    },
    queryProperties: ['firstname', 'lastname', 'email', 'phone', 'company', 'website'],
  });

  const contactAssociations = (row: number, types: string[] | undefined) => {
    if (!types?.length) return undefined;
    const out: Record<string, unknown> = {};
    for (const t of types) {
      const type: EngagementType | undefined = t.startsWith('meeting')
        ? 'meetings'
        : t.startsWith('call')
          ? 'calls'
          : undefined;
      if (!type) continue;
      const ids = engagement.engagementsOfContact(row, type);
      if (!ids.length) continue;
      // ◐ UNVERIFIED association label strings.
      out[type] = {
        results: ids.map((e) => ({
          id: engagement.idOf(e),
          type: type === 'meetings' ? 'contact_to_meeting_event' : 'contact_to_call',
        })),
      };
    }
    return Object.keys(out).length ? out : undefined;
  };

  const contactObject = (
    row: number,
    props: string[] | undefined,
    defaults: string[],
    extra: { history?: string[]; associations?: string[] } = {},
  ) => {
    const names = props?.length
      ? [...new Set([...props, ...ALWAYS])]
      : defaults.length === 3
        ? [...defaults, ...ALWAYS]
        : defaults;
    const properties: Record<string, string | null> = {};
    for (const n of names) {
      // Unknown properties are ignored on read.
      if (!store.propertyDefs.has(n)) continue;
      properties[n] = store.get(row, n);
    }
    const archivedAt = store.archivedAt.get(row);
    const out: Record<string, unknown> = {
      id: store.idOf(row),
      properties,
      createdAt: iso(store.createdAt(row)),
      updatedAt: iso(store.modifiedAt(row)),
      archived: archivedAt !== undefined,
    };
    if (archivedAt !== undefined) out.archivedAt = iso(archivedAt);
    if (extra.history?.length) {
      const hist: Record<string, unknown[]> = {};
      for (const n of extra.history) {
        if (!store.propertyDefs.has(n)) continue;
        hist[n] = store.historyOf(row, n).map((e) => ({ ...e, timestamp: iso(e.timestamp) }));
      }
      out.propertiesWithHistory = hist;
    }
    const assoc = contactAssociations(row, extra.associations);
    if (assoc) out.associations = assoc;
    return out;
  };

  const batchCheck = (inputs: unknown, max: number, historyMax?: boolean) => {
    if (!Array.isArray(inputs)) throw validationError('Invalid input JSON: inputs must be an array.');
    if (inputs.length > max) {
      // ◐ live 400, quoted in public client code; "Batch operations are limited to 100 records".
      throw validationError(
        historyMax
          ? `The maximum number of inputs supported in a batch request for property histories is ${max}. Please reduce the number of items and try again`
          : `The maximum number of inputs supported in a batch is ${max}. Please reduce the number of items and try again`,
      );
    }
    const ids = inputs.map((i) => String((i as { id?: unknown }).id ?? ''));
    const seen = new Set<string>();
    const dups = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) dups.add(id);
      seen.add(id);
    }
    if (dups.size) {
      // ◐ rudder-transformer fixtures: the whole batch is rejected.
      throw validationError(
        `Duplicate IDs found in batch input: [${[...dups].join(', ')}]. IDs must be unique`,
        {
          context: { ids: [...dups] },
        },
      );
    }
    return ids;
  };

  const batchResponse = (
    results: unknown[],
    errors: Array<Record<string, unknown>>,
    startedAt: string,
    okStatus = 200,
  ): Reply => {
    const body: Record<string, unknown> = {
      status: 'COMPLETE',
      results,
      startedAt,
      completedAt: new Date(d.now()).toISOString(),
    };
    if (errors.length) {
      body.numErrors = errors.length;
      body.errors = errors;
      return json(207, body);
    }
    return json(okStatus, body);
  };

  const notFoundError = (ids: string[]) => ({
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message:
      'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
    context: { ids },
    errors: [],
    links: {},
  });

  const injected = (ids: string[]) => ({
    status: 'error',
    category: d.batchFailures.category,
    message: d.batchFailures.message,
    context: { ids },
    errors: [],
    links: {},
  });

  const resolveInput = (id: string, idProperty?: string, includeArchived = false) => {
    const row = store.resolve(id, idProperty);
    if (row < 0) return -1;
    if (store.archivedAt.has(row) && !includeArchived) return -1;
    return row;
  };

  const propertyObjectType = (ctx: Ctx): 'contacts' | EngagementType => {
    const t = ctx.params.objectType ?? '';
    if (t === 'contacts' || t === 'contact' || t === '0-1') return 'contacts';
    if (t === 'meetings' || t === '0-47') return 'meetings';
    if (t === 'calls' || t === '0-48') return 'calls';
    throw httpError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${t}`);
  };
  const defsFor = (t: 'contacts' | EngagementType): Map<string, PropertyDefinition> =>
    t === 'contacts' ? store.propertyDefs : engagement.defs[t];

  const engagementObject = (
    type: EngagementType,
    idx: number,
    props: string[] | undefined,
    assoc: string[] | undefined,
  ) => {
    const defs = engagement.defs[type];
    const names = props?.length
      ? [...new Set([...props, 'hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'])]
      : ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'];
    const properties: Record<string, string | null> = {};
    for (const n of names) if (defs.has(n)) properties[n] = engagement.get(idx, n);
    const out: Record<string, unknown> = {
      id: engagement.idOf(idx),
      properties,
      createdAt: iso(engagement.createdAt(idx)),
      updatedAt: iso(engagement.modifiedAt(idx)),
      archived: false,
    };
    if (assoc?.some((a) => a.startsWith('contact'))) {
      out.associations = {
        contacts: {
          results: [
            {
              id: engagement.contactIdOf(idx),
              type: type === 'meetings' ? 'meeting_event_to_contact' : 'call_to_contact',
            },
          ],
        },
      };
    }
    return out;
  };

  const routes: Route[] = [
    // ---------- contacts: https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/guide ----------
    route('GET', '/crm/v3/objects/contacts', { scopes: CONTACTS_READ }, (ctx) => {
      const history = listParam(ctx.query, 'propertiesWithHistory');
      // "will reduce the maximum number of contacts that can be read by a single request" (spec): 50.
      const limit = Math.min(
        parseListLimit(ctx.query.get('limit'), b),
        history?.length ? b.batchHistoryMaxInputs : Number.POSITIVE_INFINITY,
      );
      const archived = ctx.query.get('archived') === 'true';
      const afterId = decodeAfter(ctx.query.get('after'));
      const props = listParam(ctx.query, 'properties');
      const assoc = listParam(ctx.query, 'associations');
      const results: unknown[] = [];
      let next: string | undefined;
      for (let r = store.rowAtOrAfterId(afterId); r < store.rowCount; r++) {
        if (store.mergedInto.has(r) || store.archivedAt.has(r) !== archived) continue;
        if (results.length === limit) {
          next = store.idOf(r);
          break;
        }
        results.push(contactObject(r, props, LIST_DEFAULT, { history, associations: assoc }));
      }
      const body: Record<string, unknown> = { results };
      if (next) {
        const after = encodeAfter(next);
        body.paging = { next: { after, link: `${ctx.baseUrl}/crm/v3/objects/contacts?after=${after}` } };
      }
      return json(200, body);
    }),
    route('POST', '/crm/v3/objects/contacts', { scopes: CONTACTS_WRITE }, (ctx) => {
      const body = asObject(ctx.body);
      const row = store.create(asObject(body.properties ?? {}));
      return json(201, contactObject(row, Object.keys(asObject(body.properties ?? {})), LIST_DEFAULT));
    }),
    route('POST', '/crm/v3/objects/contacts/search', { scopes: CONTACTS_READ, limit: 'search' }, (ctx) => {
      const body = asObject(ctx.body) as SearchRequestBody;
      const res = runSearch(contactSource(), body, ctx.rawBody.length, b, d.now(), {
        store: contactSearchCache,
        epoch: String(store.version),
      });
      const out: Record<string, unknown> = {
        total: res.total,
        results: res.rows.map((r) => contactObject(r, body.properties, SEARCH_DEFAULT)),
      };
      if (res.nextAfter) out.paging = { next: { after: res.nextAfter } };
      return json(200, out);
    }),
    route('POST', '/crm/v3/objects/contacts/batch/read', { scopes: CONTACTS_READ }, (ctx) => {
      const startedAt = new Date(d.now()).toISOString();
      const body = asObject(ctx.body);
      const history = Array.isArray(body.propertiesWithHistory)
        ? (body.propertiesWithHistory as string[])
        : undefined;
      const ids = batchCheck(
        body.inputs,
        history?.length ? b.batchHistoryMaxInputs : b.batchMaxInputs,
        Boolean(history?.length),
      );
      const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
      const includeArchived = ctx.query.get('archived') === 'true';
      const props = Array.isArray(body.properties) ? (body.properties as string[]) : undefined;
      const results: unknown[] = [];
      const missing: string[] = [];
      const failed: string[] = [];
      const returned = new Set<number>();
      for (const id of ids) {
        if (d.batchFailures.ids.has(id)) {
          failed.push(id);
          continue;
        }
        const raw = idProperty && idProperty !== 'hs_object_id' ? -2 : store.rawRow(id);
        if (raw >= 0 && store.mergedInto.has(raw) && b.batchReadMergedId === 'omit') continue;
        const row = resolveInput(id, idProperty, includeArchived);
        if (row < 0) {
          missing.push(id);
          continue;
        }
        if (returned.has(row)) continue;
        returned.add(row);
        results.push(contactObject(row, props, LIST_DEFAULT, { history }));
      }
      const errors: Array<Record<string, unknown>> = [];
      if (missing.length) errors.push(notFoundError(missing));
      if (failed.length) errors.push(injected(failed));
      return batchResponse(results, errors, startedAt);
    }),
    route('POST', '/crm/v3/objects/contacts/batch/update', { scopes: CONTACTS_WRITE }, (ctx) => {
      const startedAt = new Date(d.now()).toISOString();
      const body = asObject(ctx.body);
      const ids = batchCheck(body.inputs, b.batchMaxInputs);
      const inputs = body.inputs as Array<{
        id?: unknown;
        idProperty?: string;
        properties?: Record<string, unknown>;
      }>;
      const errors: Array<Record<string, unknown>> = [];
      const plan: Array<{ row: number; values: Record<string, unknown> }> = [];
      const missing: string[] = [];
      const failed: string[] = [];
      for (const [i, input] of inputs.entries()) {
        const id = ids[i] as string;
        if (d.batchFailures.ids.has(id)) {
          failed.push(id);
          continue;
        }
        const row = resolveInput(id, input.idProperty);
        if (row < 0) {
          missing.push(id);
          continue;
        }
        const values = asObject(input.properties ?? {});
        const issues = store.validate(values, row);
        if (issues.length) {
          if (b.batchInvalidProperty === 'reject-batch')
            throw validationError(propertyValuesNotValid(issues), { errors: issuesAsErrors(issues) });
          errors.push({
            status: 'error',
            category: 'VALIDATION_ERROR',
            message: propertyValuesNotValid(issues),
            context: { ids: [id] },
            errors: issuesAsErrors(issues),
            links: {},
          });
          continue;
        }
        plan.push({ row, values });
      }
      const results = plan.map(({ row, values }) => {
        store.setValues(row, values);
        return contactObject(row, Object.keys(values), LIST_DEFAULT);
      });
      if (missing.length) errors.push(notFoundError(missing));
      if (failed.length) errors.push(injected(failed));
      return batchResponse(results, errors, startedAt);
    }),
    route('POST', '/crm/v3/objects/contacts/batch/create', { scopes: CONTACTS_WRITE }, (ctx) => {
      const startedAt = new Date(d.now()).toISOString();
      const body = asObject(ctx.body);
      if (!Array.isArray(body.inputs)) throw validationError('Invalid input JSON: inputs must be an array.');
      if (body.inputs.length > b.batchMaxInputs)
        throw validationError(
          `The maximum number of inputs supported in a batch is ${b.batchMaxInputs}. Please reduce the number of items and try again`,
        );
      const rows = (body.inputs as Array<{ properties?: Record<string, unknown> }>).map((i) =>
        store.create(asObject(i.properties ?? {})),
      );
      return batchResponse(
        rows.map((r) => contactObject(r, undefined, LIST_DEFAULT)),
        [],
        startedAt,
        201,
      );
    }),
    route('POST', '/crm/v3/objects/contacts/batch/archive', { scopes: CONTACTS_WRITE }, (ctx) => {
      const body = asObject(ctx.body);
      const ids = batchCheck(body.inputs, b.batchMaxInputs);
      for (const id of ids) {
        const row = store.resolve(id);
        if (row >= 0) store.archive(row);
      }
      return { status: 204 };
    }),
    route('POST', '/crm/v3/objects/contacts/merge', { scopes: CONTACTS_WRITE }, (ctx) => {
      const body = asObject(ctx.body);
      const primary = resolveInput(String(body.primaryObjectId ?? ''));
      const loser = resolveInput(String(body.objectIdToMerge ?? ''));
      if (primary < 0) throw objectNotFound(String(body.primaryObjectId ?? ''));
      if (loser < 0) throw objectNotFound(String(body.objectIdToMerge ?? ''));
      const survivor = store.merge(primary, loser);
      return json(200, contactObject(survivor, undefined, LIST_DEFAULT));
    }),
    route('GET', '/crm/v3/objects/contacts/:id', { scopes: CONTACTS_READ }, (ctx) => {
      const id = ctx.params.id as string;
      const idProperty = ctx.query.get('idProperty') ?? undefined;
      const archived = ctx.query.get('archived') === 'true';
      const row = store.resolve(id, idProperty);
      if (row < 0) throw objectNotFound(id);
      const isArchived = store.archivedAt.has(row);
      if (isArchived !== archived && !(isArchived && b.archivedGetById === 'return'))
        throw objectNotFound(id);
      // A merged-away id answers 200 with the surviving record (its NEW id): no redirect, no 404.
      return json(
        200,
        contactObject(row, listParam(ctx.query, 'properties'), LIST_DEFAULT, {
          history: listParam(ctx.query, 'propertiesWithHistory'),
          associations: listParam(ctx.query, 'associations'),
        }),
      );
    }),
    route('PATCH', '/crm/v3/objects/contacts/:id', { scopes: CONTACTS_WRITE }, (ctx) => {
      const id = ctx.params.id as string;
      const row = resolveInput(id, ctx.query.get('idProperty') ?? undefined);
      if (row < 0) throw objectNotFound(id);
      const values = asObject(asObject(ctx.body).properties ?? {});
      store.update(row, values);
      return json(200, contactObject(row, Object.keys(values), LIST_DEFAULT));
    }),
    route('DELETE', '/crm/v3/objects/contacts/:id', { scopes: CONTACTS_WRITE }, (ctx) => {
      const row = store.resolve(ctx.params.id as string);
      if (row >= 0) store.archive(row);
      return { status: 204 };
    }),

    // ---------- properties: https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide ----------
    route('GET', '/crm/v3/properties/:objectType', { scopes: SCHEMA_READ }, (ctx) => {
      const archived = ctx.query.get('archived') === 'true';
      const defs = [...defsFor(propertyObjectType(ctx)).values()].filter((p) => p.archived === archived);
      return json(200, { results: defs });
    }),
    route('POST', '/crm/v3/properties/:objectType', { scopes: SCHEMA_WRITE }, (ctx) => {
      const t = propertyObjectType(ctx);
      const defs = defsFor(t);
      const body = asObject(ctx.body);
      for (const f of ['name', 'label', 'type', 'fieldType', 'groupName'])
        if (typeof body[f] !== 'string' || body[f] === '')
          throw validationError(`Property definition is missing required field ${f}.`, {
            context: { missingField: [f] },
          });
      const name = body.name as string;
      if (!/^[a-z][a-z0-9_]*$/.test(name))
        throw validationError(
          `Invalid property name ${name}: use lowercase letters, digits and underscores.`,
        );
      if (!PROPERTY_TYPES.includes(body.type as PropertyType))
        throw validationError(`Invalid property type ${String(body.type)}.`);
      if (t === 'contacts' && !store.groups.has(body.groupName as string))
        throw validationError(`Property group ${String(body.groupName)} does not exist.`);
      const options = Array.isArray(body.options) ? (body.options as PropertyDefinition['options']) : [];
      if (body.type === 'enumeration' && options.length === 0)
        throw validationError(`Enumeration property ${name} requires options.`);
      const existing = defs.get(name);
      if (existing && !existing.archived) {
        throw new SandboxHttpError(
          b.propertyConflictStatus,
          errorBody(b.propertyConflictCategory, `A property named '${name}' already exists.`, {
            context: { name: [name] },
          }),
        );
      }
      const at = new Date(d.now()).toISOString();
      const def: PropertyDefinition = {
        name,
        label: body.label as string,
        type: body.type as PropertyType,
        fieldType: body.fieldType as string,
        description: typeof body.description === 'string' ? body.description : '',
        groupName: body.groupName as string,
        options: options.map((o, i) => ({
          ...o,
          hidden: o.hidden ?? false,
          displayOrder: o.displayOrder ?? i,
        })),
        displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
        calculated: false,
        externalOptions: false,
        hasUniqueValue: body.hasUniqueValue === true,
        hidden: body.hidden === true,
        formField: body.formField === true,
        createdAt: at,
        updatedAt: at,
        archived: false,
        createdUserId: '9586504',
        updatedUserId: '9586504',
        modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
      };
      defs.set(name, def);
      return json(201, def);
    }),
    route('GET', '/crm/v3/properties/:objectType/groups', { scopes: SCHEMA_READ }, () =>
      json(200, { results: [...store.groups.values()].filter((g) => !g.archived) }),
    ),
    route('POST', '/crm/v3/properties/:objectType/groups', { scopes: SCHEMA_WRITE }, (ctx) => {
      const body = asObject(ctx.body);
      const name = String(body.name ?? '');
      if (!name || typeof body.label !== 'string')
        throw validationError('Property group requires name and label.');
      if (store.groups.get(name) && !store.groups.get(name)?.archived)
        throw new SandboxHttpError(
          b.propertyConflictStatus,
          errorBody(b.propertyConflictCategory, `A property group named '${name}' already exists.`, {
            context: { name: [name] },
          }),
        );
      const group = {
        name,
        label: body.label,
        displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
        archived: false,
      };
      store.groups.set(name, group);
      return json(201, group);
    }),
    route('GET', '/crm/v3/properties/:objectType/groups/:name', { scopes: SCHEMA_READ }, (ctx) => {
      const g = store.groups.get(ctx.params.name as string);
      if (!g) throw httpError(404, 'OBJECT_NOT_FOUND', `Unable to find property group ${ctx.params.name}`);
      return json(200, g);
    }),
    route('GET', '/crm/v3/properties/:objectType/:name', { scopes: SCHEMA_READ }, (ctx) => {
      const def = defsFor(propertyObjectType(ctx)).get(ctx.params.name as string);
      if (!def || (def.archived && ctx.query.get('archived') !== 'true'))
        throw httpError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${ctx.params.name}`);
      return json(200, def);
    }),
    route('PATCH', '/crm/v3/properties/:objectType/:name', { scopes: SCHEMA_WRITE }, (ctx) => {
      const def = defsFor(propertyObjectType(ctx)).get(ctx.params.name as string);
      if (!def || def.archived)
        throw httpError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${ctx.params.name}`);
      if (def.modificationMetadata.readOnlyDefinition)
        throw validationError(`Property ${def.name} is a HubSpot-defined property and cannot be modified.`);
      const body = asObject(ctx.body);
      for (const k of [
        'label',
        'description',
        'groupName',
        'fieldType',
        'hidden',
        'displayOrder',
        'formField',
      ] as const)
        if (body[k] !== undefined) (def as unknown as Record<string, unknown>)[k] = body[k];
      if (Array.isArray(body.options)) def.options = body.options as PropertyDefinition['options'];
      def.updatedAt = new Date(d.now()).toISOString();
      return json(200, def);
    }),
    route('DELETE', '/crm/v3/properties/:objectType/:name', { scopes: SCHEMA_WRITE }, (ctx) => {
      const def = defsFor(propertyObjectType(ctx)).get(ctx.params.name as string);
      if (def && !def.modificationMetadata.readOnlyDefinition) {
        def.archived = true;
        def.updatedAt = new Date(d.now()).toISOString();
      }
      return { status: 204 };
    }),

    // Owners: tasks.ts (with archived owners and deactivated users).
  ];

  // ---------- meetings and calls: https://developers.hubspot.com/docs/api/crm/meetings ----------
  for (const type of ['meetings', 'calls'] as const) {
    routes.push(
      route('GET', `/crm/v3/objects/${type}`, { scopes: CONTACTS_READ }, (ctx) => {
        const limit = parseListLimit(ctx.query.get('limit'), b);
        const after = decodeAfter(ctx.query.get('after'));
        const props = listParam(ctx.query, 'properties');
        const assoc = listParam(ctx.query, 'associations');
        const rows = engagement.rowsOf(type);
        const now = d.now();
        const results: unknown[] = [];
        let next: string | undefined;
        for (const idx of rows) {
          if (Number(engagement.idOf(idx)) < after || engagement.createdAt(idx) > now) continue;
          if (results.length === limit) {
            next = engagement.idOf(idx);
            break;
          }
          results.push(engagementObject(type, idx, props, assoc));
        }
        const body: Record<string, unknown> = { results };
        if (next)
          body.paging = {
            next: {
              after: encodeAfter(next),
              link: `${ctx.baseUrl}/crm/v3/objects/${type}?after=${encodeAfter(next)}`,
            },
          };
        return json(200, body);
      }),
      route('POST', `/crm/v3/objects/${type}/search`, { scopes: CONTACTS_READ, limit: 'search' }, (ctx) => {
        const body = asObject(ctx.body) as SearchRequestBody;
        const res = runSearch(engagement.searchSource(type), body, ctx.rawBody.length, b, d.now(), {
          store: engagementSearchCache[type],
          epoch: `${store.version}:${engagement.version}:${Math.floor(d.now() / 60_000)}`,
        });
        const out: Record<string, unknown> = {
          total: res.total,
          results: res.rows.map((r) => engagementObject(type, r, body.properties, undefined)),
        };
        if (res.nextAfter) out.paging = { next: { after: res.nextAfter } };
        return json(200, out);
      }),
      route('POST', `/crm/v3/objects/${type}/batch/read`, { scopes: CONTACTS_READ }, (ctx) => {
        const startedAt = new Date(d.now()).toISOString();
        const body = asObject(ctx.body);
        const ids = batchCheck(body.inputs, b.batchMaxInputs);
        const props = Array.isArray(body.properties) ? (body.properties as string[]) : undefined;
        const results: unknown[] = [];
        const missing: string[] = [];
        for (const id of ids) {
          const idx = engagement.find(type, id);
          if (idx < 0) missing.push(id);
          else results.push(engagementObject(type, idx, props, undefined));
        }
        const errors = missing.length
          ? [
              {
                ...notFoundError(missing),
                message: `Could not get some ${type === 'meetings' ? 'MEETING_EVENT' : 'CALL'} objects, they may be deleted or not exist. Check that ids are valid.`,
              },
            ]
          : [];
        return batchResponse(results, errors, startedAt);
      }),
      route('GET', `/crm/v3/objects/${type}/:id`, { scopes: CONTACTS_READ }, (ctx) => {
        const idx = engagement.find(type, ctx.params.id as string);
        if (idx < 0) throw objectNotFound(ctx.params.id as string);
        return json(
          200,
          engagementObject(
            type,
            idx,
            listParam(ctx.query, 'properties'),
            listParam(ctx.query, 'associations'),
          ),
        );
      }),
    );
  }

  // ---------- v4 associations: https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide ----------
  // HUBSPOT_DEFINED type ids: contact->call 193, call->contact 194, contact->meeting 199, meeting->contact 200.
  const typeOf = (t: string): 'contacts' | EngagementType | undefined => {
    if (t.startsWith('contact') || t === '0-1') return 'contacts';
    if (t.startsWith('meeting') || t === '0-47') return 'meetings';
    if (t.startsWith('call') || t === '0-48') return 'calls';
    return undefined;
  };
  const TYPE_IDS: Record<string, number> = {
    'contacts>calls': 193,
    'calls>contacts': 194,
    'contacts>meetings': 199,
    'meetings>contacts': 200,
  };
  /** Associations of one object, or undefined when the object does not exist. */
  const v4 = (fromType: string, id: string, toType: string) => {
    const from = typeOf(fromType);
    const to = typeOf(toType);
    if (!from) throw httpError(400, 'VALIDATION_ERROR', `Unknown object type ${fromType}`);
    const typeId = TYPE_IDS[`${from}>${to}`];
    const assoc = (toObjectId: string) => ({
      toObjectId: Number(toObjectId),
      associationTypes: typeId ? [{ category: 'HUBSPOT_DEFINED', typeId, label: null }] : [],
    });
    if (from === 'contacts') {
      const row = resolveInput(id);
      if (row < 0) return undefined;
      if (to !== 'meetings' && to !== 'calls') return [];
      return engagement.engagementsOfContact(row, to).map((e) => assoc(engagement.idOf(e)));
    }
    const idx = engagement.find(from, id);
    if (idx < 0) return undefined;
    return to === 'contacts' ? [assoc(engagement.contactIdOf(idx))] : [];
  };
  routes.push(
    route('GET', '/crm/v4/objects/:fromType/:id/associations/:toType', { scopes: CONTACTS_READ }, (ctx) => {
      const all = v4(ctx.params.fromType as string, ctx.params.id as string, ctx.params.toType as string);
      if (!all) throw objectNotFound(ctx.params.id as string);
      const limit = Math.min(500, Number(ctx.query.get('limit') ?? 500) || 500);
      const after = Number(ctx.query.get('after') ?? 0) || 0;
      const body: Record<string, unknown> = { results: all.slice(after, after + limit) };
      if (after + limit < all.length) body.paging = { next: { after: String(after + limit) } };
      return json(200, body);
    }),
    route('POST', '/crm/v4/associations/:fromType/:toType/batch/read', { scopes: CONTACTS_READ }, (ctx) => {
      const startedAt = new Date(d.now()).toISOString();
      const body = asObject(ctx.body);
      const ids = batchCheck(body.inputs, 1000);
      const results: unknown[] = [];
      const missing: string[] = [];
      for (const id of ids) {
        const to = v4(ctx.params.fromType as string, id, ctx.params.toType as string);
        if (!to) {
          missing.push(id);
          continue;
        }
        if (to.length) results.push({ from: { id }, to });
      }
      return batchResponse(results, missing.length ? [notFoundError(missing)] : [], startedAt);
    }),
  );

  // ---------- legacy and marketing engagement APIs ----------
  routes.push(
    // https://developers.hubspot.com/docs/api-reference/legacy/email-analytics-v1/events/get-email-public-v1-events
    route('GET', '/email/public/v1/events', { scopes: ['content'] }, (ctx) =>
      json(200, engagement.emailEvents(ctx.query)),
    ),
    route('GET', '/marketing/v3/forms', { scopes: ['forms'] }, () => json(200, engagement.formsV3())),
    route('GET', '/marketing/v3/forms/:formId', { scopes: ['forms'] }, (ctx) => {
      const f = (engagement.formsV3().results as Array<{ id: string }>).find(
        (x) => x.id === ctx.params.formId,
      );
      if (!f) throw httpError(404, 'OBJECT_NOT_FOUND', `Form ${ctx.params.formId} not found`);
      return json(200, f);
    }),
    route('GET', '/forms/v2/forms', { scopes: ['forms'] }, () => json(200, engagement.formsV2())),
    // https://developers.hubspot.com/docs/api-reference/legacy/marketing/forms/v1/get-form-integrations-v1-submissions-forms-form_guid
    route('GET', '/form-integrations/v1/submissions/forms/:guid', { scopes: ['forms'] }, (ctx) => {
      const out = engagement.formSubmissions(ctx.params.guid as string, ctx.query, ctx.baseUrl);
      if (!out) throw httpError(404, 'OBJECT_NOT_FOUND', `Form ${ctx.params.guid} not found`);
      return json(200, out);
    }),
    // https://developers.hubspot.com/docs/guides/api/analytics-and-events/event-analytics (Enterprise)
    route('GET', '/events/v3/events', { scopes: ['oauth'] }, (ctx) => {
      requireEnterprise();
      return json(200, engagement.webEvents(ctx.query, ctx.baseUrl));
    }),
    route('GET', '/events/v3/events/event-types', { scopes: ['oauth'] }, () =>
      json(200, { eventTypes: ['e_visited_page', 'e_submitted_form', 'e_clicked_cta', 'e_ad_interaction'] }),
    ),
    route(
      'GET',
      '/communication-preferences/v3/definitions',
      { scopes: ['communication_preferences.read'] },
      () => json(200, engagement.subscriptionDefinitions()),
    ),
    route(
      'GET',
      '/communication-preferences/v3/status/email/:email',
      { scopes: ['communication_preferences.read'] },
      (ctx) => json(200, engagement.subscriptionStatus(ctx.params.email as string)),
    ),
    // https://developers.hubspot.com/docs/api-reference/communication-preferences-v3/guide
    route(
      'POST',
      '/communication-preferences/v3/unsubscribe',
      { scopes: ['communication_preferences.write'] },
      (ctx) => {
        const body = asObject(ctx.body);
        const email = String(body.emailAddress ?? '');
        const row = store.findByEmail(email);
        if (row < 0) throw validationError(`${email} is not a known contact`);
        if (store.rollup(store.survivor(row)).unsubscribed)
          throw validationError(
            `${email} is already unsubscribed from subscription ${String(body.subscriptionId ?? '')}`,
          );
        engagement.addEvent(row, EV.UNSUBSCRIBE, d.now(), 0, 0);
        const sub = (engagement.subscriptionStatus(email).subscriptionStatuses as Array<{ id: string }>).find(
          (x) => x.id === String(body.subscriptionId ?? ''),
        );
        return json(200, { recipient: email, ...(sub ?? {}) });
      },
    ),
    route('GET', '/account-info/v3/details', {}, () =>
      json(200, {
        portalId: d.portalId,
        accountType: 'STANDARD',
        timeZone: 'Etc/UTC',
        companyCurrency: 'USD',
        additionalCurrencies: [],
        utcOffset: '+00:00',
        utcOffsetMilliseconds: b.portalUtcOffsetMinutes * 60_000,
        uiDomain: 'app.hubspot.com',
        dataHostingLocation: 'na1',
      }),
    ),
    route('GET', '/account-info/v3/api-usage/daily/private-apps', {}, () =>
      json(200, {
        results: [
          {
            name: 'api-calls-daily',
            usageLimit: d.limiter.dailyLimit,
            currentUsage: d.limiter.dailyUsed,
            collectedAt: new Date(d.now()).toISOString(),
            fetchStatus: 'SUCCESS',
            resetsAt: new Date(d.limiter.dailyResetsAt(d.now())).toISOString(),
          },
        ],
      }),
    ),
  );

  function requireEnterprise(): void {
    if (b.eventsApiEnterpriseOnly && d.tier !== 'enterprise')
      throw new SandboxHttpError(
        403,
        errorBody('MISSING_SCOPES', 'This endpoint requires a Marketing Hub Enterprise subscription.', {
          subCategory: 'TIER_REQUIREMENT',
        }),
      );
  }

  return routes;
}
