import { Client } from '@hubspot/api-client';
import type { Logger } from 'pino';
import type { HubSpotConfig, SecretRef } from '../../src/config/schema.js';
import { type ErrorCode, LeadscoreError } from '../../src/errors.js';
import { type Lane, Pacer, type RetryDecision, withRetries } from '../../src/sync/pacing.js';
import {
  type ClassifyOptions,
  classify,
  dailyBudget,
  describeFailure,
  type HttpErrorLike,
  type HubSpotTier,
  type LaneName,
  lanesFor,
  nextDailyReset,
  TIER_LIMITS,
  TOKEN_REFRESH_MARGIN_MS,
} from './limits.js';
import { apiUsageSchema, parseResponse, tokenResponseSchema } from './schemas.js';

/**
 * The SDK client behind pacing and retries. Every call goes through `call` (typed SDK APIs) or `requestJson`
 * (`client.apiRequest`, which returns a raw Response the SDK never checks or retries). The SDK's own retries stay
 * off (no `numberOfApiCallRetries`): pacing and retries are ours.
 */

export type HubSpotAuth =
  | { kind: 'privateApp'; accessToken: string }
  | {
      kind: 'oauth';
      clientId: string;
      clientSecret: string;
      refreshToken: string;
      /** A still-valid access token, if one is stored; refreshed before `expiresAt`. */
      accessToken?: string;
      expiresAt?: number;
      /** Called after every refresh, so the caller can store a rotated refresh token. */
      onTokens?: (tokens: { accessToken: string; refreshToken: string; expiresAt: number }) => void;
    };

export interface HubSpotClientOptions {
  auth: HubSpotAuth;
  tier: HubSpotTier;
  /** Another API host (a sandbox); default https://api.hubapi.com. */
  basePath?: string;
  limitIncrease?: boolean;
  /** Overrides the lanes from limits.ts (tests, or a portal shared with other integrations). */
  lanes?: Partial<Record<LaneName, Lane>>;
  portalUtcOffsetMinutes?: number;
  maxAttempts?: number;
  maxWaits?: number;
  /** Pause the lane after a 429 for as long as the vendor asked (default true). */
  pauseOnRateLimit?: boolean;
  /**
   * Stop before this share of the portal's daily allowance is spent (config `limits.dailyBudgetShare`). Usage so
   * far is read once from /account-info/v3/api-usage/daily/private-apps; OAuth apps have no daily limit.
   */
  dailyBudgetShare?: number;
  /** Give up on a request after this long (the SDK sets no timeout); it is then retried like a dropped connection. */
  requestTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  logger?: Logger;
}

export interface ApiCounters {
  /** Requests sent, refreshes included. */
  calls: number;
  /** 429 answers received. */
  rateLimited: number;
  /** Retries after a 5xx, a network error or an unparseable body. */
  retries: number;
  refreshes: number;
  byEndpoint: Record<string, number>;
}

/** A failed HubSpot call, coded; `status` and `retryAt` when known. */
export class HubSpotApiError extends LeadscoreError {
  readonly status: number | undefined;
  /** For ERR_CRM_RATE_LIMITED: when to try again (epoch ms). */
  readonly retryAt: number | undefined;
  readonly body: unknown;
  constructor(
    code: ErrorCode,
    message: string,
    details: { status?: number; retryAt?: number; body?: unknown; cause?: unknown; hint?: string },
  ) {
    super(code, message, {
      ...(details.cause !== undefined ? { cause: details.cause } : {}),
      ...(details.hint ? { hint: details.hint } : {}),
    });
    this.name = 'HubSpotApiError';
    this.status = details.status;
    this.retryAt = details.retryAt;
    this.body = details.body;
  }
}

/** An apiRequest Response that was not 2xx, in the shape of the SDK's ApiException. */
export class HubSpotHttpError extends Error implements HttpErrorLike {
  constructor(
    readonly code: number,
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {
    super(`HTTP-Code: ${code}`);
    this.name = 'HubSpotHttpError';
  }
}

class MalformedBodyError extends Error {
  readonly malformedBody = true;
}

export interface CallOptions {
  /** 'wait' (reads): sleep through 429s per policy. 'throw' (writes): surface ERR_CRM_RATE_LIMITED with retryAt at once. */
  onRateLimit?: 'wait' | 'throw';
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  qs?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Send no Authorization header (the OAuth token endpoint). */
  noAuth?: boolean;
}

export class HubSpotClient {
  readonly sdk: Client;
  readonly pacer: Pacer;
  readonly counters: ApiCounters = { calls: 0, rateLimited: 0, retries: 0, refreshes: 0, byEndpoint: {} };
  private readonly options: HubSpotClientOptions;
  private readonly now: () => number;
  private accessToken: string | undefined;
  private expiresAt = 0;
  private refreshToken: string | undefined;
  private refreshing: Promise<void> | undefined;
  private budget: { limit: number; usedAtStart: number; callsAtStart: number; resetsAt: number } | undefined;
  private budgetLoading: Promise<void> | undefined;

  constructor(options: HubSpotClientOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    const defaults = lanesFor(options.tier, {
      auth: options.auth.kind,
      ...(options.limitIncrease !== undefined ? { limitIncrease: options.limitIncrease } : {}),
    });
    this.pacer = new Pacer({ ...defaults, ...(options.lanes ?? {}) });
    if (options.auth.kind === 'privateApp') {
      this.accessToken = options.auth.accessToken;
      this.expiresAt = Number.POSITIVE_INFINITY;
    } else {
      this.refreshToken = options.auth.refreshToken;
      this.accessToken = options.auth.accessToken;
      this.expiresAt = options.auth.accessToken ? (options.auth.expiresAt ?? 0) : 0;
    }
    // No numberOfApiCallRetries and no limiterOptions: the SDK adds no decorators of its own.
    this.sdk = new Client({
      ...(this.accessToken ? { accessToken: this.accessToken } : {}),
      ...(options.basePath ? { basePath: options.basePath.replace(/\/$/, '') } : {}),
    });
  }

  get tier(): HubSpotTier {
    return this.options.tier;
  }

  get authKind(): HubSpotAuth['kind'] {
    return this.options.auth.kind;
  }

  /** The current access token (for token-info lookups). */
  async currentToken(): Promise<string> {
    await this.ensureFreshToken();
    return this.accessToken ?? '';
  }

  private classifyOptions(): ClassifyOptions {
    return {
      now: this.now(),
      ...(this.options.portalUtcOffsetMinutes !== undefined
        ? { portalUtcOffsetMinutes: this.options.portalUtcOffsetMinutes }
        : {}),
    };
  }

  /** Runs one SDK call (`fn`) paced on `lane`, retried per limits.ts, errors coded. */
  async call<T>(
    endpoint: string,
    lane: LaneName,
    fn: (sdk: Client) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    await this.ensureFreshToken();
    await this.checkBudget(endpoint);
    let rateLimitedUntil: number | undefined;
    try {
      return await withRetries(
        () =>
          this.pacer.run(lane, async () => {
            this.count(endpoint);
            try {
              return await withTimeout(
                fn(this.sdk),
                this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
              );
            } catch (error) {
              if ((error as { code?: unknown }).code === 429) this.counters.rateLimited++;
              throw error;
            }
          }),
        {
          classify: (error, attempt) => {
            const decision = classify(error, attempt, this.classifyOptions());
            return this.onDecision(decision, lane, options, (until) => {
              rateLimitedUntil = until;
            });
          },
          ...(this.options.auth.kind === 'oauth' ? { refresh: () => this.refresh(true) } : {}),
          ...(this.options.maxAttempts !== undefined ? { maxAttempts: this.options.maxAttempts } : {}),
          ...(this.options.maxWaits !== undefined ? { maxWaits: this.options.maxWaits } : {}),
          ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
          onRetry: (decision, attempt) =>
            this.options.logger?.debug(
              { endpoint, attempt, reason: decision.reason },
              'HubSpot call retried',
            ),
        },
      );
    } catch (error) {
      throw this.toLeadscoreError(error, endpoint, rateLimitedUntil);
    }
  }

  private onDecision(
    decision: RetryDecision,
    lane: LaneName,
    options: CallOptions,
    rateLimited: (until: number) => void,
  ): RetryDecision {
    if (decision.action !== 'retry') return decision;
    if (!decision.countsAttempt) {
      const until = this.now() + decision.delayMs;
      rateLimited(until);
      if (this.options.pauseOnRateLimit !== false) this.pacer.pauseUntil(lane, until, this.now());
      if (options.onRateLimit === 'throw') return { action: 'fail', reason: decision.reason };
    } else this.counters.retries++;
    return decision;
  }

  /** An apiRequest call returning parsed JSON; non-2xx answers are classified like the SDK's ApiException. */
  requestJson(
    endpoint: string,
    lane: LaneName,
    request: RequestOptions,
    options: CallOptions = {},
  ): Promise<unknown> {
    return this.call(
      endpoint,
      lane,
      async (sdk) => {
        const response = await sdk.apiRequest({
          method: request.method,
          path: request.path,
          ...(request.qs ? { qs: definedOnly(request.qs) } : {}),
          ...(request.body !== undefined ? { body: request.body } : {}),
          ...(request.noAuth ? { authType: 'none' } : {}),
        });
        const headers: Record<string, string> = {};
        response.headers.forEach((value: string, key: string) => {
          headers[key.toLowerCase()] = value;
        });
        const text = await response.text();
        if (response.status === 204) return undefined;
        const isJson = /json/i.test(headers['content-type'] ?? '');
        let body: unknown = text;
        if (isJson && text.trim() !== '') {
          try {
            body = JSON.parse(text);
          } catch (error) {
            if (response.ok)
              throw new MalformedBodyError(`body is not valid JSON: ${(error as Error).message}`);
          }
        }
        if (!response.ok) throw new HubSpotHttpError(response.status, body, headers);
        if (!isJson) {
          throw new MalformedBodyError(
            `expected JSON, got ${headers['content-type'] ?? 'no Content-Type'}: ${JSON.stringify(text.slice(0, 60))}`,
          );
        }
        return body;
      },
      options,
    );
  }

  /** Calls left in today's budget (undefined: no budget set, or OAuth). */
  remainingBudget(): number | undefined {
    if (!this.budget) return undefined;
    const used = this.budget.usedAtStart + (this.counters.calls - this.budget.callsAtStart);
    return Math.max(0, this.budget.limit - used);
  }

  private async checkBudget(endpoint: string): Promise<void> {
    const share = this.options.dailyBudgetShare;
    if (share === undefined || this.options.auth.kind === 'oauth') return;
    if (this.budget && this.now() >= this.budget.resetsAt) this.budget = undefined;
    if (!this.budget) {
      this.budgetLoading ??= this.loadBudget(share).finally(() => {
        this.budgetLoading = undefined;
      });
      await this.budgetLoading;
    }
    const budget = this.budget;
    if (budget && (this.remainingBudget() ?? 1) <= 0) {
      throw new HubSpotApiError(
        'ERR_CRM_RATE_LIMITED',
        `leadscore's share of HubSpot's daily API allowance (${budget.limit} calls) is spent; ${endpoint} waits until ${new Date(budget.resetsAt).toISOString()}`,
        { retryAt: budget.resetsAt },
      );
    }
  }

  // https://developers.hubspot.com/docs/api-reference/account-account-info-v3/guide (api-usage/daily/private-apps)
  private async loadBudget(share: number): Promise<void> {
    const endpoint = 'GET /account-info/v3/api-usage/daily/private-apps';
    let usageLimit = TIER_LIMITS[this.options.tier].daily;
    let currentUsage = 0;
    let resetsAt = nextDailyReset(this.now(), this.options.portalUtcOffsetMinutes ?? 0);
    const callsBefore = this.counters.calls;
    // Mark the budget as loaded first, so the usage call itself does not recurse into checkBudget.
    this.budget = {
      limit: dailyBudget(this.options.tier, share),
      usedAtStart: 0,
      callsAtStart: callsBefore,
      resetsAt,
    };
    try {
      const raw = await this.requestJson(endpoint, 'standard', {
        method: 'GET',
        path: '/account-info/v3/api-usage/daily/private-apps',
      });
      const usage = parseResponse(apiUsageSchema, raw, endpoint).results[0];
      if (usage) {
        usageLimit = usage.usageLimit;
        currentUsage = usage.currentUsage;
        if (usage.resetsAt) {
          const at =
            usage.resetsAt instanceof Date ? usage.resetsAt.getTime() : Date.parse(String(usage.resetsAt));
          if (!Number.isNaN(at)) resetsAt = at;
        }
      }
    } catch (error) {
      // Without usage figures, count only this process's calls against the tier's allowance.
      this.options.logger?.warn(
        { error: (error as Error).message },
        'HubSpot API usage unavailable; budgeting from zero',
      );
    }
    this.budget = {
      limit: Math.floor(usageLimit * share),
      usedAtStart: currentUsage,
      callsAtStart: this.counters.calls,
      resetsAt,
    };
  }

  private count(endpoint: string): void {
    this.counters.calls++;
    this.counters.byEndpoint[endpoint] = (this.counters.byEndpoint[endpoint] ?? 0) + 1;
  }

  private async ensureFreshToken(): Promise<void> {
    if (this.options.auth.kind !== 'oauth') return;
    if (this.accessToken && this.now() < this.expiresAt - TOKEN_REFRESH_MARGIN_MS) return;
    await this.refresh(false);
  }

  /**
   * POST /oauth/v1/token with the stored refresh token (single flight). On a 401 the caller forces one refresh
   * even if the token looked fresh; a second 401 then fails with ERR_CRM_AUTH.
   * https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/refresh-oauth-token
   */
  refresh(force: boolean): Promise<void> {
    const auth = this.options.auth;
    if (auth.kind !== 'oauth') return Promise.resolve();
    if (!force && this.accessToken && this.now() < this.expiresAt - TOKEN_REFRESH_MARGIN_MS)
      return Promise.resolve();
    if (this.refreshing) return this.refreshing;
    const endpoint = 'POST /oauth/v1/token';
    this.refreshing = (async () => {
      try {
        const raw = await withRetries(
          () =>
            this.pacer.run('standard', () => {
              this.count(endpoint);
              return this.sdk.oauth.tokensApi.create(
                'refresh_token',
                undefined,
                undefined,
                auth.clientId,
                auth.clientSecret,
                this.refreshToken,
              );
            }),
          {
            classify: (error, attempt) => {
              const decision = classify(error, attempt, this.classifyOptions());
              // A 400/401 from the token endpoint means the refresh token itself is bad.
              return decision.action === 'refresh' ? { action: 'fail', reason: decision.reason } : decision;
            },
            ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
          },
        ).catch((error: unknown) => {
          const failure = describeFailure(error);
          const status = 'status' in failure ? failure.status : undefined;
          if (status === 400 || status === 401) {
            throw new HubSpotApiError(
              'ERR_CRM_AUTH',
              `HubSpot refused the OAuth refresh token (${status} ${failure.message}); re-authorise the app`,
              { status, body: (error as { body?: unknown }).body, cause: error },
            );
          }
          throw this.toLeadscoreError(error, endpoint, undefined);
        });
        const tokens = parseResponse(tokenResponseSchema, raw, endpoint);
        this.counters.refreshes++;
        this.accessToken = tokens.accessToken;
        if (tokens.refreshToken) this.refreshToken = tokens.refreshToken;
        this.expiresAt = this.now() + tokens.expiresIn * 1000;
        this.sdk.setAccessToken(tokens.accessToken);
        auth.onTokens?.({
          accessToken: tokens.accessToken,
          refreshToken: this.refreshToken ?? '',
          expiresAt: this.expiresAt,
        });
        this.options.logger?.debug({ expiresAt: this.expiresAt }, 'HubSpot access token refreshed');
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Turns whatever the call threw into a coded LeadscoreError naming the endpoint. */
  toLeadscoreError(error: unknown, endpoint: string, rateLimitedUntil: number | undefined): LeadscoreError {
    if (error instanceof LeadscoreError) return error;
    const failure = describeFailure(error, this.classifyOptions());
    const body = (error as { body?: unknown }).body;
    switch (failure.kind) {
      case 'refresh':
        return new HubSpotApiError(
          'ERR_CRM_AUTH',
          `HubSpot refused the credentials on ${endpoint} (401${failure.category ? ` ${failure.category}` : ''}: ${failure.message})`,
          { status: 401, body, cause: error },
        );
      case 'scope':
        return new HubSpotApiError(
          'ERR_CRM_SCOPE',
          `HubSpot denied ${endpoint} (403): the app lacks ${
            failure.scopes.length > 0
              ? `the scopes ${failure.scopes.join(', ')}`
              : 'a required scope (none named in the answer)'
          }`,
          {
            status: 403,
            body,
            cause: error,
            ...(failure.scopes.length > 0
              ? {
                  hint: `Grant ${failure.scopes.join(', ')} to the app, then run \`leadscore connect\` again.`,
                }
              : {}),
          },
        );
      case 'rate-limit':
        return new HubSpotApiError(
          'ERR_CRM_RATE_LIMITED',
          `HubSpot rate limit (${failure.policy}) on ${endpoint}`,
          {
            status: 429,
            retryAt: rateLimitedUntil ?? this.now() + failure.waitMs,
            body,
            cause: error,
          },
        );
      case 'daily-limit':
        return new HubSpotApiError(
          'ERR_CRM_RATE_LIMITED',
          `HubSpot daily API limit reached on ${endpoint}; it resets at ${new Date(failure.resetAt).toISOString()}`,
          { status: 429, retryAt: failure.resetAt, body, cause: error },
        );
      case 'malformed':
        return new HubSpotApiError(
          'ERR_CRM_RESPONSE',
          `HubSpot ${endpoint} answered a body that does not parse: ${failure.message}`,
          {
            cause: error,
          },
        );
      case 'backoff':
        return new HubSpotApiError(
          'ERR_CRM_UNAVAILABLE',
          `HubSpot ${endpoint} kept failing (${failure.status ? `HTTP ${failure.status}` : failure.message})`,
          { ...(failure.status !== undefined ? { status: failure.status } : {}), body, cause: error },
        );
      default:
        if (failure.status !== undefined && failure.status >= 400 && failure.status < 500) {
          return new HubSpotApiError(
            'ERR_CRM_REQUEST',
            `HubSpot rejected ${endpoint} (${failure.status}${failure.category ? ` ${failure.category}` : ''}: ${failure.message})`,
            { status: failure.status, body, cause: error },
          );
        }
        return new HubSpotApiError('ERR_CRM_RESPONSE', `HubSpot ${endpoint} failed: ${failure.message}`, {
          ...(failure.status !== undefined ? { status: failure.status } : {}),
          body,
          cause: error,
        });
    }
  }
}

const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/** Rejects with an ETIMEDOUT error (retryable, see limits.ts) if `promise` has not settled within `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })),
      ms,
    );
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function definedOnly(qs: Record<string, string | number | boolean | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(qs)) if (value !== undefined) out[key] = String(value);
  return out;
}

/** Builds the client from the validated config; `secret` resolves a SecretRef (env or the encrypted store). */
export function hubSpotClientFromConfig(
  config: HubSpotConfig,
  secret: (ref: SecretRef) => string,
  extra: Omit<HubSpotClientOptions, 'auth' | 'tier' | 'basePath'> = {},
): HubSpotClient {
  const need = (ref: SecretRef | undefined, key: string): string => {
    if (!ref)
      throw new LeadscoreError(
        'ERR_CONFIG_INVALID',
        `connection.hubspot.${key} is required for auth ${config.auth}`,
      );
    return secret(ref);
  };
  const auth: HubSpotAuth =
    config.auth === 'oauth'
      ? {
          kind: 'oauth',
          clientId: config.clientId ?? need(undefined, 'clientId'),
          clientSecret: need(config.clientSecret, 'clientSecret'),
          refreshToken: need(config.refreshToken, 'refreshToken'),
        }
      : { kind: 'privateApp', accessToken: need(config.token, 'token') };
  return new HubSpotClient({
    ...extra,
    auth,
    tier: config.tier,
    ...(config.basePath ? { basePath: config.basePath } : {}),
  });
}
