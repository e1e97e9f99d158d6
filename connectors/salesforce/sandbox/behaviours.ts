/**
 * Knobs for behaviours that are documented loosely, observed only in public issues, or guessed
 * (UNVERIFIED in /work/shared/crm-api-behaviours.md). Every default is the best-supported value;
 * BEHAVIOR.md lists the source for each.
 */
export type Edition = 'enterprise' | 'unlimited' | 'developer';

export interface SandboxBehaviours {
  /** Daily API request allowance; undefined means derive from edition and userLicenses. */
  dailyApiRequests: number | undefined;
  /** Licences used for the per-licence allowance adder (UNVERIFIED table). */
  userLicenses: number;
  /** API usage already consumed when the sandbox starts. */
  initialApiUsage: number;
  /** Append `; api-bursts=N/M` to Sforce-Limit-Info (shown in the current doc example). */
  limitInfoBursts: boolean;
  /** Query batch: default, minimum and maximum (Sforce-Query-Options). */
  queryBatchDefault: number;
  queryBatchMin: number;
  queryBatchMax: number;
  /** How long a query locator stays valid (2 days since API 56.0). */
  cursorTtlMs: number;
  /** HTTP status for INVALID_QUERY_LOCATOR (UNVERIFIED, observed 400). */
  invalidLocatorStatus: number;
  /** sObject Collections: record cap and the status of the over-cap error (status UNVERIFIED, observed 400). */
  collectionMaxRecords: number;
  collectionLimitStatus: number;
  /** An unknown field in a collection fails the whole request (400) or only that record (UNVERIFIED). */
  unknownFieldInCollection: 'request' | 'record';
  /** A field created through the Tooling API is visible to the API user before FLS is granted (UNVERIFIED). */
  newCustomFieldVisible: boolean;
  /** Status for a PATCH on a converted lead (UNVERIFIED, observed 400). */
  convertedLeadUpdateStatus: number;
  /** HTTP status of an allOrNone collection call that rolled back (UNVERIFIED, observed 200). */
  allOrNoneRollbackStatus: number;
  /** HTTP status of GET on a deleted or merged-away record (UNVERIFIED, observed 404 NOT_FOUND). */
  deletedRecordGetStatus: number;
  /** Lead conversion re-parents Tasks/Events to the new Contact (UNVERIFIED wording; standard UI behaviour). */
  conversionMovesActivities: boolean;
  /** Logging an activity moves the parent's SystemModstamp but not LastModifiedDate (UNVERIFIED). */
  activityTouchesParentModstamp: boolean;
  /** Activities older than this many days are archived (query hides them, queryAll returns them). */
  activityArchiveDays: number;
  /** URI (414) and URI + headers (431) byte limits of one REST call. */
  maxUriBytes: number;
  /** Requests running at least this long count as long-running (20 s). */
  longRunningMs: number;
  /** Concurrent long-running requests allowed: undefined means 5 (Developer Edition) or 25. */
  concurrentLongRunning: number | undefined;
  /** Session lifetime: the org's session timeout (default 2 hours). */
  sessionTimeoutMs: number;
  /** Issue a new refresh token on every refresh and invalidate the old one (Refresh Token Rotation). */
  refreshTokenRotation: boolean;
  /** Get Updated / Get Deleted windows, in days, and the id cap. */
  updatedWindowDays: number;
  deletedWindowDays: number;
  replicationIdLimit: number;
  /** JWT bearer: allowed clock skew in seconds for `exp` (UNVERIFIED). */
  jwtClockSkewSeconds: number;
}

export function defaultBehaviours(): SandboxBehaviours {
  return {
    dailyApiRequests: undefined,
    userLicenses: 10,
    initialApiUsage: 0,
    limitInfoBursts: false,
    queryBatchDefault: 2000,
    queryBatchMin: 200,
    queryBatchMax: 2000,
    cursorTtlMs: 2 * 24 * 3600 * 1000,
    invalidLocatorStatus: 400,
    collectionMaxRecords: 200,
    collectionLimitStatus: 400,
    unknownFieldInCollection: 'request',
    newCustomFieldVisible: false,
    convertedLeadUpdateStatus: 400,
    allOrNoneRollbackStatus: 200,
    deletedRecordGetStatus: 404,
    conversionMovesActivities: true,
    activityTouchesParentModstamp: true,
    activityArchiveDays: 365,
    maxUriBytes: 16_384,
    longRunningMs: 20_000,
    concurrentLongRunning: undefined,
    sessionTimeoutMs: 2 * 3600 * 1000,
    refreshTokenRotation: false,
    updatedWindowDays: 30,
    deletedWindowDays: 15,
    replicationIdLimit: 600_000,
    jwtClockSkewSeconds: 0,
  };
}

/**
 * Daily allowance: 15,000 for Developer Edition; Enterprise and Unlimited 100,000 plus a per-licence
 * adder (1,000 and 5,000). The per-licence table is UNVERIFIED (third-party summaries of
 * https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html).
 */
export function dailyAllowance(edition: Edition, b: SandboxBehaviours): number {
  if (b.dailyApiRequests !== undefined) return b.dailyApiRequests;
  if (edition === 'developer') return 15_000;
  return 100_000 + b.userLicenses * (edition === 'unlimited' ? 5_000 : 1_000);
}
