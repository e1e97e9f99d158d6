import type { EngagementEvent, LeadRecord } from './vocabulary.js';

/**
 * The ports every connector implements. The sync pipeline (src/sync) only knows these; a connector's
 * adapter.ts maps its CRM onto them, and one composition root wires the two together.
 */

/** One page of pulled data, saved in one transaction together with `cursor`. */
export interface PulledPage {
  records: LeadRecord[];
  events: EngagementEvent[];
  /** External ids the CRM reports as deleted/archived. */
  archived: string[];
  /** Records the CRM merged: the merged-away ids fold into the survivor. */
  merges: Array<{ survivor: string; merged: string[] }>;
  /** The position after this page, opaque to the pipeline; saved with the page so a crash loses at most one page. */
  cursor: string;
  /** True when the stream has nothing more for now. */
  done: boolean;
}

/** A page with nothing in it, only a cursor (a stream that has caught up, or a step of a walk). */
export function emptyPage(cursor: string, done: boolean): PulledPage {
  return { records: [], events: [], archived: [], merges: [], cursor, done };
}

export interface PullStream {
  /** Stable name, used as the cursor key (e.g. 'contacts', 'email-events'). */
  name: string;
  /** The next page after `cursor` (undefined: start from the beginning, a full sync). */
  pull(cursor: string | undefined): Promise<PulledPage>;
}

export interface CrmReader {
  /** The records' `source` label, e.g. 'hubspot'. */
  source: string;
  /** Streams in dependency order: records before their events. */
  streams(mode: 'incremental' | 'full'): PullStream[];
  /** Reads records by external id, for events whose record is not stored yet; unknown ids are left out. */
  readRecords(externalIds: string[]): Promise<LeadRecord[]>;
}

/** A CRM property leadscore writes, with the type it must have. */
export interface WriteField {
  name: string;
  label: string;
  type: 'number' | 'string' | 'text' | 'datetime';
  description: string;
}

export type WriteValue = string | number | null;

export interface RecordWrite {
  /** The outbox row this write came from. */
  outboxId: number;
  externalId: string;
  values: Record<string, WriteValue>;
}

/** Per-record result of a batch write; a connector throws only when the whole batch failed. */
export type WriteOutcome =
  | { outboxId: number; outcome: 'written' }
  | { outboxId: number; outcome: 'failed'; retryable: boolean; message: string }
  | { outboxId: number; outcome: 'skipped'; message: string };

/** A WriteOutcome before the connector attaches the outbox row it answers. */
export type WriteOutcomeBody = WriteOutcome extends infer O
  ? O extends WriteOutcome
    ? Omit<O, 'outboxId'>
    : never
  : never;

export interface CrmWriter {
  /** The outbox target, e.g. 'hubspot'. */
  target: string;
  /** The CRM's batch limit for updates. */
  maxBatchSize: number;
  /** Creates missing fields; throws ERR_CRM_FIELD_CONFLICT if one exists with another type. */
  ensureFields(fields: WriteField[]): Promise<{ created: string[]; existing: string[] }>;
  write(batch: RecordWrite[]): Promise<WriteOutcome[]>;
  /**
   * After a crash, for writes that may or may not have been applied: reads the CRM and returns the outboxIds
   * whose values it already holds, so they are not written twice. Without it they are simply sent again.
   */
  alreadyApplied?(batch: RecordWrite[]): Promise<number[]>;
}

/** Thrown by a connector when the CRM says to wait; the write-back engine waits without spending an attempt. */
export class RateLimitedError extends Error {
  readonly retryAt: number;
  constructor(message: string, retryAt: number) {
    super(message);
    this.name = 'RateLimitedError';
    this.retryAt = retryAt;
  }
}
