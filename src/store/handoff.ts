import type { LeadRecord } from '../crm/vocabulary.js';
import type { StoreContext } from './db.js';
import { RECORD_COLUMNS, recordFromTuple } from './records.js';

/**
 * The hand-off tables (migration 6): upward stage crossings read from the score ledger, the actions each one
 * plans (kept like the write-back outbox: attempts, next attempt, last error, plus an idempotency key and the
 * CRM's id of what was made), the delivery log of every attempt, and named state (ledger position, round-robin
 * turns). Planning and sending live in src/handoff; this module only reads and writes rows.
 */

export type HandoffActionKind = 'assign' | 'task' | 'lifecycle' | 'webhook';
export type HandoffActionStatus = 'pending' | 'done' | 'skipped' | 'dead';
export type HandoffAttemptOutcome = 'ok' | 'retry' | 'dead' | 'skipped';

/** A ledger row whose stage changed, with the record and its current score. */
export interface LedgerCrossing {
  ledgerId: number;
  recordId: number;
  at: number;
  cause: string;
  oldStage: string | null;
  newStage: string;
  newScore: number;
  newBand: string;
  record: LeadRecord;
  /** The record's score now (it may have moved on since the ledger row). */
  current: { score: number; band: string; stage: string | null; reasonsText: string } | null;
}

export interface NewCrossing {
  ledgerId: number;
  recordId: number;
  source: string;
  stage: string;
  fromStage: string | null;
  score: number;
  band: string;
  crossedAt: number;
  status: 'planned' | 'skipped';
  note: string | null;
}

export interface NewAction {
  kind: HandoffActionKind;
  target: string;
  idempotencyKey: string;
  payload: Record<string, unknown>;
}

export interface HandoffAction {
  id: number;
  crossingId: number;
  kind: HandoffActionKind;
  target: string;
  idempotencyKey: string;
  payload: Record<string, unknown>;
  status: HandoffActionStatus;
  attempts: number;
  nextAttemptAt: number;
  /** Set when a call started and no outcome was recorded: the process stopped mid-call. */
  inflightAt: number | null;
  lastError: string | null;
  /** What the CRM or endpoint made: a task id, the owner assigned, an HTTP status. */
  result: string | null;
  createdAt: number;
  updatedAt: number;
  /** From the crossing. */
  recordId: number;
  externalId: string;
  stage: string;
  ledgerId: number;
}

export interface HandoffAttempt {
  id: number;
  actionId: number;
  at: number;
  outcome: HandoffAttemptOutcome;
  httpStatus: number | null;
  durationMs: number | null;
  detail: string | null;
  kind: HandoffActionKind;
  target: string;
  externalId: string;
  stage: string;
}

interface ActionRow {
  id: number;
  crossing_id: number;
  kind: HandoffActionKind;
  target: string;
  idempotency_key: string;
  payload: string;
  status: HandoffActionStatus;
  attempts: number;
  next_attempt_at: number;
  inflight_at: number | null;
  last_error: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
  record_id: number;
  external_id: string;
  stage: string;
  ledger_id: number;
}

const ACTION_SELECT =
  'SELECT a.*, c.record_id, c.stage, c.ledger_id, r.external_id FROM handoff_actions AS a ' +
  'JOIN handoff_crossings AS c ON c.id = a.crossing_id JOIN records AS r ON r.id = c.record_id';

/** Assign before task (the task goes to the assigned owner), then lifecycle, then webhooks. */
const KIND_ORDER = "CASE a.kind WHEN 'assign' THEN 0 WHEN 'task' THEN 1 WHEN 'lifecycle' THEN 2 ELSE 3 END";

function actionFromRow(row: ActionRow): HandoffAction {
  return {
    id: row.id,
    crossingId: row.crossing_id,
    kind: row.kind,
    target: row.target,
    idempotencyKey: row.idempotency_key,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    inflightAt: row.inflight_at,
    lastError: row.last_error,
    result: row.result,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    recordId: row.record_id,
    externalId: row.external_id,
    stage: row.stage,
    ledgerId: row.ledger_id,
  };
}

const PREFIXED_RECORD_COLUMNS = RECORD_COLUMNS.split(', ')
  .map((column) => `r.${column}`)
  .join(', ');
/** Columns 0..15 are RECORD_COLUMNS (recordFromTuple), then the ledger and score columns. */
const CROSSING_SELECT =
  `SELECT ${PREFIXED_RECORD_COLUMNS}, l.id, l.record_id, l.at, l.cause, l.old_stage, l.new_stage, l.new_score, ` +
  'l.new_band, s.score, s.band, s.stage, s.reasons_text FROM score_ledger AS l ' +
  'JOIN records AS r ON r.id = l.record_id LEFT JOIN scores AS s ON s.record_id = l.record_id ' +
  'WHERE l.id > ? AND l.new_stage IS NOT NULL AND l.old_stage IS NOT l.new_stage ' +
  'AND r.archived_at IS NULL AND r.merged_into IS NULL ORDER BY l.id LIMIT ?';
const C = 16;

export class HandoffTables {
  readonly #ctx: StoreContext;
  readonly #guard: <T>(fn: () => T) => T;

  constructor(ctx: StoreContext, guard: <T>(fn: () => T) => T) {
    this.#ctx = ctx;
    this.#guard = guard;
  }

  /** Ledger rows after `afterLedgerId` whose stage changed to a stage, oldest first (live records only). */
  stageChangesAfter(afterLedgerId: number, limit: number): LedgerCrossing[] {
    return this.#guard(() =>
      this.#ctx.sql
        .raw<[number, number], unknown[]>(CROSSING_SELECT)
        .all(afterLedgerId, limit)
        .map((row) => ({
          record: recordFromTuple(row),
          ledgerId: row[C] as number,
          recordId: row[C + 1] as number,
          at: row[C + 2] as number,
          cause: row[C + 3] as string,
          oldStage: row[C + 4] as string | null,
          newStage: row[C + 5] as string,
          newScore: row[C + 6] as number,
          newBand: row[C + 7] as string,
          current:
            row[C + 8] === null
              ? null
              : {
                  score: row[C + 8] as number,
                  band: row[C + 9] as string,
                  stage: row[C + 10] as string | null,
                  reasonsText: row[C + 11] as string,
                },
        })),
    );
  }

  /** The newest ledger row's id (0 when empty). */
  lastLedgerId(): number {
    return this.#guard(
      () => this.#ctx.sql.raw<[], [number | null]>('SELECT max(id) FROM score_ledger').get()?.[0] ?? 0,
    );
  }

  getState(name: string): string | undefined {
    return this.#guard(
      () =>
        this.#ctx.sql
          .raw<[string], [string]>('SELECT value FROM handoff_state WHERE name = ?')
          .get(name)?.[0],
    );
  }

  setState(name: string, value: string, at: number): void {
    this.#guard(() =>
      this.#ctx.sql
        .get(
          'INSERT INTO handoff_state (name, value, updated_at) VALUES (?, ?, ?) ' +
            'ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
        )
        .run(name, value, at),
    );
  }

  /**
   * Saves a crossing and its actions; a ledger row already planned is left alone (returns undefined), and an
   * action whose idempotency key exists is not added twice. Call inside a transaction with the ledger position.
   */
  addCrossing(crossing: NewCrossing, actions: readonly NewAction[], at: number): number | undefined {
    return this.#guard(() => {
      const { sql } = this.#ctx;
      const inserted = sql
        .get(
          'INSERT INTO handoff_crossings (ledger_id, record_id, source, stage, from_stage, score, band, crossed_at, ' +
            'status, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ledger_id) DO NOTHING',
        )
        .run(
          crossing.ledgerId,
          crossing.recordId,
          crossing.source,
          crossing.stage,
          crossing.fromStage,
          crossing.score,
          crossing.band,
          crossing.crossedAt,
          crossing.status,
          crossing.note,
          at,
        );
      if (inserted.changes === 0) return undefined;
      const id = Number(inserted.lastInsertRowid);
      const insertAction = sql.get(
        'INSERT INTO handoff_actions (crossing_id, kind, target, idempotency_key, payload, status, attempts, ' +
          "next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) " +
          'ON CONFLICT (idempotency_key) DO NOTHING',
      );
      for (const action of actions) {
        insertAction.run(
          id,
          action.kind,
          action.target,
          action.idempotencyKey,
          JSON.stringify(action.payload),
          at,
          at,
          at,
        );
      }
      return id;
    });
  }

  /** Pending actions due by `now`, crossing by crossing, assign before task before lifecycle before webhook. */
  dueActions(now: number, limit: number): HandoffAction[] {
    return this.#guard(() =>
      this.#ctx.sql
        .get<[number, number], ActionRow>(
          `${ACTION_SELECT} WHERE a.status = 'pending' AND a.next_attempt_at <= ? ` +
            `ORDER BY a.crossing_id, ${KIND_ORDER}, a.id LIMIT ?`,
        )
        .all(now, limit)
        .map(actionFromRow),
    );
  }

  /** When the earliest pending action is due (undefined: none pending). */
  nextDueAt(): number | undefined {
    return this.#guard(
      () =>
        this.#ctx.sql
          .raw<[], [number | null]>(
            "SELECT min(next_attempt_at) FROM handoff_actions WHERE status = 'pending'",
          )
          .get()?.[0] ?? undefined,
    );
  }

  actionsOfCrossing(crossingId: number): HandoffAction[] {
    return this.#guard(() =>
      this.#ctx.sql
        .get<[number], ActionRow>(`${ACTION_SELECT} WHERE a.crossing_id = ? ORDER BY ${KIND_ORDER}, a.id`)
        .all(crossingId)
        .map(actionFromRow),
    );
  }

  getAction(id: number): HandoffAction | undefined {
    return this.#guard(() => {
      const row = this.#ctx.sql.get<[number], ActionRow>(`${ACTION_SELECT} WHERE a.id = ?`).get(id);
      return row === undefined ? undefined : actionFromRow(row);
    });
  }

  /** Marks a call as started, committed before the call: a crash leaves the mark for the next run to see. */
  markInflight(id: number, at: number): void {
    this.#guard(() =>
      this.#ctx.sql
        .get('UPDATE handoff_actions SET inflight_at = ?, updated_at = ? WHERE id = ?')
        .run(at, at, id),
    );
  }

  /** Closes a pending action: done (with what was made), skipped on purpose, or dead (a dead letter). */
  finishAction(
    id: number,
    status: 'done' | 'skipped' | 'dead',
    details: { result?: string; error?: string; countAttempt?: boolean },
    at: number,
  ): boolean {
    return this.#guard(
      () =>
        this.#ctx.sql
          .get(
            'UPDATE handoff_actions SET status = ?, result = coalesce(?, result), last_error = ?, inflight_at = NULL, ' +
              "attempts = attempts + ?, updated_at = ? WHERE id = ? AND status = 'pending'",
          )
          .run(status, details.result ?? null, details.error ?? null, details.countAttempt ? 1 : 0, at, id)
          .changes > 0,
    );
  }

  /** Schedules another attempt; rate-limit waits do not count against the budget. */
  retryAction(
    id: number,
    retry: { error: string; nextAttemptAt: number; countAttempt: boolean },
    at: number,
  ): void {
    this.#guard(() =>
      this.#ctx.sql
        .get(
          'UPDATE handoff_actions SET attempts = attempts + ?, last_error = ?, next_attempt_at = ?, inflight_at = NULL, ' +
            "updated_at = ? WHERE id = ? AND status = 'pending'",
        )
        .run(retry.countAttempt ? 1 : 0, retry.error, retry.nextAttemptAt, at, id),
    );
  }

  /** Changes a pending action's payload (e.g. the task loses an owner the CRM refused). */
  updatePayload(id: number, payload: Record<string, unknown>, at: number): void {
    this.#guard(() =>
      this.#ctx.sql
        .get('UPDATE handoff_actions SET payload = ?, updated_at = ? WHERE id = ?')
        .run(JSON.stringify(payload), at, id),
    );
  }

  logAttempt(attempt: {
    actionId: number;
    at: number;
    outcome: HandoffAttemptOutcome;
    httpStatus?: number;
    durationMs?: number;
    detail?: string;
  }): void {
    this.#guard(() =>
      this.#ctx.sql
        .get(
          'INSERT INTO handoff_attempts (action_id, at, outcome, http_status, duration_ms, detail) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(
          attempt.actionId,
          attempt.at,
          attempt.outcome,
          attempt.httpStatus ?? null,
          attempt.durationMs ?? null,
          attempt.detail ?? null,
        ),
    );
  }

  /** Most recently updated first. */
  listActions(options: {
    status?: HandoffActionStatus;
    kind?: HandoffActionKind;
    limit: number;
  }): HandoffAction[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (options.status !== undefined) {
      where.push('a.status = ?');
      params.push(options.status);
    }
    if (options.kind !== undefined) {
      where.push('a.kind = ?');
      params.push(options.kind);
    }
    params.push(options.limit);
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')} `;
    return this.#guard(() =>
      this.#ctx.sql
        .get<Array<string | number>, ActionRow>(
          `${ACTION_SELECT} ${clause}ORDER BY a.updated_at DESC, a.id DESC LIMIT ?`,
        )
        .all(...params)
        .map(actionFromRow),
    );
  }

  /** The delivery log, newest first; of one action when `actionId` is given. */
  listAttempts(options: { actionId?: number; kind?: HandoffActionKind; limit: number }): HandoffAttempt[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (options.actionId !== undefined) {
      where.push('t.action_id = ?');
      params.push(options.actionId);
    }
    if (options.kind !== undefined) {
      where.push('a.kind = ?');
      params.push(options.kind);
    }
    params.push(options.limit);
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')} `;
    return this.#guard(() =>
      this.#ctx.sql
        .get<
          Array<string | number>,
          {
            id: number;
            action_id: number;
            at: number;
            outcome: HandoffAttemptOutcome;
            http_status: number | null;
            duration_ms: number | null;
            detail: string | null;
            kind: HandoffActionKind;
            target: string;
            external_id: string;
            stage: string;
          }
        >(
          'SELECT t.*, a.kind, a.target, r.external_id, c.stage FROM handoff_attempts AS t ' +
            'JOIN handoff_actions AS a ON a.id = t.action_id JOIN handoff_crossings AS c ON c.id = a.crossing_id ' +
            `JOIN records AS r ON r.id = c.record_id ${clause}ORDER BY t.id DESC LIMIT ?`,
        )
        .all(...params)
        .map((row) => ({
          id: row.id,
          actionId: row.action_id,
          at: row.at,
          outcome: row.outcome,
          httpStatus: row.http_status,
          durationMs: row.duration_ms,
          detail: row.detail,
          kind: row.kind,
          target: row.target,
          externalId: row.external_id,
          stage: row.stage,
        })),
    );
  }

  /** Puts dead letters back in the queue with a fresh budget (all of them, or the given ids); returns how many. */
  requeueDead(ids: readonly number[] | 'all', at: number): number {
    return this.#guard(() => {
      const { sql, tx } = this.#ctx;
      const requeue =
        "SET status = 'pending', attempts = 0, next_attempt_at = ?, inflight_at = NULL, updated_at = ?";
      if (ids === 'all')
        return sql.get(`UPDATE handoff_actions ${requeue} WHERE status = 'dead'`).run(at, at).changes;
      const one = sql.get(`UPDATE handoff_actions ${requeue} WHERE id = ? AND status = 'dead'`);
      return tx(() => ids.reduce((count, id) => count + one.run(at, at, id).changes, 0));
    });
  }

  counts(): Record<HandoffActionStatus, number> & { crossings: number } {
    return this.#guard(() => {
      const counts = { pending: 0, done: 0, skipped: 0, dead: 0, crossings: 0 };
      const rows = this.#ctx.sql
        .raw<[], [HandoffActionStatus, number]>(
          'SELECT status, count(*) FROM handoff_actions GROUP BY status',
        )
        .all();
      for (const [status, count] of rows) counts[status] = count;
      counts.crossings =
        this.#ctx.sql.raw<[], [number]>('SELECT count(*) FROM handoff_crossings').get()?.[0] ?? 0;
      return counts;
    });
  }
}
