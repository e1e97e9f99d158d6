import type { StoreContext } from './db.js';

/** Opaque secret blobs: the caller encrypts before putting and decrypts after getting. */
export class Secrets {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  getSecret(name: string): Buffer | undefined {
    return this.#ctx.sql.raw<[string], [Buffer]>('SELECT value FROM secrets WHERE name = ?').get(name)?.[0];
  }

  putSecret(name: string, value: Buffer, at: number): void {
    this.#ctx.sql
      .get(
        'INSERT INTO secrets (name, value, updated_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      )
      .run(name, value, at);
  }

  /** Returns whether a secret was deleted. */
  deleteSecret(name: string): boolean {
    return this.#ctx.sql.get('DELETE FROM secrets WHERE name = ?').run(name).changes > 0;
  }

  listSecretNames(): string[] {
    return this.#ctx.sql
      .raw<[], [string]>('SELECT name FROM secrets ORDER BY name')
      .all()
      .map((row) => row[0]);
  }
}
