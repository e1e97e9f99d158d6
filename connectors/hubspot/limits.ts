import type { Lane, RetryDecision } from '../../src/sync/pacing.js';

/**
 * HubSpot's API facts as data: rates per tier, page and batch sizes, and what to do for each status.
 * Sources: /work/shared/crm-api-behaviours.md §H2-H10. Only `classify` and `describeFailure` are code.
 */

export type HubSpotTier = 'starter' | 'professional' | 'enterprise';
export type HubSpotAuthKind = 'privateApp' | 'oauth';

// https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
export const TIER_LIMITS: Readonly<Record<HubSpotTier, { burstPer10s: number; daily: number }>> = {
  starter: { burstPer10s: 100, daily: 250_000 },
  // The 2024 changelog said 650,000; the current usage page says 625,000. Take the lower.
  professional: { burstPer10s: 190, daily: 625_000 },
  enterprise: { burstPer10s: 190, daily: 1_000_000 },
};
/** "each HubSpot account that installs your app is limited to 110 requests every 10 seconds" (OAuth apps). */
export const OAUTH_APP_BURST_PER_10S = 110;
/** API Limit Increase add-on: 250 per 10 s (does not stack). */
export const LIMIT_INCREASE_BURST_PER_10S = 250;
export const BURST_WINDOW_MS = 10_000;
// https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm: "five requests per second per
// account", and exempt from the ten-secondly bucket (spec: x-hubspot-rate-limit-exemptions).
export const SEARCH_PER_SECOND = 5;
export const SEARCH_WINDOW_MS = 1_000;
/**
 * Share of each limit's rate leadscore uses, so steady state never meets a 429 (other apps share the daily budget).
 * The Pacer's sliding window never exceeds its lane, so the margin only covers skew and jitter between our clock
 * and HubSpot's. It floors a rate-bound run's time at 1/margin of the documented bound (bench/hubspot.ts): 0.85
 * gave >= 1.18x; 0.92 gives >= 1.09x.
 */
export const SAFETY_MARGIN = 0.92;

export type LaneName = 'standard' | 'search';

export interface LaneOptions {
  auth?: HubSpotAuthKind;
  limitIncrease?: boolean;
  margin?: number;
}

/**
 * A lane that starts at most `limit` requests in any `windowMs` and averages `margin` of that rate: the cap is
 * rounded up and the window stretched to match. Cutting the cap instead would floor the search lane's
 * 5 x 0.92 to 4 a second (0.8 of the limit, >= 1.25x the bound on a search-bound run); shrinking the window
 * would let more than `limit` start within one real window.
 */
export function pacedLane(limit: number, windowMs: number, margin: number, concurrency: number): Lane {
  const cap = Math.max(1, Math.min(limit, Math.ceil(limit * margin)));
  return { limit: cap, intervalMs: Math.ceil((windowMs * cap) / (limit * margin)), concurrency };
}

/** The Pacer lanes for one portal: the 10-second burst lane and the search endpoints' per-second lane. */
export function lanesFor(tier: HubSpotTier, options: LaneOptions = {}): Record<LaneName, Lane> {
  const margin = options.margin ?? SAFETY_MARGIN;
  let burst = TIER_LIMITS[tier].burstPer10s;
  if (options.limitIncrease) burst = LIMIT_INCREASE_BURST_PER_10S;
  if (options.auth === 'oauth') burst = OAUTH_APP_BURST_PER_10S;
  return {
    standard: pacedLane(burst, BURST_WINDOW_MS, margin, 4),
    // Search is exempt from the ten-secondly bucket (spec: x-hubspot-rate-limit-exemptions): its own lane.
    search: pacedLane(SEARCH_PER_SECOND, SEARCH_WINDOW_MS, margin, 2),
  };
}

/** Daily requests leadscore may spend: the tier's allowance times the configured share. */
export function dailyBudget(tier: HubSpotTier, share: number): number {
  return Math.floor(TIER_LIMITS[tier].daily * share);
}

export const PAGE_SIZES = {
  /** GET /crm/v3/objects/{type}: the SDK's getAll uses 100 (above it is UNVERIFIED). */
  list: 100,
  /** POST .../search: "max 200". */
  search: 200,
  /** batch read/update/archive: "limited to 100 records"; 50 with propertiesWithHistory. */
  batch: 100,
  batchWithHistory: 50,
  /** GET /form-integrations/v1/submissions/forms/{guid}: default 20, max 50. */
  formSubmissions: 50,
  /** GET /marketing/v3/forms. */
  forms: 50,
  // UNVERIFIED: the v1 email events page maximum; 1000 is the figure public clients use.
  emailEvents: 1000,
  /** GET /events/v3/events. */
  webEvents: 100,
  /** v4 associations batch read inputs. */
  associationsBatch: 100,
} as const;

/** https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm: "limited to 10,000 total results". */
export const SEARCH_RESULT_CAP = 10_000;
/** Search request bodies over 3,000 characters get a 400; stay under it with room for the other keys. */
export const SEARCH_MAX_BODY_CHARS = 3_000;
export const SEARCH_IN_VALUES_BUDGET_CHARS = SEARCH_MAX_BODY_CHARS - 800;
export const SEARCH_MAX_IN_VALUES = 100;
/**
 * UNVERIFIED: how long a change takes to reach the search index ("may take a few moments"). The incremental
 * search starts this far before the cursor; re-read records are idempotent upserts.
 */
export const DEFAULT_SEARCH_OVERLAP_MS = 5 * 60_000;
/** Refresh an OAuth access token this long before `expires_in` runs out (tokens live 1800 s). */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/** What leadscore does for each failure; the table `describeFailure` reads. */
export type FailureAction =
  | 'rate-limit' // wait per policy or headers, pause the lane, do not spend an attempt
  | 'daily-limit' // the day's budget is spent: stop until it resets
  | 'backoff' // transient: back off, spending an attempt
  | 'refresh' // refresh the OAuth token once, then retry
  | 'scope' // 403: name the missing scopes
  | 'malformed' // the body did not parse: retry a little, then ERR_CRM_RESPONSE
  | 'fail';

export interface StatusRule {
  status: number | readonly [number, number];
  action: FailureAction;
  /** Fixed wait for this status, when the docs give one. */
  waitMs?: number;
  why: string;
}

// https://developers.hubspot.com/docs/api-reference/error-handling
export const STATUS_ACTIONS: readonly StatusRule[] = [
  {
    status: 401,
    action: 'refresh',
    why: 'expired or invalid token: refresh once (OAuth), then ERR_CRM_AUTH',
  },
  { status: 403, action: 'scope', why: 'MISSING_SCOPES: fail with ERR_CRM_SCOPE naming them' },
  {
    status: 423,
    action: 'backoff',
    waitMs: 2_000,
    why: 'locked during a large sync; "locks will last for 2 seconds"',
  },
  { status: 429, action: 'rate-limit', why: 'policyName TEN_SECONDLY_ROLLING / secondly: wait; DAILY: stop' },
  { status: 477, action: 'backoff', why: 'migration in progress; sends Retry-After in seconds' },
  { status: 408, action: 'backoff', why: 'request timeout' },
  {
    status: [500, 599],
    action: 'backoff',
    why: '5xx incl. 502/504 processing limits and 521-526 edge errors',
  },
  { status: [400, 499], action: 'fail', why: 'the request is wrong; retrying will not help' },
];

/** Network errors worth a retry (node-fetch FetchError.code / undici). */
export const RETRYABLE_NETWORK_CODES: readonly string[] = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
];

export const BACKOFF = { baseMs: 500, maxMs: 30_000 } as const;
/** The burst window: a TEN_SECONDLY_ROLLING 429 clears when the window rolls on. */
export const TEN_SECONDLY_WAIT_MS = BURST_WINDOW_MS;
export const SECONDLY_WAIT_MS = SEARCH_WINDOW_MS;

/** An error shape with what classification needs: the SDK's ApiException, or ours for apiRequest Responses. */
export interface HttpErrorLike {
  code: number;
  body: unknown;
  headers: Record<string, string>;
}

export function isHttpErrorLike(error: unknown): error is HttpErrorLike {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { code?: unknown; headers?: unknown };
  return typeof candidate.code === 'number' && candidate.code >= 100 && candidate.code < 600;
}

/** The parsed failure: what happened and how long the vendor asked us to wait. */
export type Failure =
  | { kind: 'rate-limit'; status: 429; policy: string; waitMs: number; message: string }
  | { kind: 'daily-limit'; status: 429; resetAt: number; message: string }
  | { kind: 'backoff'; status?: number; waitMs?: number; message: string }
  | { kind: 'refresh'; status: 401; message: string; category?: string }
  | { kind: 'scope'; status: 403; scopes: string[]; message: string }
  | { kind: 'malformed'; message: string }
  | { kind: 'fail'; status?: number; message: string; category?: string };

export interface ClassifyOptions {
  now?: number;
  /** Minutes east of UTC of the portal's time zone: the daily limit resets at its midnight. */
  portalUtcOffsetMinutes?: number;
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return String(value);
  return undefined;
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  const value = header(headers, 'retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The next local midnight of the portal, as epoch ms. */
export function nextDailyReset(now: number, portalUtcOffsetMinutes = 0): number {
  const offsetMs = portalUtcOffsetMinutes * 60_000;
  const local = now + offsetMs;
  const day = 86_400_000;
  return Math.floor(local / day) * day + day - offsetMs;
}

/** Scope names found anywhere in a 403 body's `context` objects (e.g. `requiredGranularScopes`). */
export function scopesFromBody(body: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, depth: number) => {
    if (depth > 4 || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    for (const [key, inner] of Object.entries(value)) {
      if (/scope/i.test(key) && Array.isArray(inner)) {
        for (const scope of inner) if (typeof scope === 'string') found.add(scope);
      } else visit(inner, depth + 1);
    }
  };
  visit(bodyObject(body), 0);
  return [...found].sort();
}

function matches(rule: StatusRule, status: number): boolean {
  return typeof rule.status === 'number'
    ? rule.status === status
    : status >= rule.status[0] && status <= rule.status[1];
}

/** Reads an error (SDK ApiException, our HttpError, a network error) into a Failure, driven by STATUS_ACTIONS. */
export function describeFailure(error: unknown, options: ClassifyOptions = {}): Failure {
  const now = options.now ?? Date.now();
  if (isHttpErrorLike(error)) {
    const body = bodyObject(error.body);
    const message = typeof body.message === 'string' ? body.message : `HTTP ${error.code}`;
    const category = typeof body.category === 'string' ? body.category : undefined;
    const rule = STATUS_ACTIONS.find((candidate) => matches(candidate, error.code));
    const action = rule?.action ?? 'fail';
    switch (action) {
      case 'rate-limit': {
        const policy = typeof body.policyName === 'string' ? body.policyName : '';
        if (policy === 'DAILY' || /daily limit/i.test(message)) {
          const after = retryAfterMs(error.headers);
          const resetAt =
            after !== undefined ? now + after : nextDailyReset(now, options.portalUtcOffsetMinutes ?? 0);
          return { kind: 'daily-limit', status: 429, resetAt, message };
        }
        // Search 429s have no policyName ("You have reached your secondly limit.", category RATE_LIMITS).
        const secondly = policy === 'SECONDLY' || /secondly limit/i.test(message);
        const fallback = secondly ? SECONDLY_WAIT_MS : TEN_SECONDLY_WAIT_MS;
        // Retry-After on a REST 429 is UNVERIFIED; honour it when sent.
        const waitMs = retryAfterMs(error.headers) ?? fallback;
        return {
          kind: 'rate-limit',
          status: 429,
          policy: policy || (secondly ? 'SECONDLY' : 'UNKNOWN'),
          waitMs,
          message,
        };
      }
      case 'refresh':
        return { kind: 'refresh', status: 401, message, ...(category ? { category } : {}) };
      case 'scope':
        return { kind: 'scope', status: 403, scopes: scopesFromBody(error.body), message };
      case 'backoff': {
        const waitMs = retryAfterMs(error.headers) ?? rule?.waitMs;
        return { kind: 'backoff', status: error.code, ...(waitMs !== undefined ? { waitMs } : {}), message };
      }
      default:
        return { kind: 'fail', status: error.code, message, ...(category ? { category } : {}) };
    }
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_NETWORK_CODES.includes(code)) {
      return { kind: 'backoff', message: `${code}: ${error.message}` };
    }
    if ((error as { type?: unknown }).type === 'request-timeout' || error.name === 'AbortError') {
      return { kind: 'backoff', message: error.message };
    }
    // The SDK's ObjectSerializer: a body that is not JSON, or no Content-Type at all.
    if (
      error instanceof SyntaxError ||
      (error as { malformedBody?: unknown }).malformedBody === true ||
      /Cannot parse content|is not supported by ObjectSerializer|invalid json|Unexpected end of JSON/i.test(
        error.message,
      )
    ) {
      return { kind: 'malformed', message: error.message };
    }
  }
  return { kind: 'fail', message: error instanceof Error ? error.message : String(error) };
}

export function backoffDelay(attempt: number): number {
  return Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The classify function for withRetries. */
export function classify(error: unknown, attempt: number, options: ClassifyOptions = {}): RetryDecision {
  const failure = describeFailure(error, options);
  switch (failure.kind) {
    case 'rate-limit':
      return {
        action: 'retry',
        delayMs: failure.waitMs,
        countsAttempt: false,
        reason: `429 ${failure.policy}`,
      };
    case 'backoff':
      return {
        action: 'retry',
        delayMs: failure.waitMs ?? backoffDelay(attempt),
        countsAttempt: true,
        reason: failure.status ? `HTTP ${failure.status}` : failure.message,
      };
    case 'malformed':
      return {
        action: 'retry',
        delayMs: backoffDelay(attempt),
        countsAttempt: true,
        reason: failure.message,
      };
    case 'refresh':
      return { action: 'refresh', reason: failure.message };
    case 'daily-limit':
      return {
        action: 'fail',
        reason: `daily limit reached; resets at ${new Date(failure.resetAt).toISOString()}`,
      };
    default:
      return { action: 'fail', reason: failure.message };
  }
}
