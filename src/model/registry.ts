import Database from 'better-sqlite3';
import { translateSqliteError } from '../store/db.js';
import type { JsonValue, Store } from '../store/index.js';
import { MODEL_SCORES_SQL, MODELS_SQL } from '../store/migrations/index.js';

/**
 * The model registry: trained models, versioned, with their training summary and metrics, and the latest
 * likelihood per record. The tables come with migration 3; the Store does not expose its connection, so the
 * registry opens its own to the same file. A ':memory:' store cannot be shared that way: its registry is a
 * private in-memory database (made with the same idempotent SQL) that lives as long as the Store object.
 */

export interface SavedModel {
  id: number;
  createdAt: number;
  trainedOnRows: number;
  positives: number;
  metrics: Record<string, JsonValue>;
  summary: Record<string, JsonValue>;
  active: boolean;
}

export interface SavedModelWithBody extends SavedModel {
  /** serializeModel's text. */
  body: string;
}

export interface NewModel {
  createdAt: number;
  trainedOnRows: number;
  positives: number;
  metrics: Record<string, JsonValue>;
  summary: Record<string, JsonValue>;
  body: string;
  /** Make it the active model (default true): at most one model is active. */
  activate?: boolean;
}

export interface ModelScore {
  recordId: number;
  modelId: number;
  /** 0-100, one decimal. */
  likelihood: number;
  reasons: string;
  asOf: number;
  eventsSeq: number;
  computedAt: number;
}

interface ModelRow {
  id: number;
  created_at: number;
  trained_on_rows: number;
  positives: number;
  metrics: string;
  summary: string;
  active: number;
  body?: string;
}

function fromRow(row: ModelRow): SavedModel {
  return {
    id: row.id,
    createdAt: row.created_at,
    trainedOnRows: row.trained_on_rows,
    positives: row.positives,
    metrics: JSON.parse(row.metrics) as Record<string, JsonValue>,
    summary: JSON.parse(row.summary) as Record<string, JsonValue>,
    active: row.active === 1,
  };
}

const MEMORY = new WeakMap<Store, Database.Database>();

export class ModelRegistry {
  readonly #db: Database.Database;
  readonly #shared: boolean;
  readonly #ready: boolean;

  constructor(db: Database.Database, shared: boolean) {
    this.#db = db;
    this.#shared = shared;
    if (!db.readonly) {
      db.exec(MODELS_SQL);
      db.exec(MODEL_SCORES_SQL);
    }
    const tables = db
      .prepare(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('models', 'model_scores')",
      )
      .get() as { n: number };
    this.#ready = tables.n === 2;
  }

  /** Saves a model; with `activate` (the default) it becomes the only active one. Returns its id. */
  saveModel(model: NewModel): number {
    const insert = this.#db.prepare(
      'INSERT INTO models (created_at, trained_on_rows, positives, metrics, summary, body, active) VALUES (?, ?, ?, ?, ?, ?, 0)',
    );
    return this.#db
      .transaction(() => {
        const id = Number(
          insert.run(
            model.createdAt,
            model.trainedOnRows,
            model.positives,
            JSON.stringify(model.metrics),
            JSON.stringify(model.summary),
            model.body,
          ).lastInsertRowid,
        );
        if (model.activate !== false) this.activate(id);
        return id;
      })
      .immediate();
  }

  activate(id: number): void {
    this.#db.transaction(() => {
      this.#db.prepare('UPDATE models SET active = 0 WHERE active = 1 AND id <> ?').run(id);
      this.#db.prepare('UPDATE models SET active = 1 WHERE id = ?').run(id);
    })();
  }

  activeModel(): SavedModelWithBody | undefined {
    if (!this.#ready) return undefined;
    const row = this.#db
      .prepare(
        'SELECT id, created_at, trained_on_rows, positives, metrics, summary, active, body FROM models WHERE active = 1 ORDER BY id DESC LIMIT 1',
      )
      .get() as ModelRow | undefined;
    return row === undefined ? undefined : { ...fromRow(row), body: row.body as string };
  }

  /** Newest first, without their bodies. */
  listModels(limit = 20): SavedModel[] {
    if (!this.#ready) return [];
    const rows = this.#db
      .prepare(
        'SELECT id, created_at, trained_on_rows, positives, metrics, summary, active FROM models ORDER BY id DESC LIMIT ?',
      )
      .all(limit) as ModelRow[];
    return rows.map(fromRow);
  }

  saveModelScores(scores: readonly ModelScore[]): void {
    const upsert = this.#db.prepare(
      'INSERT INTO model_scores (record_id, model_id, likelihood, reasons, as_of, events_seq, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (record_id) DO UPDATE SET model_id = excluded.model_id, likelihood = excluded.likelihood, ' +
        'reasons = excluded.reasons, as_of = excluded.as_of, events_seq = excluded.events_seq, computed_at = excluded.computed_at',
    );
    this.#db
      .transaction(() => {
        for (const s of scores) {
          upsert.run(s.recordId, s.modelId, s.likelihood, s.reasons, s.asOf, s.eventsSeq, s.computedAt);
        }
      })
      .immediate();
  }

  /** Every stored likelihood, by record id. */
  modelScores(): Map<number, ModelScore> {
    const result = new Map<number, ModelScore>();
    if (!this.#ready) return result;
    const rows = this.#db
      .prepare(
        'SELECT record_id, model_id, likelihood, reasons, as_of, events_seq, computed_at FROM model_scores',
      )
      .all() as Array<{
      record_id: number;
      model_id: number;
      likelihood: number;
      reasons: string;
      as_of: number;
      events_seq: number;
      computed_at: number;
    }>;
    for (const row of rows) {
      result.set(row.record_id, {
        recordId: row.record_id,
        modelId: row.model_id,
        likelihood: row.likelihood,
        reasons: row.reasons,
        asOf: row.as_of,
        eventsSeq: row.events_seq,
        computedAt: row.computed_at,
      });
    }
    return result;
  }

  close(): void {
    if (!this.#shared && this.#db.open) this.#db.close();
  }
}

/** Opens the registry beside the store (see the module comment). Close it when done; the store stays open. */
export function openModelRegistry(store: Store): ModelRegistry {
  if (store.path === ':memory:' || store.path === '') {
    let db = MEMORY.get(store);
    if (db === undefined) {
      db = new Database(':memory:');
      MEMORY.set(store, db);
    }
    return new ModelRegistry(db, true);
  }
  try {
    const db = new Database(store.path, { readonly: store.readonly, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return new ModelRegistry(db, false);
  } catch (error) {
    throw translateSqliteError(error, store.path, store.readonly);
  }
}
