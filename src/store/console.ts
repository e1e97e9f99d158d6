import type { LeadRecord } from '../crm/vocabulary.js';
import type { StoreContext } from './db.js';
import { RECORD_COLUMNS, recordFromTuple } from './records.js';

/**
 * The admin console's tables (migration 7): the admin password hash, sessions (only a hash of each session id
 * is stored, so a copy of the database does not hold a usable cookie), and the saved versions of the rules
 * file. Plus the read-only aggregates its charts need.
 */

export interface ConsoleSession {
  who: string;
  createdAt: number;
  expiresAt: number;
}

export interface RuleVersion {
  id: number;
  createdAt: number;
  author: string;
  note: string;
  rulesetHash: string;
  /** The rules file's text exactly as written. */
  yaml: string;
}

interface RuleVersionRow {
  id: number;
  created_at: number;
  author: string;
  note: string;
  ruleset_hash: string;
  yaml: string;
}

const VERSION_COLUMNS = 'id, created_at, author, note, ruleset_hash, yaml';
const WEEK_MS = 7 * 86_400_000;

function versionFromRow(row: RuleVersionRow): RuleVersion {
  return {
    id: row.id,
    createdAt: row.created_at,
    author: row.author,
    note: row.note,
    rulesetHash: row.ruleset_hash,
    yaml: row.yaml,
  };
}

export class ConsoleTables {
  readonly #ctx: StoreContext;
  readonly #guard: <T>(fn: () => T) => T;

  constructor(ctx: StoreContext, guard: <T>(fn: () => T) => T) {
    this.#ctx = ctx;
    this.#guard = guard;
  }

  setAdminPasswordHash(hash: string, at: number): void {
    this.#guard(() =>
      this.#ctx.sql
        .get(
          'INSERT INTO console_admin (id, password_hash, updated_at) VALUES (1, ?, ?) ' +
            'ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at',
        )
        .run(hash, at),
    );
  }

  adminPasswordHash(): string | undefined {
    return this.#guard(
      () =>
        this.#ctx.sql
          .get<[], { password_hash: string }>('SELECT password_hash FROM console_admin WHERE id = 1')
          .get()?.password_hash,
    );
  }

  createSession(idHash: string, who: string, at: number, expiresAt: number): void {
    this.#guard(() =>
      this.#ctx.tx(() => {
        this.#ctx.sql.get('DELETE FROM console_sessions WHERE expires_at <= ?').run(at);
        this.#ctx.sql
          .get('INSERT INTO console_sessions (id_hash, who, created_at, expires_at) VALUES (?, ?, ?, ?)')
          .run(idHash, who, at, expiresAt);
      }),
    );
  }

  /** The live session with this id hash; an expired one is undefined. */
  getSession(idHash: string, now: number): ConsoleSession | undefined {
    const row = this.#guard(() =>
      this.#ctx.sql
        .get<[string, number], { who: string; created_at: number; expires_at: number }>(
          'SELECT who, created_at, expires_at FROM console_sessions WHERE id_hash = ? AND expires_at > ?',
        )
        .get(idHash, now),
    );
    return row === undefined
      ? undefined
      : { who: row.who, createdAt: row.created_at, expiresAt: row.expires_at };
  }

  deleteSession(idHash: string): void {
    this.#guard(() => this.#ctx.sql.get('DELETE FROM console_sessions WHERE id_hash = ?').run(idHash));
  }

  /** Ends every session (after a password change). */
  deleteAllSessions(): void {
    this.#guard(() => this.#ctx.sql.get('DELETE FROM console_sessions').run());
  }

  addRuleVersion(
    version: { author: string; note: string; rulesetHash: string; yaml: string },
    at: number,
  ): number {
    return this.#guard(() =>
      Number(
        this.#ctx.sql
          .get(
            'INSERT INTO console_rule_versions (created_at, author, note, ruleset_hash, yaml) VALUES (?, ?, ?, ?, ?)',
          )
          .run(at, version.author, version.note, version.rulesetHash, version.yaml).lastInsertRowid,
      ),
    );
  }

  getRuleVersion(id: number): RuleVersion | undefined {
    const row = this.#guard(() =>
      this.#ctx.sql
        .get<[number], RuleVersionRow>(`SELECT ${VERSION_COLUMNS} FROM console_rule_versions WHERE id = ?`)
        .get(id),
    );
    return row === undefined ? undefined : versionFromRow(row);
  }

  /** Newest first. */
  listRuleVersions(limit: number): RuleVersion[] {
    return this.#guard(() =>
      this.#ctx.sql
        .get<[number], RuleVersionRow>(
          `SELECT ${VERSION_COLUMNS} FROM console_rule_versions ORDER BY id DESC LIMIT ?`,
        )
        .all(limit)
        .map(versionFromRow),
    );
  }

  /** The version saved just before `id`, for its diff. */
  previousRuleVersion(id: number): RuleVersion | undefined {
    const row = this.#guard(() =>
      this.#ctx.sql
        .get<[number], RuleVersionRow>(
          `SELECT ${VERSION_COLUMNS} FROM console_rule_versions WHERE id < ? ORDER BY id DESC LIMIT 1`,
        )
        .get(id),
    );
    return row === undefined ? undefined : versionFromRow(row);
  }

  /** Live scored records per score bucket of `width` points (bucket = floor(score / width) * width). */
  scoreHistogram(width: number): Array<{ bucket: number; count: number }> {
    return this.#guard(() =>
      this.#ctx.sql
        .get<[number, number], { bucket: number; count: number }>(
          'SELECT (s.score / ?) * ? AS bucket, count(*) AS count FROM scores s JOIN records r ON r.id = s.record_id ' +
            'WHERE r.archived_at IS NULL AND r.merged_into IS NULL GROUP BY bucket ORDER BY bucket',
        )
        .all(width, width),
    );
  }

  /**
   * Ledger rows that moved a record into `stage` (from no stage or another one), per week starting at `since`:
   * week index 0 is [since, since + 7 days).
   */
  stageEntriesPerWeek(stage: string, since: number): Array<{ week: number; count: number }> {
    return this.#guard(() =>
      this.#ctx.sql
        .get<[number, number, string, number], { week: number; count: number }>(
          'SELECT (at - ?) / ? AS week, count(*) AS count FROM score_ledger ' +
            'WHERE new_stage = ? AND (old_stage IS NULL OR old_stage <> new_stage) AND at >= ? GROUP BY week ORDER BY week',
        )
        .all(since, WEEK_MS, stage, since),
    );
  }

  /** Record ids whose email, external id, name or company contains `query` (case-insensitive). */
  searchRecordIds(query: string, limit: number): number[] {
    const like = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.#guard(() =>
      this.#ctx.sql
        .get<[string, string, string, string, string, number], { id: number }>(
          "SELECT id FROM records WHERE external_id = ? OR email LIKE ? ESCAPE '\\' OR external_id LIKE ? ESCAPE '\\' " +
            "OR (coalesce(first_name, '') || ' ' || coalesce(last_name, '')) LIKE ? ESCAPE '\\' " +
            "OR company LIKE ? ESCAPE '\\' ORDER BY archived_at IS NOT NULL, id LIMIT ?",
        )
        .all(query, like, like, like, like, limit)
        .map((row) => row.id),
    );
  }

  /** The model's latest likelihood (0-100) for a record, when a model scored it. */
  likelihood(recordId: number): number | undefined {
    return this.#guard(
      () =>
        this.#ctx.sql
          .get<[number], { likelihood: number }>('SELECT likelihood FROM model_scores WHERE record_id = ?')
          .get(recordId)?.likelihood,
    );
  }

  /** Live scored records with their current band, a page at a time (for conversion by band). */
  *scoredRecords(pageSize = 1000): Generator<{ record: LeadRecord; band: string }> {
    let afterId = 0;
    for (;;) {
      const rows = this.#guard(() =>
        this.#ctx.sql
          .raw<[number, number], unknown[]>(
            `SELECT ${RECORD_COLUMNS.split(', ')
              .map((column) => `r.${column}`)
              .join(', ')}, r.id, s.band FROM records r JOIN scores s ON s.record_id = r.id ` +
              'WHERE r.id > ? AND r.archived_at IS NULL AND r.merged_into IS NULL ORDER BY r.id LIMIT ?',
          )
          .all(afterId, pageSize),
      );
      if (rows.length === 0) return;
      for (const row of rows) yield { record: recordFromTuple(row), band: row[17] as string };
      afterId = rows[rows.length - 1]![16] as number;
    }
  }
}
