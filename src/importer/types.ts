import type { EngagementEvent, LeadRecord } from '../crm/vocabulary.js';

export type ImportKind = 'records' | 'events';
export type ImportFormat = 'jsonl' | 'csv';

export interface ImportProblem {
  file: string;
  /** 1-based physical line where the row starts (a quoted CSV field may span several lines). */
  line: number;
  /** `error`: the row was skipped. `warning`: the row was kept with the value left out, or skipped as a duplicate. */
  severity: 'error' | 'warning';
  /** Starts with `line N: ` and names the field, e.g. `line 17: companySize "lots" is not a number; left empty`. */
  message: string;
  /** The message without line or values, for counting problems by kind, e.g. `companySize is not a number`. */
  kind: string;
}

export interface ImportBatch {
  kind: ImportKind;
  /** Filled when kind is 'records'. */
  records: LeadRecord[];
  /** Filled when kind is 'events'. */
  events: EngagementEvent[];
  /** Problems on the rows this batch covers. */
  problems: ImportProblem[];
}

export interface ImportOptions {
  kind: ImportKind;
  /** LeadRecord.source / EngagementEvent.source of everything imported. Default 'file'. */
  source?: string;
  /** Epoch milliseconds; events more than 5 minutes after it are rejected. */
  now: number;
  /** Most records or events per batch. Default 5000. */
  batchSize?: number;
  /** Overrides the format taken from the file extension. */
  format?: ImportFormat;
}

/** Where a row came from, for its problems; `now` is only used for events. */
export interface RowContext {
  file: string;
  line: number;
  source: string;
  now: number;
}

export type RowResult<T> =
  | { ok: true; value: T; problems: ImportProblem[] }
  | { ok: false; problems: ImportProblem[] };
