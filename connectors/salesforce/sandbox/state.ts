import type { Edition, SandboxBehaviours } from './behaviours.js';
import type { Org } from './generate.js';
import type { CustomFieldSpec } from './store.js';
import type { Table } from './table.js';
import type { SaveError } from './writes.js';

export interface RequestLogEntry {
  at: number;
  method: string;
  path: string;
  status: number;
  /** Whether the call counted against the daily API allowance. */
  apiCounted: boolean;
  ms: number;
}

export interface FaultSpec {
  /** Respond with this status (500 UNKNOWN_EXCEPTION, 503 SERVER_UNAVAILABLE, or any other). */
  status?: number;
  /** Delay the response by this many milliseconds. */
  delayMs?: number;
  /** Destroy the socket without a response. */
  reset?: boolean;
  /** How many matching requests this applies to (default 1). */
  count?: number;
  /** Only requests whose path contains this string. */
  pathIncludes?: string;
}

/** In-process handle on a running sandbox: the same operations as the /__sandbox/ controls. */
export interface SandboxState {
  readonly org: Org;
  readonly behaviours: SandboxBehaviours;
  readonly edition: Edition;
  readonly apiUsage: number;
  readonly allowance: number;
  readonly requestLog: RequestLogEntry[];
  /** PEM keys for the JWT bearer flow: sign assertions with privateKey. */
  readonly jwt: { publicKey: string; privateKey: string };
  table(name: string): Table | undefined;
  summary(): Record<string, unknown>;
  expireSessions(): void;
  revokeRefreshToken(token?: string): void;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  exhaustDailyLimit(): void;
  setApiUsage(used: number): void;
  setAllowance(max: number): void;
  /** Per-record failures for collection and single-record writes, keyed by id. */
  failRecords(failures: Record<string, Partial<SaveError>>): void;
  clearRecordFailures(): void;
  /** Current field values, including custom fields the API user cannot see yet. */
  record(type: string, id: string): Record<string, unknown> | undefined;
  editRecord(type: string, id: string, values: Record<string, unknown>): void;
  /** Creates a Task, Event, CampaignMember or EmailMessage (or any served object); returns its id. */
  addActivity(type: string, values: Record<string, unknown>): string;
  mergeRecords(type: 'Lead' | 'Contact', masterId: string, loserIds: string[]): void;
  convertLead(
    leadId: string,
    options?: { won?: boolean },
  ): { contactId: string; opportunityId: string; accountId: string };
  createCustomField(spec: CustomFieldSpec, visible: boolean): string;
  grantFieldAccess(fullName: string): boolean;
  /**
   * Narrows (or restores) the API user's permission on an object, or with `field` its field-level security:
   * 'none' hides it, 'read' makes it read-only, 'edit' restores full access (BEHAVIOR 28).
   */
  setAccess(object: string, field: string | undefined, access: 'none' | 'read' | 'edit'): boolean;
}
