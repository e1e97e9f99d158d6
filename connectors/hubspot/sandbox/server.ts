import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthState, type OAuthCredentials } from './auth.js';
import { resolveBehaviours, type SandboxBehaviours, type Tier } from './behaviours.js';
import { controlRoutes, type Fault } from './controls.js';
import { DealStore, dealControlRoutes, dealRoutes } from './deals.js';
import { Engagement } from './engagement.js';
import { correlationId, errorBody, httpError, SandboxHttpError } from './errors.js';
import { generateDataset } from './generator.js';
import { type Ctx, json, type Reply, type Route, route } from './http.js';
import { RateLimiter } from './ratelimit.js';
import { type BatchFailureInjection, buildRoutes } from './routes.js';
import { ContactStore } from './store.js';
import { HandoffObjects, handoffRoutes } from './tasks.js';

export interface HubSpotSandboxOptions {
  port?: number;
  host?: string;
  seed?: number;
  contacts?: number;
  tier?: Tier;
  /** Clock (epoch ms); inject one so rate-limit and token-expiry tests need not sleep. */
  now?: () => number;
  behaviours?: Partial<SandboxBehaviours>;
  /** Average stored engagement events per contact (default 10). */
  eventsPerContact?: number;
  /** Epoch ms the generated history ends at (default: start of the current UTC day, by the clock). */
  dataAnchor?: number;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  /** Route key, e.g. "POST /crm/v3/objects/contacts/search". */
  endpoint: string;
  status: number;
  requestBytes: number;
  responseBytes: number;
  ms: number;
  at: number;
}

export class RequestLog {
  entries: RequestLogEntry[] = [];
  counts = new Map<string, number>();
  constructor(private readonly max: number) {}
  add(e: RequestLogEntry): void {
    this.entries.push(e);
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
    this.counts.set(e.endpoint, (this.counts.get(e.endpoint) ?? 0) + 1);
  }
  clear(): void {
    this.entries = [];
    this.counts.clear();
  }
  countsByEndpoint(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort());
  }
}

export interface SandboxState {
  store: ContactStore;
  engagement: Engagement;
  deals: DealStore;
  auth: AuthState;
  limiter: RateLimiter;
  behaviours: SandboxBehaviours;
  faults: Fault[];
  batchFailures: BatchFailureInjection;
  /** Owners (archived, deactivated) and tasks, for the hand-off (tasks.ts). */
  handoff: HandoffObjects;
  /** Added to the injected clock by POST /__sandbox/clock. */
  clockOffsetMs: number;
  now: () => number;
  portalId: number;
  tier: Tier;
  seed: number;
}

export interface HubSpotSandbox {
  baseUrl: string;
  /** A private-app token with every scope the connector needs. */
  token: string;
  oauth: OAuthCredentials;
  portalId: number;
  state: SandboxState;
  requestLog: RequestLog;
  close(): Promise<void>;
}

const PORTAL_ID = 48_213_577;

export async function startHubSpotSandbox(options: HubSpotSandboxOptions = {}): Promise<HubSpotSandbox> {
  const behaviours = resolveBehaviours(options.behaviours);
  const seed = options.seed ?? 42;
  const tier = options.tier ?? 'professional';
  const baseClock = options.now ?? Date.now;
  const state = {} as SandboxState;
  const now = () => baseClock() + state.clockOffsetMs;
  // History is anchored to the start of the current UTC day, so a seed gives identical data all day long.
  const anchor = options.dataAnchor ?? Math.floor(baseClock() / 86_400_000) * 86_400_000;
  const ds = generateDataset({
    seed,
    contacts: options.contacts ?? 2000,
    now: anchor,
    eventsPerContact: options.eventsPerContact ?? 10,
  });
  const store = new ContactStore(ds, behaviours, now);
  Object.assign(state, {
    store,
    engagement: new Engagement(store, behaviours, now, PORTAL_ID),
    deals: new DealStore(store, now, seed),
    auth: new AuthState(seed, PORTAL_ID, now, behaviours),
    limiter: new RateLimiter(tier, behaviours),
    behaviours,
    faults: [],
    batchFailures: { ids: new Set<string>(), category: 'OBJECT_NOT_FOUND', message: 'Injected failure' },
    handoff: new HandoffObjects(now),
    clockOffsetMs: 0,
    now,
    portalId: PORTAL_ID,
    tier,
    seed,
  } satisfies SandboxState);

  const log = new RequestLog(behaviours.requestLogMax);
  const apiRoutes = [
    ...oauthRoutes(state),
    ...handoffRoutes({ store, objects: state.handoff, b: behaviours, now }),
    ...dealRoutes({ deals: state.deals, store, b: behaviours, now }),
    ...buildRoutes({
      store,
      engagement: state.engagement,
      auth: state.auth,
      limiter: state.limiter,
      b: behaviours,
      now,
      tier,
      portalId: PORTAL_ID,
      batchFailures: state.batchFailures,
    }),
  ];
  const controls = [...dealControlRoutes(state.deals, store), ...controlRoutes(state, log)];

  const server = createServer((req, res) => {
    handle(req, res, state, apiRoutes, controls, log, baseUrlOf()).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, errorBody('INTERNAL_ERROR', String(err)), {});
    });
  });
  server.keepAliveTimeout = 5000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  function baseUrlOf() {
    return baseUrl;
  }

  return {
    baseUrl,
    token: state.auth.privateToken,
    oauth: state.auth.oauth,
    portalId: PORTAL_ID,
    state,
    requestLog: log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): number {
  const bodyId = (body as { correlationId?: unknown } | undefined)?.correlationId;
  const h: Record<string, string> = {
    'X-HubSpot-Correlation-Id': typeof bodyId === 'string' ? bodyId : correlationId(),
    ...headers,
  };
  if (status === 204 || body === undefined) {
    res.writeHead(status, h);
    res.end();
    return 0;
  }
  const text = JSON.stringify(body);
  // Content-Type on every body, errors included: the SDK cannot parse a body without it.
  res.writeHead(status, {
    ...h,
    'Content-Type': 'application/json;charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
  return Buffer.byteLength(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 10_000_000) throw httpError(413, 'VALIDATION_ERROR', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function match(
  routes: Route[],
  method: string,
  path: string,
): { route?: Route; params: Record<string, string>; pathMatched: boolean } {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = decodeURIComponent(v);
    return { route: r, params, pathMatched };
  }
  return { params: {}, pathMatched };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  state: SandboxState,
  apiRoutes: Route[],
  controls: Route[],
  log: RequestLog,
  baseUrl: string,
): Promise<void> {
  const started = performance.now();
  const url = new URL(req.url ?? '/', 'http://sandbox.local');
  let path = url.pathname;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const method = (req.method ?? 'GET').toUpperCase();
  const isControl = path.startsWith('/__sandbox');
  const raw = await readBody(req);
  let endpoint = `${method} ${path}`;
  let status = 500;
  let bytes = 0;
  let limitHeaders: Record<string, string> = {};
  try {
    const { route: r, params, pathMatched } = match(isControl ? controls : apiRoutes, method, path);
    if (r) endpoint = r.key;
    if (!isControl) {
      const fault = takeFault(state, path);
      if (fault?.kind === 'reset') {
        status = 0;
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.ms ?? 0));
      if (fault?.kind === 'status')
        throw new SandboxHttpError(
          fault.status ?? 500,
          fault.body ?? errorBody('INTERNAL_ERROR', 'Internal error (injected)'),
        );
      if (fault?.kind === 'rate-limit') {
        const token = safeToken(state, req.headers.authorization);
        throw state.limiter.forced(fault.policy ?? 'TEN_SECONDLY_ROLLING', token);
      }
    }
    if (!r) {
      throw pathMatched
        ? httpError(405, 'VALIDATION_ERROR', `Method ${method} not allowed on ${path}`)
        : httpError(404, 'OBJECT_NOT_FOUND', `No route for ${method} ${path}`);
    }
    const ctx: Ctx = {
      method,
      path,
      params,
      query: url.searchParams,
      rawBody: raw,
      body: undefined,
      req,
      baseUrl,
    };
    const type = String(req.headers['content-type'] ?? '');
    if (raw && !type.includes('x-www-form-urlencoded')) {
      try {
        ctx.body = JSON.parse(raw);
      } catch {
        throw httpError(
          400,
          'VALIDATION_ERROR',
          'Invalid input JSON on line 1: could not parse the request body.',
        );
      }
    }
    if (r.auth === 'bearer') {
      const token = state.auth.authenticate(req.headers.authorization);
      ctx.token = token;
      state.auth.requireScopes(token, r.scopes);
      if (r.limit !== 'none') limitHeaders = state.limiter.take(r.limit, token, state.now());
    }
    const reply: Reply = await r.handler(ctx);
    status = reply.status;
    bytes = send(res, reply.status, reply.body, { ...limitHeaders, ...(reply.headers ?? {}) });
  } catch (err) {
    if (err instanceof SandboxHttpError) {
      status = err.statusCode;
      // A counted request that then fails still carries the rate-limit headers.
      bytes = send(res, err.statusCode, err.body, { ...limitHeaders, ...err.headers });
    } else {
      status = 500;
      bytes = send(
        res,
        500,
        errorBody('INTERNAL_ERROR', err instanceof Error ? err.message : String(err)),
        {},
      );
    }
  } finally {
    if (!isControl)
      log.add({
        method,
        path,
        endpoint,
        status,
        requestBytes: Buffer.byteLength(raw),
        responseBytes: bytes,
        ms: Math.round((performance.now() - started) * 10) / 10,
        at: state.now(),
      });
  }
}

function safeToken(state: SandboxState, header: string | undefined) {
  try {
    return state.auth.authenticate(header);
  } catch {
    return undefined;
  }
}

function takeFault(state: SandboxState, path: string): Fault | undefined {
  const i = state.faults.findIndex((f) => !f.pathPrefix || path.startsWith(f.pathPrefix));
  if (i < 0) return undefined;
  const f = state.faults[i] as Fault;
  f.remaining--;
  if (f.remaining <= 0) state.faults.splice(i, 1);
  return f;
}

function oauthRoutes(state: SandboxState): Route[] {
  const none = { auth: 'none' as const };
  return [
    // https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/refresh-oauth-token
    route('POST', '/oauth/v1/token', none, (ctx) => {
      const form = new URLSearchParams(ctx.rawBody);
      for (const [k, v] of ctx.query) if (!form.has(k)) form.set(k, v);
      const out = state.auth.tokenEndpoint(form);
      return json(out.status, out.body);
    }),
    route('GET', '/oauth/v1/access-tokens/:token', none, (ctx) => {
      const info = state.auth.accessTokenInfo(ctx.params.token as string);
      if (!info) throw httpError(404, 'OBJECT_NOT_FOUND', 'Token not found or expired');
      return json(200, info);
    }),
    route('GET', '/oauth/v1/refresh-tokens/:token', none, (ctx) => {
      const info = state.auth.refreshTokenInfo(ctx.params.token as string);
      if (!info) throw httpError(404, 'OBJECT_NOT_FOUND', 'Refresh token not found');
      return json(200, info);
    }),
    route('DELETE', '/oauth/v1/refresh-tokens/:token', none, (ctx) => {
      state.auth.revokeRefreshToken(ctx.params.token as string);
      return { status: 204 };
    }),
    // Private apps: POST the token itself; answers {userId, hubId, appId, scopes}.
    // https://developers.hubspot.com/docs/api/private-apps (end of page)
    route('POST', '/oauth/v2/private-apps/get/access-token-info', none, (ctx) => {
      const body = (ctx.body ?? {}) as { tokenKey?: string };
      const info = state.auth.privateTokenInfo(String(body.tokenKey ?? ''));
      if (!info)
        throw new SandboxHttpError(
          401,
          errorBody('INVALID_AUTHENTICATION', 'The token key provided is not valid.'),
        );
      return json(200, info);
    }),
    // The consent screen lives on app.hubspot.com; the sandbox approves at once and redirects with a code.
    route('GET', '/oauth/authorize', none, (ctx) => {
      const redirect = ctx.query.get('redirect_uri') ?? state.auth.oauth.redirectUri;
      if (ctx.query.get('client_id') !== state.auth.oauth.clientId)
        throw httpError(400, 'VALIDATION_ERROR', 'Unknown client_id');
      const scopes = (ctx.query.get('scope') ?? '').split(/[ +]/).filter(Boolean);
      const code = state.auth.mintAuthorizationCode(
        scopes.length ? scopes : [...state.auth.tokens.get(state.auth.privateToken)!.scopes],
        redirect,
      );
      const location = new URL(redirect);
      location.searchParams.set('code', code);
      const st = ctx.query.get('state');
      if (st) location.searchParams.set('state', st);
      return {
        status: 302,
        body: { redirect: location.toString() },
        headers: { Location: location.toString() },
      };
    }),
  ];
}
