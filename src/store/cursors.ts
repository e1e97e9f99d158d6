import type { StoreContext } from './db.js';

export interface Cursor {
  value: string;
  updatedAt: number;
}

export class Cursors {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  getCursor(source: string, stream: string): Cursor | undefined {
    const row = this.#ctx.sql
      .raw<[string, string], [string, number]>(
        'SELECT value, updated_at FROM cursors WHERE source = ? AND stream = ?',
      )
      .get(source, stream);
    return row === undefined ? undefined : { value: row[0], updatedAt: row[1] };
  }

  /**
   * Saves where a stream got to. Call it inside the same `store.transaction` as the upserts of the page it
   * covers, so a crash can never leave the cursor ahead of the data (or the data without its cursor).
   */
  setCursor(source: string, stream: string, value: string, at: number): void {
    this.#ctx.sql
      .get(
        'INSERT INTO cursors (source, stream, value, updated_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (source, stream) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      )
      .run(source, stream, value, at);
  }
}
