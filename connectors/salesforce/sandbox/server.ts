/**
 * A local Salesforce: OAuth token endpoint and REST API under /services/data/vNN.N, served with
 * node:http so that jsforce 3 runs against it unchanged. Test controls live under /__sandbox/.
 * Behaviour sources are listed in connectors/salesforce/BEHAVIOR.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { seededRandom } from '../../../src/util/random.js';
import { dailyAllowance, defaultBehaviours, type Edition, type SandboxBehaviours } from './behaviours.js';
import { handleControl } from './controls.js';
import { generateOrg } from './generate.js';
import { errorBody, readBody, send } from './http.js';
import { makeId, opaque } from './ids.js';
import { generateJwtKeys, OAuthServer } from './oauth.js';
import { createRestApi } from './rest.js';
import { SoqlError } from './soql.js';
import type { FaultSpec, RequestLogEntry, SandboxState } from './state.js';
import { type CustomFieldSpec, OrgStore } from './store.js';
import { RequestError, type SaveError } from './writes.js';

export type { FaultSpec, RequestLogEntry, SandboxState } from './state.js';
export type { CustomFieldSpec } from './store.js';

export interface SandboxOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  seed?: number;
  leads?: number;
  /** Standalone contacts; converted leads add more. Default leads / 5. */
  contacts?: number;
  edition?: Edition;
  /** Clock for generated history, sessions, windows and writes. */
  now?: () => number;
  behaviours?: Partial<SandboxBehaviours>;
  /** Custom fields that exist at start, with field-level security already granted. */
  customFields?: CustomFieldSpec[];
}

export interface SalesforceSandbox {
  loginUrl: string;
  instanceUrl: string;
  accessToken: string;
  oauth: { clientId: string; clientSecret: string; username: string; refreshToken: string };
  state: SandboxState;
  requestLog: RequestLogEntry[];
  close(): Promise<void>;
}

/** Versions resource: no authentication and no Sforce-Limit-Info header. https://developer.salesforce.com/docs/platform/api-rest/guide/dome-versions.md */
function versions() {
  const seasons = ['Winter', 'Spring', 'Summer'];
  const out = [];
  for (let v = 31; v <= 65; v++) {
    const k = v - 31;
    const year = String(14 + Math.floor((k + 1) / 3)).padStart(2, '0');
    out.push({ label: `${seasons[(k + 2) % 3]} '${year}`, url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return out;
}

function injectedFailure(status: number) {
  if (status === 503) return errorBody('SERVER_UNAVAILABLE', 'Server temporarily unavailable');
  if (status >= 500) {
    return errorBody(
      'UNKNOWN_EXCEPTION',
      'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)',
    );
  }
  return errorBody(`ERROR_${status}`, `Injected ${status}`);
}

export async function startSalesforceSandbox(options: SandboxOptions = {}): Promise<SalesforceSandbox> {
  const now = options.now ?? Date.now;
  const edition = options.edition ?? 'enterprise';
  const behaviours: SandboxBehaviours = { ...defaultBehaviours(), ...options.behaviours };
  const seed = options.seed ?? 42;
  const leads = options.leads ?? 2000;
  const keysPending = generateJwtKeys();
  const org = generateOrg({
    seed,
    leads,
    contacts: options.contacts ?? Math.round(leads / 5),
    anchor: Math.floor(now() / 60_000) * 60_000,
    conversionMovesActivities: behaviours.conversionMovesActivities,
    systemTouches: behaviours.activityTouchesParentModstamp,
    archiveDays: behaviours.activityArchiveDays,
  });
  const random = seededRandom(seed ^ 0x5f0);
  const orgId = makeId('00D', Math.floor(random() * 1e6));
  const integrationUser = makeId('005', 0);
  const clientId = `3MVG9${opaque(random, 80)}`;
  const clientSecret = opaque(random, 64).toUpperCase();
  const username = 'integration@sandbox-org.example.com';
  const store = new OrgStore(org, behaviours, now, integrationUser);
  for (const spec of options.customFields ?? []) store.createCustomField(spec, true);
  const jwtKeys = await keysPending;

  let apiUsage = behaviours.initialApiUsage;
  let allowance = dailyAllowance(edition, behaviours);
  const faults: (FaultSpec & { remaining: number })[] = [];
  const recordFailures = new Map<string, SaveError>();
  const requestLog: RequestLogEntry[] = [];
  /** Requests still being answered, by start time (for the long-running concurrency limit). */
  const inFlight = new Set<{ started: number }>();

  // Node's own header limit (16 KB) would answer 431 before the handler; the handler applies Salesforce's.
  const server = createServer({ maxHeaderSize: 256 * 1024 });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const baseUrl = `http://${host}:${address.port}`;
  const oauth = new OAuthServer(
    {
      loginUrl: baseUrl,
      instanceUrl: baseUrl,
      clientId,
      clientSecret,
      username,
      orgId,
      userId: integrationUser,
      clientCredentialsEnabled: true,
      refreshTokenRotation: behaviours.refreshTokenRotation,
      jwtClockSkewSeconds: behaviours.jwtClockSkewSeconds,
      publicKeyPem: jwtKeys.publicKey,
    },
    now,
    () => behaviours.sessionTimeoutMs,
  );
  const refreshToken = oauth.issueRefreshToken(`5Aep861${opaque(random, 80)}`);
  const accessToken = oauth.issueAccessToken('refresh_token');
  const api = createRestApi({
    store,
    behaviours,
    edition,
    now,
    identityUrl: oauth.identityUrl,
    apiUsage: () => apiUsage,
    allowance: () => allowance,
    recordFailures,
  });

  const state: SandboxState = {
    org,
    behaviours,
    edition,
    get apiUsage() {
      return apiUsage;
    },
    get allowance() {
      return allowance;
    },
    requestLog,
    jwt: jwtKeys,
    table: (name) => store.table(name),
    summary: () => ({
      apiUsage,
      allowance,
      edition,
      tables: Object.fromEntries([...org.tables].map(([k, t]) => [k, t.rows])),
      openCursors: api.openCursors(),
      sessions: oauth.sessions.size,
    }),
    expireSessions: () => oauth.expireAll(),
    revokeRefreshToken: (token) => {
      const target = oauth.refreshTokens.get(token ?? refreshToken);
      if (target) target.revoked = true;
    },
    injectFault: (fault) => faults.push({ ...fault, remaining: fault.count ?? 1 }),
    clearFaults: () => {
      faults.length = 0;
    },
    exhaustDailyLimit: () => {
      apiUsage = allowance;
    },
    setApiUsage: (used) => {
      apiUsage = used;
    },
    setAllowance: (max) => {
      allowance = max;
    },
    failRecords: (failures) => {
      for (const [id, f] of Object.entries(failures)) {
        recordFailures.set(id.slice(0, 15), {
          statusCode: f.statusCode ?? 'UNABLE_TO_LOCK_ROW',
          message: f.message ?? 'unable to obtain exclusive access to this record or 1 records',
          fields: f.fields ?? [],
        });
      }
    },
    clearRecordFailures: () => recordFailures.clear(),
    record: (type, id) => store.record(type, id),
    editRecord: (type, id, values) => store.editRecord(type, id, values),
    addActivity: (type, values) => store.createRecord(type, values),
    mergeRecords: (type, masterId, loserIds) => store.mergeRecords(type, masterId, loserIds),
    convertLead: (leadId, opts) => store.convertLead(leadId, opts),
    createCustomField: (spec, visible) => store.createCustomField(spec, visible),
    grantFieldAccess: (fullName) => store.grantFieldAccess(fullName),
    setAccess: (object, field, access) => store.setAccess(object, field, access),
  };

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
  const limitHeader = (): Record<string, string> => ({
    'Sforce-Limit-Info': `api-usage=${apiUsage}/${allowance}${behaviours.limitInfoBursts ? '; api-bursts=1/750' : ''}`,
  });

  const identity = () => ({
    id: oauth.identityUrl,
    user_id: integrationUser,
    organization_id: orgId,
    username,
    display_name: 'Integration User',
    email: username,
    active: true,
    user_type: 'STANDARD',
    urls: {
      rest: `${baseUrl}/services/data/v{version}/`,
      query: `${baseUrl}/services/data/v{version}/query/`,
    },
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', baseUrl);
    const path = url.pathname;
    if (path.startsWith('/__sandbox/')) return handleControl(req, res, url, state);
    const flight = { started };
    inFlight.add(flight);
    res.on('close', () => inFlight.delete(flight));
    let apiCounted = false;
    const respond = (status: number, body: unknown, headers: Record<string, string> = {}, html = false) => {
      requestLog.push({
        at: now(),
        method: req.method ?? 'GET',
        path: `${path}${url.search}`,
        status,
        apiCounted,
        ms: Date.now() - started,
      });
      if (!html) return send(res, status, body, headers);
      res.writeHead(status, {
        'Content-Type': 'text/html;charset=iso-8859-1',
        'Content-Length': Buffer.byteLength(String(body)),
        Connection: 'close',
      });
      res.end(body);
    };

    // "the maximum length for the combined URI and headers is 16,384 bytes": 414 for the URI alone, else 431.
    // https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
    const uriBytes = Buffer.byteLength(req.url ?? '');
    const headerBytes = req.rawHeaders.reduce((n, h) => n + Buffer.byteLength(h) + 2, 0);
    if (uriBytes + headerBytes > behaviours.maxUriBytes) {
      const status = uriBytes > behaviours.maxUriBytes ? 414 : 431;
      const reason = status === 414 ? 'URI Too Long' : 'Request Header Fields Too Large';
      return respond(status, `<h1>Bad Message ${status}</h1><pre>reason: ${reason}</pre>`, {}, true);
    }

    const fault = faults.find((f) => f.remaining > 0 && (!f.pathIncludes || path.includes(f.pathIncludes)));
    if (fault) {
      fault.remaining--;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.reset) {
        requestLog.push({
          at: now(),
          method: req.method ?? 'GET',
          path: `${path}${url.search}`,
          status: 0,
          apiCounted,
          ms: Date.now() - started,
        });
        req.socket.destroy();
        return;
      }
      if (fault.status) return respond(fault.status, injectedFailure(fault.status));
    }

    if (path === '/services/oauth2/authorize' && req.method === 'GET') {
      const result = oauth.authorize(url.searchParams);
      if ('redirect' in result) {
        requestLog.push({
          at: now(),
          method: 'GET',
          path,
          status: 302,
          apiCounted,
          ms: Date.now() - started,
        });
        res.writeHead(302, { Location: result.redirect, 'Content-Length': 0 });
        return res.end();
      }
      return respond(result.status, result.body);
    }
    if (path === '/services/oauth2/token' && req.method === 'POST') {
      const result = oauth.token(new URLSearchParams(await readBody(req)));
      return respond(result.status, result.body);
    }
    if (path === '/services/oauth2/revoke' && req.method === 'POST') {
      const token =
        new URLSearchParams(await readBody(req)).get('token') ?? url.searchParams.get('token') ?? '';
      oauth.sessions.delete(token);
      const known = oauth.refreshTokens.get(token);
      if (known) known.revoked = true;
      return respond(200, {});
    }
    if (path === '/services/data' || path === '/services/data/') return respond(200, versions());

    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ')
      ? auth.slice(7)
      : auth?.startsWith('OAuth ')
        ? auth.slice(6)
        : undefined;
    if (/^\/id\/[^/]+\/[^/]+\/?$/.test(path)) {
      if (!oauth.validSession(token ?? url.searchParams.get('oauth_token') ?? undefined))
        return respond(403, 'Bad_OAuth_Token');
      return respond(200, identity());
    }
    const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
    if (!m) return respond(404, errorBody('NOT_FOUND', 'The requested resource does not exist'));
    // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm (401)
    if (!oauth.validSession(token))
      return respond(401, errorBody('INVALID_SESSION_ID', 'Session expired or invalid'));
    // More than 25 (5 on Developer Edition) requests already running for 20 s or more: REQUEST_LIMIT_EXCEEDED.
    // https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html
    const longLimit = behaviours.concurrentLongRunning ?? (edition === 'developer' ? 5 : 25);
    let longRunning = 0;
    for (const other of inFlight) if (started - other.started >= behaviours.longRunningMs) longRunning++;
    if (longRunning >= longLimit) {
      return respond(
        403,
        errorBody('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'),
        limitHeader(),
      );
    }
    // Daily allowance exhausted: 403, not 429, and no Retry-After.
    if (apiUsage >= allowance)
      return respond(
        403,
        errorBody('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
        limitHeader(),
      );
    apiUsage++;
    apiCounted = true;
    const version = m[1] as string;
    const rest = (m[2] ?? '/').replace(/\/+$/, '') || '/';
    try {
      const out = await api.route(req, url, version, rest);
      return respond(out.status, out.body, { ...limitHeader(), ...(out.headers ?? {}) });
    } catch (e) {
      if (e instanceof RequestError)
        return respond(e.status, errorBody(e.errorCode, e.message, e.fields), limitHeader());
      if (e instanceof SoqlError) return respond(400, errorBody(e.errorCode, e.message), limitHeader());
      return respond(
        500,
        errorBody('UNKNOWN_EXCEPTION', `An unexpected error occurred: ${(e as Error).message}`),
        limitHeader(),
      );
    }
  };

  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('request', (req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, errorBody('UNKNOWN_EXCEPTION', String(e)));
    });
  });

  return {
    loginUrl: baseUrl,
    instanceUrl: baseUrl,
    accessToken,
    oauth: { clientId, clientSecret, username, refreshToken },
    state,
    requestLog,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
