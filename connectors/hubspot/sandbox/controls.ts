import { httpError, objectNotFound, validationError } from './errors.js';
import { EV, type EventKind } from './generator.js';
import { type Ctx, json, type Route, route } from './http.js';
import { CALL_DISPOSITIONS, CAMPAIGNS, FORMS, MEETING_OUTCOMES, PAGES, SITE } from './pools.js';
import type { RequestLog, SandboxState } from './server.js';
import { UI_WRITE } from './store.js';

/** One queued fault: applies to the next `remaining` HubSpot requests (optionally only under a path prefix). */
export interface Fault {
  kind: 'rate-limit' | 'status' | 'slow' | 'reset';
  remaining: number;
  pathPrefix?: string;
  policy?: 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY';
  status?: number;
  body?: Record<string, unknown>;
  ms?: number;
}

const TYPE_MAP: Record<string, EventKind> = {
  email_sent: EV.SENT,
  SENT: EV.SENT,
  DELIVERED: EV.DELIVERED,
  email_open: EV.OPEN,
  OPEN: EV.OPEN,
  email_click: EV.CLICK,
  CLICK: EV.CLICK,
  email_bounce: EV.BOUNCE,
  BOUNCE: EV.BOUNCE,
  unsubscribe: EV.UNSUBSCRIBE,
  STATUSCHANGE: EV.UNSUBSCRIBE,
  form_submission: EV.FORM,
  demo_request: EV.FORM,
  content_download: EV.FORM,
  page_view: EV.PAGE_VIEW,
  meeting_booked: EV.MEETING,
  meeting_held: EV.MEETING,
  call: EV.CALL,
};

function obj(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw validationError('Expected a JSON object.');
  return body as Record<string, unknown>;
}

function pageIndex(url: unknown): number {
  if (typeof url !== 'string') return 1;
  const path = url.startsWith(SITE) ? url.slice(SITE.length) : url;
  const i = PAGES.findIndex((p) => p.path === path.split('?')[0]);
  return Math.max(i, 0);
}

/** Test controls under /__sandbox/ (not HubSpot paths; no auth, no rate limits, not logged). */
export function controlRoutes(state: SandboxState, log: RequestLog): Route[] {
  const none = { auth: 'none' as const };
  const rowOf = (id: string) => {
    const row = state.store.resolve(id);
    if (row < 0) throw objectNotFound(id);
    return row;
  };
  const addEvent = (e: Record<string, unknown>) => {
    const type = String(e.type ?? '');
    const kind = TYPE_MAP[type];
    if (kind === undefined)
      throw validationError(`Unknown event type ${type}; one of ${Object.keys(TYPE_MAP).join(', ')}`);
    const row = rowOf(String(e.contactId ?? ''));
    const at =
      e.occurredAt === undefined
        ? state.now()
        : typeof e.occurredAt === 'number'
          ? e.occurredAt
          : Date.parse(String(e.occurredAt));
    let attr = 0;
    let aux = 0;
    const campaignIdx = Math.max(
      0,
      CAMPAIGNS.findIndex((c) => c.id === Number(e.campaignId)),
    );
    switch (kind) {
      case EV.SENT:
      case EV.DELIVERED:
      case EV.OPEN:
      case EV.UNSUBSCRIBE:
        attr = campaignIdx;
        break;
      case EV.CLICK:
        attr = campaignIdx;
        aux = pageIndex(e.url);
        break;
      case EV.BOUNCE:
        attr = campaignIdx;
        aux = e.bounceType === 'soft' ? 1 : 0;
        break;
      case EV.PAGE_VIEW:
        attr = pageIndex(e.url);
        break;
      case EV.FORM: {
        const byKind = type === 'demo_request' ? 'demo' : type === 'content_download' ? 'content' : undefined;
        const idx = FORMS.findIndex((f) => (byKind ? f.kind === byKind : f.guid === e.formId));
        attr = idx < 0 ? 3 : idx;
        break;
      }
      case EV.MEETING: {
        const outcome =
          typeof e.outcome === 'string' ? e.outcome : type === 'meeting_booked' ? 'SCHEDULED' : 'COMPLETED';
        attr = Math.max(0, MEETING_OUTCOMES.indexOf(outcome as (typeof MEETING_OUTCOMES)[number]));
        aux = Math.round(Number(e.durationSeconds ?? 1800) / 60);
        break;
      }
      case EV.CALL:
        attr = Math.max(
          0,
          CALL_DISPOSITIONS.findIndex((c) => c.label === e.outcome || c.id === e.outcome),
        );
        aux = Number(e.durationSeconds ?? 300);
        break;
    }
    const idx = state.engagement.addEvent(row, kind, at, attr, aux);
    return { index: idx, contactId: state.store.idOf(state.store.survivor(row)), kind, occurredAt: at };
  };

  return [
    route('GET', '/__sandbox/state', none, () =>
      json(200, {
        portalId: state.portalId,
        tier: state.tier,
        seed: state.seed,
        now: state.now(),
        contacts: state.store.rowCount,
        events: state.store.ds.events.length,
        dailyUsed: state.limiter.dailyUsed,
        faults: state.faults,
      }),
    ),
    route('POST', '/__sandbox/events', none, (ctx: Ctx) => {
      const body = ctx.body;
      const list = Array.isArray(body)
        ? body
        : Array.isArray(obj(body).events)
          ? (obj(body).events as unknown[])
          : [body];
      return json(201, { added: list.map((e) => addEvent(obj(e))) });
    }),
    route('GET', '/__sandbox/contacts/:id', none, (ctx) => {
      const raw = state.store.rawRow(ctx.params.id as string);
      if (raw < 0) throw objectNotFound(ctx.params.id as string);
      const row = state.store.survivor(raw);
      return json(200, {
        id: state.store.idOf(row),
        requestedId: ctx.params.id,
        archived: state.store.archivedAt.has(row),
        properties: state.store.allValues(row),
      });
    }),
    route('PATCH', '/__sandbox/contacts/:id', none, (ctx) => {
      const row = rowOf(ctx.params.id as string);
      // A system write: no validation, read-only properties allowed (simulates a human or a workflow).
      state.store.setValues(row, obj(obj(ctx.body).properties ?? {}), state.now(), UI_WRITE);
      return json(200, { id: state.store.idOf(row), properties: state.store.allValues(row) });
    }),
    route('POST', '/__sandbox/contacts', none, (ctx) => {
      const row = state.store.create(obj(obj(ctx.body).properties ?? {}));
      return json(201, { id: state.store.idOf(row) });
    }),
    route('POST', '/__sandbox/merge', none, (ctx) => {
      const b = obj(ctx.body);
      const survivor = state.store.merge(rowOf(String(b.primaryId)), rowOf(String(b.mergeId)));
      return json(200, { id: state.store.idOf(survivor) });
    }),
    route('POST', '/__sandbox/archive', none, (ctx) => {
      const ids = (obj(ctx.body).ids as unknown[]) ?? [];
      for (const id of ids) state.store.archive(rowOf(String(id)));
      return json(200, { archived: ids.length });
    }),
    route('POST', '/__sandbox/restore', none, (ctx) => {
      const ids = (obj(ctx.body).ids as unknown[]) ?? [];
      for (const id of ids) {
        const row = state.store.rawRow(String(id));
        if (row >= 0) state.store.restore(row);
      }
      return json(200, { restored: ids.length });
    }),
    route('POST', '/__sandbox/faults', none, (ctx) => {
      const b = obj(ctx.body);
      const kind = String(b.kind ?? '');
      const fault: Fault = {
        kind: kind === '429' ? 'rate-limit' : kind === '5xx' ? 'status' : (kind as Fault['kind']),
        remaining: Number(b.count ?? 1),
      };
      if (!['rate-limit', 'status', 'slow', 'reset'].includes(fault.kind))
        throw validationError('kind must be one of 429, rate-limit, 5xx, status, slow, reset');
      if (typeof b.pathPrefix === 'string') fault.pathPrefix = b.pathPrefix;
      if (typeof b.policy === 'string') fault.policy = b.policy as Fault['policy'];
      if (typeof b.status === 'number') fault.status = b.status;
      if (b.body && typeof b.body === 'object') fault.body = b.body as Record<string, unknown>;
      if (typeof b.ms === 'number') fault.ms = b.ms;
      state.faults.push(fault);
      return json(201, { faults: state.faults });
    }),
    route('DELETE', '/__sandbox/faults', none, () => {
      state.faults.splice(0);
      return { status: 204 };
    }),
    route('POST', '/__sandbox/batch-failures', none, (ctx) => {
      const b = obj(ctx.body);
      state.batchFailures.ids = new Set(((b.ids as unknown[]) ?? []).map(String));
      if (typeof b.category === 'string') state.batchFailures.category = b.category;
      if (typeof b.message === 'string') state.batchFailures.message = b.message;
      return json(200, { ids: [...state.batchFailures.ids] });
    }),
    route('DELETE', '/__sandbox/batch-failures', none, () => {
      state.batchFailures.ids = new Set();
      return { status: 204 };
    }),
    route('POST', '/__sandbox/tokens', none, (ctx) => {
      const b = obj(ctx.body ?? {});
      const scopes = Array.isArray(b.scopes) ? b.scopes.map(String) : [];
      if (b.kind === 'oauth') {
        const info = state.auth.mintAccessToken(
          scopes,
          typeof b.ttlSeconds === 'number' ? b.ttlSeconds : undefined,
        );
        return json(201, { token: info.token, expiresAt: info.expiresAt });
      }
      return json(201, { token: state.auth.mintPrivateToken(scopes) });
    }),
    route('POST', '/__sandbox/expire-token', none, (ctx) => {
      const b = (ctx.body ?? {}) as { token?: string };
      return json(200, { expired: state.auth.expire(b.token) });
    }),
    route('POST', '/__sandbox/revoke-refresh-token', none, (ctx) => {
      const b = (ctx.body ?? {}) as { token?: string };
      return json(200, { revoked: state.auth.revokeRefreshToken(b.token) });
    }),
    route('POST', '/__sandbox/revoke-private-token', none, (ctx) => {
      const b = (ctx.body ?? {}) as { token?: string };
      state.auth.revokePrivateToken(b.token ?? state.auth.privateToken);
      return json(200, { revoked: 1 });
    }),
    route('POST', '/__sandbox/authorization-code', none, (ctx) => {
      const b = (ctx.body ?? {}) as { scopes?: string[]; redirectUri?: string };
      const code = state.auth.mintAuthorizationCode(
        b.scopes ?? [...(state.auth.tokens.get(state.auth.privateToken)?.scopes ?? [])],
        b.redirectUri ?? state.auth.oauth.redirectUri,
      );
      return json(201, { code });
    }),
    route('POST', '/__sandbox/clock', none, (ctx) => {
      const b = obj(ctx.body);
      if (typeof b.advanceMs !== 'number') throw validationError('advanceMs (number) is required');
      state.clockOffsetMs += b.advanceMs;
      return json(200, { now: state.now() });
    }),
    route('POST', '/__sandbox/rate-limits/reset', none, () => {
      state.limiter.reset();
      return { status: 204 };
    }),
    route('GET', '/__sandbox/requests', none, () =>
      json(200, {
        total: [...log.counts.values()].reduce((a, c) => a + c, 0),
        countsByEndpoint: log.countsByEndpoint(),
        entries: log.entries,
      }),
    ),
    route('DELETE', '/__sandbox/requests', none, () => {
      log.clear();
      return { status: 204 };
    }),
    route('GET', '/__sandbox/behaviours', none, () => json(200, state.behaviours)),
    route('PATCH', '/__sandbox/behaviours', none, (ctx) => {
      Object.assign(state.behaviours, obj(ctx.body));
      return json(200, state.behaviours);
    }),
    route('GET', '/__sandbox', none, () => {
      throw httpError(404, 'OBJECT_NOT_FOUND', 'See connectors/hubspot/BEHAVIOR.md for the control API.');
    }),
  ];
}
