import { createSign } from 'node:crypto';
import { Connection } from 'jsforce';
import type { Logger } from 'pino';
import type { SalesforceConfig, SecretRef } from '../../src/config/schema.js';
import { type ErrorCode, LeadscoreError } from '../../src/errors.js';
import { type Lane, Pacer, withRetries } from '../../src/sync/pacing.js';
import {
  classify,
  DAILY_WINDOW_MS,
  dailyBudget,
  describeFailure,
  type LaneName,
  lanesFor,
  RATE_LIMIT_PROBE_MS,
  type SalesforceEdition,
} from './limits.js';
import { limitsSchema, parseResponse, tokenResponseSchema } from './schemas.js';

/**
 * jsforce behind pacing, retries, API counting and the daily budget. Every REST call goes through `request`
 * (jsforce `conn.request`, which keeps jsforce's refresh-and-replay on 401 and returns the raw JSON for zod).
 * The session is refreshed only on a 401: tokens carry no expires_in (BEHAVIOR 1).
 */

export type SalesforceAuth =
  | {
      kind: 'refreshToken';
      clientId: string;
      clientSecret?: string;
      refreshToken: string;
      /** A stored access token; used until a 401 says otherwise. */
      accessToken?: string;
    }
  | {
      /** JWT bearer: re-signs an assertion for each new session; no refresh token (BEHAVIOR 5). */
      kind: 'jwt';
      clientId: string;
      username: string;
      privateKey: string;
      accessToken?: string;
    }
  | { kind: 'accessToken'; accessToken: string };

export interface SalesforceClientOptions {
  auth: SalesforceAuth;
  loginUrl: string;
  instanceUrl?: string;
  /** Default '62.0' (jsforce alone would use 50.0). */
  apiVersion?: string;
  edition?: SalesforceEdition;
  /** Stop before this share of the org's allowance is used (config `limits.dailyBudgetShare`). */
  dailyBudgetShare?: number;
  lanes?: Partial<Record<LaneName, Lane>>;
  maxAttempts?: number;
  /** Give up on one request after this long (default 120 s; jsforce alone waits 30 min); retried like a dropped connection. */
  requestTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  logger?: Logger;
  /** Called after each new session, so the caller can store the (encrypted) tokens. */
  onTokens?: (tokens: { accessToken: string; instanceUrl: string; refreshToken?: string }) => void;
}

export interface ApiCounters {
  /** Requests sent through `request` (jsforce's own replays after a refresh are not counted again). */
  calls: number;
  /** REQUEST_LIMIT_EXCEEDED answers. */
  rateLimited: number;
  /** Retries after a 5xx, a network error or an unparseable body. */
  retries: number;
  refreshes: number;
  byEndpoint: Record<string, number>;
}

export class SalesforceApiError extends LeadscoreError {
  /** Salesforce's errorCode (e.g. INVALID_FIELD), when there was one. */
  readonly errorCode: string | undefined;
  readonly retryAt: number | undefined;
  constructor(
    code: ErrorCode,
    message: string,
    details: { errorCode?: string; retryAt?: number; cause?: unknown; hint?: string } = {},
  ) {
    super(code, message, {
      ...(details.cause !== undefined ? { cause: details.cause } : {}),
      ...(details.hint ? { hint: details.hint } : {}),
    });
    this.name = 'SalesforceApiError';
    this.errorCode = details.errorCode;
    this.retryAt = details.retryAt;
  }
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the versioned base (`/query?q=...`) or from the root (`/services/data/...`). */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

type TokenResponse = { access_token: string; instance_url: string; refresh_token?: string; id?: string };

/** An RS256 JWT bearer assertion (https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_jwt_flow.htm). */
export function jwtAssertion(options: {
  clientId: string;
  username: string;
  audience: string;
  privateKey: string;
  now: number;
}): string {
  const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');
  const header = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = b64(
    JSON.stringify({
      iss: options.clientId,
      sub: options.username,
      aud: options.audience,
      exp: Math.floor(options.now / 1000) + 180,
    }),
  );
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${claims}`);
  return `${header}.${claims}.${b64(signer.sign(options.privateKey))}`;
}

export class SalesforceClient {
  readonly conn: Connection;
  readonly pacer: Pacer;
  readonly counters: ApiCounters = { calls: 0, rateLimited: 0, retries: 0, refreshes: 0, byEndpoint: {} };
  readonly apiVersion: string;
  /** The latest `Sforce-Limit-Info: api-usage=used/limit` seen (jsforce keeps it in conn.limitInfo). */
  apiUsage: { used: number; limit: number } | undefined;
  private readonly options: SalesforceClientOptions;
  private readonly now: () => number;
  private sessionPromise: Promise<void> | undefined;

  constructor(options: SalesforceClientOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.apiVersion = options.apiVersion ?? '62.0';
    this.pacer = new Pacer({ ...lanesFor(options.edition), ...(options.lanes ?? {}) });
    const auth = options.auth;
    const loginUrl = options.loginUrl.replace(/\/$/, '');
    const instanceUrl = options.instanceUrl ?? loginUrl;
    if (auth.kind === 'accessToken') {
      this.conn = new Connection({ instanceUrl, accessToken: auth.accessToken, version: this.apiVersion });
    } else {
      this.conn = new Connection({
        instanceUrl,
        version: this.apiVersion,
        ...(auth.accessToken ? { accessToken: auth.accessToken } : {}),
        oauth2: {
          loginUrl,
          clientId: auth.clientId,
          ...(auth.kind === 'refreshToken' && auth.clientSecret ? { clientSecret: auth.clientSecret } : {}),
        },
        // Our own refresh function: jsforce's default drops a rotated refresh_token (BEHAVIOR 1) and has no JWT flow.
        refreshFn: (_conn, callback) => {
          this.newSession()
            .then((res) => callback(undefined, res.access_token, res as never))
            .catch((error: unknown) => callback(error as Error));
        },
      });
      if (auth.kind === 'refreshToken') this.conn.refreshToken = auth.refreshToken;
    }
    this.conn.on('refresh', () => {
      this.counters.refreshes++;
      this.options.logger?.debug('Salesforce session refreshed');
    });
  }

  private async newSession(): Promise<TokenResponse> {
    const auth = this.options.auth;
    const endpoint = 'POST /services/oauth2/token';
    this.count(endpoint);
    let raw: unknown;
    try {
      if (auth.kind === 'refreshToken')
        raw = await this.conn.oauth2.refreshToken(this.conn.refreshToken ?? auth.refreshToken);
      else if (auth.kind === 'jwt') {
        raw = await this.conn.oauth2.requestToken({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: jwtAssertion({
            clientId: auth.clientId,
            username: auth.username,
            audience: this.options.loginUrl.replace(/\/$/, ''),
            privateKey: auth.privateKey,
            now: this.now(),
          }),
        });
      } else throw new Error('invalid_grant: a bare access token cannot be refreshed');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new SalesforceApiError(
        'ERR_CRM_AUTH',
        `Salesforce refused the ${auth.kind === 'jwt' ? 'JWT bearer assertion' : 'OAuth refresh token'} (${message}); re-authorise the connected app`,
        { errorCode: 'invalid_grant', cause: error },
      );
    }
    const tokens = parseResponse(tokenResponseSchema, raw, endpoint);
    this.conn._establish({
      instanceUrl: tokens.instance_url,
      accessToken: tokens.access_token,
      ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    });
    if (tokens.refresh_token) this.conn.refreshToken = tokens.refresh_token;
    this.options.onTokens?.({
      accessToken: tokens.access_token,
      instanceUrl: tokens.instance_url,
      ...(this.conn.refreshToken ? { refreshToken: this.conn.refreshToken } : {}),
    });
    return tokens;
  }

  /** Gets a first session when none is stored; afterwards jsforce refreshes on 401. */
  private ensureSession(): Promise<void> {
    if (this.conn.accessToken) return Promise.resolve();
    this.sessionPromise ??= this.newSession()
      .then(() => undefined)
      .finally(() => {
        this.sessionPromise = undefined;
      });
    return this.sessionPromise;
  }

  /** Calls left in leadscore's share of the allowance (undefined before the first Sforce-Limit-Info). */
  remainingBudget(): number | undefined {
    const share = this.options.dailyBudgetShare;
    if (share === undefined || !this.apiUsage) return undefined;
    const budget = dailyBudget(this.apiUsage.limit, share);
    return Math.max(0, budget - this.apiUsage.used);
  }

  private checkBudget(endpoint: string): void {
    const remaining = this.remainingBudget();
    if (remaining === undefined || remaining > 0) return;
    const usage = this.apiUsage;
    const retryAt = this.now() + RATE_LIMIT_PROBE_MS;
    throw new SalesforceApiError(
      'ERR_CRM_RATE_LIMITED',
      `leadscore's share (${this.options.dailyBudgetShare}) of the org's daily API allowance is spent (api-usage ${usage?.used}/${usage?.limit}); ${endpoint} waits. The allowance is a rolling 24-hour window: calls free up as those made 24 h ago age out, all of them by ${new Date(this.now() + DAILY_WINDOW_MS).toISOString()}; leadscore looks again at ${new Date(retryAt).toISOString()}`,
      { retryAt },
    );
  }

  private count(endpoint: string): void {
    this.counters.calls++;
    this.counters.byEndpoint[endpoint] = (this.counters.byEndpoint[endpoint] ?? 0) + 1;
  }

  /** One REST call, paced, retried per limits.ts, its api-usage tracked, its errors coded. */
  async request(endpoint: string, spec: RequestSpec): Promise<unknown> {
    await this.ensureSession();
    this.checkBudget(endpoint);
    try {
      return await withRetries(
        () =>
          this.pacer.run('api', async () => {
            this.count(endpoint);
            try {
              return await this.conn.request(
                {
                  method: spec.method,
                  url: spec.url,
                  ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
                  headers: {
                    ...(spec.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
                    ...(spec.headers ?? {}),
                  },
                },
                // jsforce's own retries (GET only, 5 with backoff) stay off: one retry policy, ours, counted.
                { retry: { maxRetries: 0 }, timeout: this.options.requestTimeoutMs ?? 120_000 },
              );
            } finally {
              const info = this.conn.limitInfo?.apiUsage;
              if (info) this.apiUsage = { used: info.used, limit: info.limit };
            }
          }),
        {
          classify: (error, attempt) => {
            const decision = classify(error, attempt);
            if (decision.action === 'retry') this.counters.retries++;
            return decision;
          },
          ...(this.options.maxAttempts !== undefined ? { maxAttempts: this.options.maxAttempts } : {}),
          ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
          onRetry: (decision, attempt) =>
            this.options.logger?.debug(
              { endpoint, attempt, reason: decision.reason },
              'Salesforce call retried',
            ),
        },
      );
    } catch (error) {
      throw this.toLeadscoreError(error, endpoint);
    }
  }

  /** GET /limits: DailyApiRequests {Max, Remaining} (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_limits.htm). */
  async limits(): Promise<{ max: number; remaining: number }> {
    const endpoint = 'GET /limits';
    const raw = await this.request(endpoint, { method: 'GET', url: '/limits' });
    const daily = parseResponse(limitsSchema, raw, endpoint).DailyApiRequests;
    this.apiUsage = { used: daily.Max - daily.Remaining, limit: daily.Max };
    return { max: daily.Max, remaining: daily.Remaining };
  }

  toLeadscoreError(error: unknown, endpoint: string): LeadscoreError {
    if (error instanceof LeadscoreError) return error;
    const failure = describeFailure(error);
    const errorCode = 'errorCode' in failure ? failure.errorCode : undefined;
    const base = { cause: error, ...(errorCode ? { errorCode } : {}) };
    switch (failure.kind) {
      case 'refresh':
      case 'auth':
        return new SalesforceApiError(
          'ERR_CRM_AUTH',
          `Salesforce refused the session on ${endpoint} (${failure.message})`,
          base,
        );
      case 'daily-limit': {
        this.counters.rateLimited++;
        const retryAt = this.now() + RATE_LIMIT_PROBE_MS;
        return new SalesforceApiError(
          'ERR_CRM_RATE_LIMITED',
          `Salesforce answered REQUEST_LIMIT_EXCEEDED on ${endpoint}: the org's daily API allowance${this.apiUsage ? ` (${this.apiUsage.limit})` : ''} is spent. It is a rolling 24-hour window: calls free up as those made 24 h ago age out, all of them by ${new Date(this.now() + DAILY_WINDOW_MS).toISOString()}; leadscore looks again at ${new Date(retryAt).toISOString()}`,
          { ...base, retryAt },
        );
      }
      case 'missing-field':
        return new SalesforceApiError(
          'ERR_CRM_FIELD_MISSING',
          `Salesforce ${endpoint}: the field ${failure.field} does not exist or the integration user cannot see it (field-level security)`,
          base,
        );
      case 'backoff':
        return new SalesforceApiError(
          'ERR_CRM_UNAVAILABLE',
          `Salesforce ${endpoint} kept failing (${failure.errorCode}: ${failure.message})`,
          base,
        );
      case 'malformed':
        return new SalesforceApiError(
          'ERR_CRM_RESPONSE',
          `Salesforce ${endpoint} answered a body that does not parse: ${failure.message}`,
          base,
        );
      default:
        return new SalesforceApiError(
          'ERR_CRM_REQUEST',
          `Salesforce rejected ${endpoint} (${errorCode ?? 'error'}: ${failure.message.slice(0, 500)})`,
          base,
        );
    }
  }
}

/**
 * Builds the client from the validated `connection.salesforce` config; `secret` resolves a SecretRef (env or the
 * encrypted store). JWT bearer when `privateKey` is set, else the refresh-token flow.
 */
export function salesforceClientFromConfig(
  config: SalesforceConfig,
  secret: (ref: SecretRef) => string,
  extra: Omit<SalesforceClientOptions, 'auth' | 'loginUrl' | 'instanceUrl' | 'apiVersion'> & {
    accessToken?: string;
  } = {},
): SalesforceClient {
  const { accessToken, ...rest } = extra;
  let auth: SalesforceAuth;
  if (config.privateKey !== undefined && config.username !== undefined) {
    auth = {
      kind: 'jwt',
      clientId: config.clientId,
      username: config.username,
      privateKey: secret(config.privateKey),
      ...(accessToken ? { accessToken } : {}),
    };
  } else if (config.refreshToken !== undefined) {
    auth = {
      kind: 'refreshToken',
      clientId: config.clientId,
      refreshToken: secret(config.refreshToken),
      ...(config.clientSecret ? { clientSecret: secret(config.clientSecret) } : {}),
      ...(accessToken ? { accessToken } : {}),
    };
  } else {
    throw new LeadscoreError(
      'ERR_CONFIG_INVALID',
      'connection.salesforce needs refreshToken (with clientSecret) or username and privateKey (JWT bearer); the client credentials flow is not supported yet',
    );
  }
  return new SalesforceClient({
    ...rest,
    auth,
    loginUrl: config.loginUrl,
    apiVersion: config.apiVersion,
    ...(config.instanceUrl ? { instanceUrl: config.instanceUrl } : {}),
  });
}
