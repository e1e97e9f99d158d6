import type { StoreContext } from './db.js';
import type { JsonValue } from './json.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';
export type RunStats = Record<string, JsonValue>;

export interface Run {
  id: number;
  kind: string;
  source: string | null;
  startedAt: number;
  finishedAt: number | null;
  status: RunStatus;
  stats: RunStats | null;
  error: string | null;
}

export interface FinishRun {
  status: Exclude<RunStatus, 'running'>;
  /** Any JSON-serialisable object (counts, durations); stored as JSON. */
  stats?: object;
  error?: string | null;
  at: number;
}

interface RunRow {
  id: number;
  kind: string;
  source: string | null;
  started_at: number;
  finished_at: number | null;
  status: RunStatus;
  stats: string | null;
  error: string | null;
}

export class Runs {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  /** Records the start of a sync, scoring or write-back run; returns its id. */
  startRun(kind: string, source: string | null, at: number): number {
    const { lastInsertRowid } = this.#ctx.sql
      .get("INSERT INTO runs (kind, source, started_at, status) VALUES (?, ?, ?, 'running')")
      .run(kind, source, at);
    return Number(lastInsertRowid);
  }

  /** Returns false when no run with this id is still running. */
  finishRun(id: number, finish: FinishRun): boolean {
    const { changes } = this.#ctx.sql
      .get(
        "UPDATE runs SET status = ?, stats = ?, error = ?, finished_at = ? WHERE id = ? AND status = 'running'",
      )
      .run(
        finish.status,
        finish.stats === undefined ? null : JSON.stringify(finish.stats),
        finish.error ?? null,
        finish.at,
        id,
      );
    return changes > 0;
  }

  /** Newest first. */
  listRuns(limit: number): Run[] {
    return this.#ctx.sql
      .get<[number], RunRow>('SELECT * FROM runs ORDER BY started_at DESC, id DESC LIMIT ?')
      .all(limit)
      .map((row) => ({
        id: row.id,
        kind: row.kind,
        source: row.source,
        startedAt: row.started_at,
        finishedAt: row.finished_at,
        status: row.status,
        stats: row.stats === null ? null : (JSON.parse(row.stats) as RunStats),
        error: row.error,
      }));
  }

  /**
   * Crash recovery, at start-up before any new run: runs still 'running' belonged to a process that died.
   * Returns how many were marked interrupted.
   */
  markInterruptedRuns(at: number): number {
    return this.#ctx.sql
      .get(
        "UPDATE runs SET status = 'interrupted', finished_at = ?, " +
          "error = COALESCE(error, 'the process stopped before the run finished') WHERE status = 'running'",
      )
      .run(at).changes;
  }
}
