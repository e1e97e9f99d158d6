/**
 * The knobs of the sandbox. Defaults follow HubSpot's documentation; every behaviour marked UNVERIFIED in
 * /work/shared/crm-api-behaviours.md (and in ../BEHAVIOR.md) is a knob here, so a test can flip it.
 */

export type Tier = 'starter' | 'professional' | 'enterprise';

export interface TierLimits {
  /** Requests per rolling 10 s, per private app. */
  burstPer10s: number;
  /** Requests per day, per account. */
  daily: number;
}

export interface HubSpotErrorShape {
  status: string;
  message: string;
  category?: string;
  [key: string]: unknown;
}

export interface SandboxBehaviours {
  // https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
  // Professional is 625,000 on the current page, 650,000 in the 2024 changelog: configurable.
  tierLimits: Record<Tier, TierLimits>;
  /** OAuth (marketplace) apps: 110 per 10 s per installing account, whatever the tier. */
  oauthBurstPer10s: number;
  /** Search: 5 requests per second per account; exempt from the 10-second bucket. */
  searchPerSecond: number;
  /** `X-HubSpot-RateLimit-Secondly(-Remaining)` are "still included ... deprecated". */
  sendSecondlyHeaders: boolean;
  /** Daily headers are "not included in the response to API requests authorized using OAuth". */
  dailyHeadersForOAuth: boolean;
  /** Minutes east of UTC of the portal's time zone; the daily limit resets at local midnight. */
  portalUtcOffsetMinutes: number;
  /** UNVERIFIED: the search 429 shape. 'category' = the live 2021-22 recording; 'policy' = errorType/policyName. */
  searchRateLimitBody: 'category' | 'policy';
  /** UNVERIFIED: 'SECONDLY' as the search policyName when searchRateLimitBody = 'policy'. */
  searchPolicyName: string;
  /** UNVERIFIED: whether a REST 429 carries Retry-After (seconds); null = not sent (the documented default). */
  retryAfterSeconds: number | null;

  /** List endpoints: max `limit`. UNVERIFIED what happens above it: 'clamp' or 'error' (400). */
  listMaxLimit: number;
  listLimitOver: 'clamp' | 'error';
  /** Search: max `limit` 200 (documented). UNVERIFIED above it. */
  searchMaxLimit: number;
  searchLimitOver: 'clamp' | 'error';
  /** Search: the 10,000-result window. */
  searchResultCap: number;
  /** UNVERIFIED: whether `total` is capped at searchResultCap. */
  searchTotalCapped: boolean;
  /** UNVERIFIED: the 400 body when `after` reaches the cap. */
  searchCapError: HubSpotErrorShape;
  /** UNVERIFIED: indexing lag; records changed within this many ms are not visible to search yet. */
  searchIndexLagMs: number;
  maxFilterGroups: number;
  maxFiltersPerGroup: number;
  maxFiltersTotal: number;
  /** Documented: only one sort. UNVERIFIED: whether extra sorts are a 400 or ignored. */
  multipleSorts: 'error' | 'first';
  /** Search request body limit (characters). */
  searchMaxBodyChars: number;

  /** Batch inputs: 100; with propertiesWithHistory: 50. */
  batchMaxInputs: number;
  batchHistoryMaxInputs: number;
  /** UNVERIFIED: one invalid property value in batch/update fails the whole batch (400) or that record (207). */
  batchInvalidProperty: 'reject-batch' | 'multi-status';
  /** UNVERIFIED: a merged-away id in batch/read: 'resolve' (return the survivor) or 'omit' (silently left out). */
  batchReadMergedId: 'resolve' | 'omit';
  /** A merge creates a NEW record with a NEW id (changelog 2024); false = the legacy behaviour (primary id survives). */
  mergeCreatesNewId: boolean;
  /** ◐ Setting an earlier lifecycle stage over the API is silently ignored (clear it first); 'allow' writes it. */
  lifecycleBackwards: 'ignore' | 'allow';
  /** UNVERIFIED: GET /{id} of an archived record without archived=true. */
  archivedGetById: 'not-found' | 'return';

  /** UNVERIFIED: status and body for creating a property that exists. */
  propertyConflictStatus: number;
  propertyConflictCategory: string;

  /** OAuth access-token lifetime, seconds (1800 since 2024). */
  accessTokenTtlSeconds: number;
  /** ◐ UNVERIFIED: body for a bad refresh token (observed: status BAD_REFRESH_TOKEN). */
  badRefreshTokenBody: Record<string, unknown>;
  /** ◐ A garbage bearer string can come back as EXPIRED_AUTHENTICATION "expired N day(s) ago" (1970). */
  garbageTokenAs: 'invalid' | 'expired';

  /** Email events v1: limit default 10, max 1000. */
  emailEventsMaxLimit: number;
  /** Form submissions v1: limit default 20, max 50. */
  formSubmissionsMaxLimit: number;
  /** UNVERIFIED: web analytics events API outside Enterprise: 403 (true) or served anyway (false). */
  eventsApiEnterpriseOnly: boolean;
  /** Cap on stored request-log entries (counts are always kept). */
  requestLogMax: number;
}

export const DEFAULT_BEHAVIOURS: SandboxBehaviours = {
  tierLimits: {
    starter: { burstPer10s: 100, daily: 250_000 },
    professional: { burstPer10s: 190, daily: 625_000 },
    enterprise: { burstPer10s: 190, daily: 1_000_000 },
  },
  oauthBurstPer10s: 110,
  searchPerSecond: 5,
  sendSecondlyHeaders: true,
  dailyHeadersForOAuth: false,
  portalUtcOffsetMinutes: 0,
  searchRateLimitBody: 'category',
  searchPolicyName: 'SECONDLY',
  retryAfterSeconds: null,
  listMaxLimit: 100,
  listLimitOver: 'clamp',
  searchMaxLimit: 200,
  searchLimitOver: 'clamp',
  searchResultCap: 10_000,
  searchTotalCapped: false,
  searchCapError: {
    status: 'error',
    message:
      'The search request exceeds the maximum number of results (10000). Narrow the query, for example with a lastmodifieddate filter.',
    category: 'VALIDATION_ERROR',
  },
  searchIndexLagMs: 0,
  maxFilterGroups: 5,
  maxFiltersPerGroup: 6,
  maxFiltersTotal: 18,
  multipleSorts: 'error',
  searchMaxBodyChars: 3000,
  batchMaxInputs: 100,
  batchHistoryMaxInputs: 50,
  batchInvalidProperty: 'reject-batch',
  batchReadMergedId: 'resolve',
  mergeCreatesNewId: true,
  archivedGetById: 'not-found',
  lifecycleBackwards: 'ignore',
  propertyConflictStatus: 409,
  propertyConflictCategory: 'OBJECT_ALREADY_EXISTS',
  accessTokenTtlSeconds: 1800,
  badRefreshTokenBody: { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' },
  garbageTokenAs: 'invalid',
  emailEventsMaxLimit: 1000,
  formSubmissionsMaxLimit: 50,
  eventsApiEnterpriseOnly: true,
  requestLogMax: 20_000,
};

export function resolveBehaviours(partial: Partial<SandboxBehaviours> | undefined): SandboxBehaviours {
  return { ...DEFAULT_BEHAVIOURS, ...(partial ?? {}) };
}
