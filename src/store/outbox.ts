import { createHash } from 'node:crypto';
import type { StoreContext } from './db.js';
import { canonicalFlatJson } from './json.js';

export type OutboxStatus = 'pending' | 'sent' | 'parked' | 'skipped';
export type WritePayload = Record<string, string | number | null>;

export interface OutboxRow {
  id: number;
  recordId: number;
  /** The record's id in its CRM, for the writer. */
  externalId: string;
  /** The CRM written to, e.g. 'hubspot'. */
  target: string;
  payload: WritePayload;
  payloadHash: string;
  status: OutboxStatus;
  /** Failed attempts counted against the retry budget (rate-limit waits are not counted). */
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface RetryOptions {
  error: string;
  nextAttemptAt: number;
  /** False for waits that are not the write's fault (429, a closed window): they do not use up attempts. */
  countAttempt: boolean;
  at?: number;
}

interface OutboxDbRow {
  id: number;
  record_id: number;
  external_id: string;
  target: string;
  payload: string;
  payload_hash: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(row: OutboxDbRow): OutboxRow {
  return {
    id: row.id,
    recordId: row.record_id,
    externalId: row.external_id,
    target: row.target,
    payload: JSON.parse(row.payload) as WritePayload,
    payloadHash: row.payload_hash,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const OUTBOX_SELECT = 'SELECT o.*, r.external_id FROM outbox AS o JOIN records AS r ON r.id = o.record_id';

const LAST_SENT =
  "SELECT payload, payload_hash FROM outbox WHERE record_id = ? AND target = ? AND status = 'sent' " +
  'ORDER BY updated_at DESC, id DESC LIMIT 1';

const LAST_SKIPPED =
  "SELECT payload FROM outbox WHERE record_id = ? AND target = ? AND status = 'skipped' " +
  'ORDER BY updated_at DESC, id DESC LIMIT 1';

export class Outbox {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  /**
   * Queues a write of `payload` to `target` for the record. A pending write for the same record and target is
   * replaced (with a fresh attempt budget; a rate-limit wait already set is kept). When the payload equals the
   * last one sent, nothing is queued (and a pending write is skipped as superseded): returns false. Returns true
   * when a pending write now holds this payload.
   */
  enqueueWrite(recordId: number, target: string, payload: WritePayload, at: number): boolean {
    const { sql, tx } = this.#ctx;
    const text = canonicalFlatJson(payload);
    const hash = createHash('sha256').update(text).digest('hex');
    return tx(() => {
      const lastSent = sql.raw<[number, string], [string, string]>(LAST_SENT).get(recordId, target);
      const pending = sql
        .raw<[number, string], [number, string]>(
          "SELECT id, payload_hash FROM outbox WHERE record_id = ? AND target = ? AND status = 'pending'",
        )
        .get(recordId, target);
      if (lastSent !== undefined && lastSent[1] === hash) {
        if (pending !== undefined)
          this.skip(pending[0], 'superseded: the CRM already holds this payload', at);
        return false;
      }
      if (pending !== undefined) {
        if (pending[1] !== hash) {
          sql
            .get(
              'UPDATE outbox SET payload = ?, payload_hash = ?, attempts = 0, last_error = NULL, ' +
                'next_attempt_at = MAX(next_attempt_at, ?), updated_at = ? WHERE id = ?',
            )
            .run(text, hash, at, at, pending[0]);
        }
        return true;
      }
      sql
        .get(
          'INSERT INTO outbox (record_id, target, payload, payload_hash, status, attempts, next_attempt_at, ' +
            "created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
        )
        .run(recordId, target, text, hash, at, at, at);
      return true;
    });
  }

  /** Pending writes for `target` whose next attempt is due by `now`, oldest due first. */
  dueWrites(target: string, now: number, limit: number): OutboxRow[] {
    return this.#ctx.sql
      .get<[string, number, number], OutboxDbRow>(
        `${OUTBOX_SELECT} WHERE o.target = ? AND o.status = 'pending' AND o.next_attempt_at <= ? ` +
          'ORDER BY o.next_attempt_at, o.id LIMIT ?',
      )
      .all(target, now, limit)
      .map(fromRow);
  }

  /** Marks pending writes sent; returns how many were. */
  markSent(ids: readonly number[], at: number): number {
    const { sql, tx } = this.#ctx;
    const sent = sql.get<[number, number]>(
      "UPDATE outbox SET status = 'sent', last_error = NULL, dispatched_at = NULL, updated_at = ? " +
        "WHERE id = ? AND status = 'pending'",
    );
    return tx(() => {
      let count = 0;
      for (const id of ids) count += sent.run(at, id).changes;
      return count;
    });
  }

  /** Marks pending writes as on their way to the CRM, in one commit, before the call. */
  markDispatched(ids: readonly number[], at: number): void {
    const { sql, tx } = this.#ctx;
    const mark = sql.get<[number, number]>(
      "UPDATE outbox SET dispatched_at = ? WHERE id = ? AND status = 'pending'",
    );
    tx(() => {
      for (const id of ids) mark.run(at, id);
    });
  }

  /** Pending writes a crashed process sent without recording the CRM's answer: applied or not, nobody knows. */
  inDoubtWrites(target: string, limit: number): OutboxRow[] {
    return this.#ctx.sql
      .get<[string, number], OutboxDbRow>(
        `${OUTBOX_SELECT} WHERE o.target = ? AND o.status = 'pending' AND o.dispatched_at IS NOT NULL ` +
          'ORDER BY o.id LIMIT ?',
      )
      .all(target, limit)
      .map(fromRow);
  }

  /** Clears the in-doubt mark of writes the CRM turned out not to hold: they are sent as usual. */
  clearDispatched(ids: readonly number[]): void {
    const { sql, tx } = this.#ctx;
    const clear = sql.get<[number]>('UPDATE outbox SET dispatched_at = NULL WHERE id = ?');
    tx(() => {
      for (const id of ids) clear.run(id);
    });
  }

  /** Schedules another attempt of a pending write; only failures the write caused count against its budget. */
  markRetry(id: number, retry: RetryOptions): boolean {
    return (
      this.#ctx.sql
        .get(
          'UPDATE outbox SET attempts = attempts + ?, last_error = ?, next_attempt_at = ?, updated_at = ?, ' +
            "dispatched_at = NULL WHERE id = ? AND status = 'pending'",
        )
        .run(retry.countAttempt ? 1 : 0, retry.error, retry.nextAttemptAt, retry.at ?? Date.now(), id)
        .changes > 0
    );
  }

  /** Gives up on a pending write until a person looks at it (retry budget spent, or an error retrying cannot fix). */
  park(id: number, reason: string, at: number): boolean {
    return this.#close(id, 'parked', reason, at);
  }

  /** Drops a pending write on purpose (a policy skip, e.g. a person overwrote the field): final, never retried. */
  skip(id: number, reason: string, at: number): boolean {
    return this.#close(id, 'skipped', reason, at);
  }

  #close(id: number, status: 'parked' | 'skipped', reason: string, at: number): boolean {
    return (
      this.#ctx.sql
        .get(
          'UPDATE outbox SET status = ?, last_error = ?, updated_at = ?, dispatched_at = NULL ' +
            "WHERE id = ? AND status = 'pending'",
        )
        .run(status, reason, at, id).changes > 0
    );
  }

  outboxCounts(target?: string): Record<OutboxStatus, number> {
    const counts: Record<OutboxStatus, number> = { pending: 0, sent: 0, parked: 0, skipped: 0 };
    const rows =
      target === undefined
        ? this.#ctx.sql
            .raw<[], [OutboxStatus, number]>('SELECT status, count(*) FROM outbox GROUP BY status')
            .all()
        : this.#ctx.sql
            .raw<[string], [OutboxStatus, number]>(
              'SELECT status, count(*) FROM outbox WHERE target = ? GROUP BY status',
            )
            .all(target);
    for (const [status, count] of rows) counts[status] = count;
    return counts;
  }

  /** Most recently updated first. */
  listOutbox(options: { status?: OutboxStatus; target?: string; limit: number }): OutboxRow[] {
    const params: Array<string | number> = [];
    const where: string[] = [];
    if (options.status !== undefined) {
      where.push('o.status = ?');
      params.push(options.status);
    }
    if (options.target !== undefined) {
      where.push('o.target = ?');
      params.push(options.target);
    }
    params.push(options.limit);
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')} `;
    return this.#ctx.sql
      .get<Array<string | number>, OutboxDbRow>(
        `${OUTBOX_SELECT} ${clause}ORDER BY o.updated_at DESC, o.id DESC LIMIT ?`,
      )
      .all(...params)
      .map(fromRow);
  }

  /** The payload last written to `target` for the record: what the CRM holds as far as leadscore knows. */
  lastSentPayload(recordId: number, target: string): WritePayload | undefined {
    const row = this.#ctx.sql.raw<[number, string], [string, string]>(LAST_SENT).get(recordId, target);
    return row === undefined ? undefined : (JSON.parse(row[0]) as WritePayload);
  }

  /** The payload the CRM last declined for good (e.g. a converted lead): the same payload is not sent again. */
  lastSkippedPayload(recordId: number, target: string): WritePayload | undefined {
    const row = this.#ctx.sql.raw<[number, string], [string]>(LAST_SKIPPED).get(recordId, target);
    return row === undefined ? undefined : (JSON.parse(row[0]) as WritePayload);
  }
}
