import type { Lane, RetryDecision } from '../../src/sync/pacing.js';

/**
 * Salesforce's API facts as data: daily allowance by edition, page and batch sizes, and what to do for each
 * error. Sources: connectors/salesforce/BEHAVIOR.md and /work/shared/crm-api-behaviours.md §S1-S10.
 * Only `describeFailure`, `classify` and the small parsers are code.
 */

export type SalesforceEdition = 'developer' | 'enterprise' | 'unlimited';

// https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html
// The per-licence adders are UNVERIFIED (third-party summaries); the real figure is read at run time from
// Sforce-Limit-Info or /limits, and this table only serves before the first answer.
export const EDITION_ALLOWANCE: Readonly<Record<SalesforceEdition, { base: number; perLicence: number }>> = {
  developer: { base: 15_000, perLicence: 0 },
  enterprise: { base: 100_000, perLicence: 1_000 },
  unlimited: { base: 100_000, perLicence: 5_000 },
};

export function editionAllowance(edition: SalesforceEdition, licences = 0): number {
  const row = EDITION_ALLOWANCE[edition];
  return row.base + row.perLicence * licences;
}

/** The allowance is a rolling 24-hour window, not a calendar day. */
export const DAILY_WINDOW_MS = 86_400_000;
/**
 * After REQUEST_LIMIT_EXCEEDED, when to look again: calls made 24 h ago age out continuously, so capacity
 * returns gradually; we probe hourly rather than wait the whole window. No Retry-After is sent (§S7).
 */
export const RATE_LIMIT_PROBE_MS = 60 * 60_000;
/** Default share of the org's allowance leadscore may spend (config `limits.dailyBudgetShare`). */
export const DEFAULT_DAILY_BUDGET_SHARE = 0.5;

export const PAGE_SIZES = {
  /** Sforce-Query-Options batchSize: default and max 2,000, min 200, not guaranteed (REST headers_queryoptions.htm). */
  query: 2_000,
  /** sObject Collections: "up to 200 records" (REST resources_composite_sobjects_collections_update.htm). */
  collection: 200,
} as const;

/** "The maximum length for the combined URI and headers is 16,384 bytes" (app limits cheatsheet). */
export const MAX_URI_BYTES = 16_384;
/** Room kept for the path, the query text around the id list, and the headers. */
export const URI_HEADROOM_BYTES = 4_096;

/**
 * One lane: Salesforce has no per-second rate, only the daily allowance and 25 concurrent long-running
 * requests (5 on Developer Edition). Keep a few requests in flight and a generous start rate.
 */
export type LaneName = 'api';
export function lanesFor(edition: SalesforceEdition = 'enterprise'): Record<LaneName, Lane> {
  return { api: { limit: 50, intervalMs: 1_000, concurrency: edition === 'developer' ? 2 : 4 } };
}

export type FailureAction =
  | 'refresh' // 401: jsforce refreshes and replays; reaching us means the refresh failed
  | 'auth' // OAuth refused (invalid_grant...): re-authorise
  | 'daily-limit' // 403 REQUEST_LIMIT_EXCEEDED (TotalRequests): stop until the window frees
  | 'backoff' // 5xx, 503, a dropped connection, too many long-running requests: back off
  | 'missing-field' // INVALID_FIELD on a custom field: stop with setup steps
  | 'stale-locator' // INVALID_QUERY_LOCATOR: re-query from the watermark
  | 'malformed' // a body that is not what the endpoint returns
  | 'fail';

export interface ErrorRule {
  errorCode: string | RegExp;
  /** The HTTP status Salesforce sends it with (jsforce does not keep the status on its errors). */
  status?: number;
  action: FailureAction;
  why: string;
}

// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
export const ERROR_ACTIONS: readonly ErrorRule[] = [
  {
    errorCode: 'INVALID_SESSION_ID',
    status: 401,
    action: 'refresh',
    why: 'jsforce refreshes and replays on any 401',
  },
  {
    errorCode: /^(invalid_grant|invalid_client|invalid_client_id|unsupported_grant_type)$/,
    status: 400,
    action: 'auth',
    why: 'the OAuth grant itself was refused: permanent',
  },
  {
    errorCode: 'REQUEST_LIMIT_EXCEEDED',
    status: 403,
    action: 'daily-limit',
    why: 'TotalRequests: the rolling 24 h allowance is spent; no Retry-After',
  },
  { errorCode: 'SERVER_UNAVAILABLE', status: 503, action: 'backoff', why: 'server busy' },
  { errorCode: 'UNKNOWN_EXCEPTION', status: 500, action: 'backoff', why: 'internal error' },
  { errorCode: /^ERROR_HTTP_5\d\d$/, action: 'backoff', why: 'a 5xx with a non-JSON body' },
  { errorCode: /^ERROR_HTTP_(408|429)$/, action: 'backoff', why: 'timeout or an edge rate limit' },
  { errorCode: 'INVALID_QUERY_LOCATOR', status: 400, action: 'stale-locator', why: 'cursors last 2 days' },
  {
    errorCode: 'INVALID_FIELD',
    status: 400,
    action: 'missing-field',
    why: 'a field is missing or hidden by FLS',
  },
  { errorCode: /^ERROR_HTTP_(414|431)$/, action: 'fail', why: 'the URI is too long: chunk the id list' },
];

/** Network errors worth a retry (undici / node). jsforce itself retries these for GET but never for PATCH/POST. */
export const RETRYABLE_NETWORK_CODES: readonly string[] = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
];

export const BACKOFF = { baseMs: 500, maxMs: 30_000 } as const;

export function backoffDelay(attempt: number): number {
  return Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** Math.max(0, attempt - 1));
}

export type Failure =
  | { kind: 'refresh'; errorCode: string; message: string }
  | { kind: 'auth'; errorCode: string; message: string }
  | { kind: 'daily-limit'; errorCode: string; message: string; concurrent: boolean }
  | { kind: 'backoff'; errorCode: string; message: string }
  | { kind: 'missing-field'; errorCode: string; message: string; field?: string }
  | { kind: 'stale-locator'; errorCode: string; message: string }
  | { kind: 'malformed'; message: string }
  | { kind: 'fail'; errorCode?: string; message: string };

function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { errorCode?: unknown; name?: unknown; code?: unknown };
  if (typeof e.errorCode === 'string') return e.errorCode;
  if (typeof e.code === 'string') return e.code;
  return undefined;
}

/** The column a SOQL or write error names: "No such column 'Foo__c' on ..." */
export function missingFieldOf(message: string): string | undefined {
  return /No such column '([^']+)'/.exec(message)?.[1];
}

/** Reads a jsforce error (HttpApiError, an OAuth Error, a network error) into a Failure, driven by ERROR_ACTIONS. */
export function describeFailure(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  let code = errorCodeOf(error);
  // jsforce wraps a failed refresh as "Unable to refresh session due to: <error_description>".
  if (!code && error instanceof Error && /Unable to refresh session/i.test(message)) code = 'invalid_grant';
  if (
    !code &&
    error instanceof Error &&
    ['invalid_grant', 'invalid_client', 'invalid_client_id'].includes(error.name)
  )
    code = error.name;
  if (code && RETRYABLE_NETWORK_CODES.includes(code)) return { kind: 'backoff', errorCode: code, message };
  if (
    error instanceof Error &&
    (error.name === 'AbortError' || /fetch failed|socket hang up/i.test(message))
  ) {
    return { kind: 'backoff', errorCode: code ?? 'NETWORK', message };
  }
  if (error instanceof SyntaxError || (error as { malformedBody?: unknown }).malformedBody === true) {
    return { kind: 'malformed', message };
  }
  if (!code) return { kind: 'fail', message };
  const rule = ERROR_ACTIONS.find((r) =>
    typeof r.errorCode === 'string' ? r.errorCode === code : r.errorCode.test(code),
  );
  switch (rule?.action) {
    case 'refresh':
    case 'auth':
    case 'backoff':
    case 'stale-locator':
      return { kind: rule.action, errorCode: code, message };
    case 'daily-limit': {
      // The concurrent long-running limit shares the error code; it clears in seconds, not hours.
      const concurrent = /ConcurrentPerOrgLongTxn|concurrent/i.test(message);
      if (concurrent) return { kind: 'backoff', errorCode: code, message };
      return { kind: 'daily-limit', errorCode: code, message, concurrent };
    }
    case 'missing-field': {
      const field = missingFieldOf(message);
      return field
        ? { kind: 'missing-field', errorCode: code, message, field }
        : { kind: 'fail', errorCode: code, message };
    }
    default:
      return { kind: 'fail', errorCode: code, message };
  }
}

/** The classify function for withRetries. */
export function classify(error: unknown, attempt: number): RetryDecision {
  const failure = describeFailure(error);
  switch (failure.kind) {
    case 'backoff':
      return {
        action: 'retry',
        delayMs: backoffDelay(attempt),
        countsAttempt: true,
        reason: failure.errorCode,
      };
    case 'malformed':
      return {
        action: 'retry',
        delayMs: backoffDelay(attempt),
        countsAttempt: true,
        reason: failure.message,
      };
    case 'daily-limit':
      return { action: 'fail', reason: 'REQUEST_LIMIT_EXCEEDED: the daily API allowance is spent' };
    default:
      // 401s never reach here unless jsforce's own refresh failed: nothing to retry.
      return { action: 'fail', reason: failure.message };
  }
}

/** `Sforce-Limit-Info: api-usage=18/15000` (optionally `; api-bursts=1/750`). */
export function parseLimitInfo(header: string | undefined): { used: number; limit: number } | undefined {
  if (!header) return undefined;
  const match = /api-usage=(\d+)\/(\d+)/.exec(header);
  return match ? { used: Number(match[1]), limit: Number(match[2]) } : undefined;
}

/** Daily calls leadscore may spend: the org's allowance times the configured share. */
export function dailyBudget(allowance: number, share: number): number {
  return Math.max(1, Math.floor(allowance * share));
}

/** Ids per `WHERE Id IN (...)` query so the URI stays under its limit: each id is 18 chars + `','` encoded. */
export function idsPerQuery(baseUriBytes: number, idBytes = 18 + 9): number {
  return Math.max(1, Math.floor((MAX_URI_BYTES - URI_HEADROOM_BYTES - baseUriBytes) / idBytes));
}
