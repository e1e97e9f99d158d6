import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LeadscoreError } from '../../src/errors.js';
import { LATEST_SCHEMA_VERSION, openStore } from '../../src/store/index.js';
import { closeLater, lead, tempDir, tempStore } from './helpers.js';

function thrown(fn: () => unknown): LeadscoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LeadscoreError) return error;
    throw error;
  }
  throw new Error('expected a LeadscoreError');
}

describe('openStore', () => {
  it('given no file, when opened, then every migration is applied and the pragmas are set', () => {
    const { path } = tempStore();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all() as string[];
      expect(tables).toEqual(
        expect.arrayContaining([
          'cursors',
          'events',
          'outbox',
          'records',
          'rulesets',
          'runs',
          'score_ledger',
          'scores',
          'secrets',
        ]),
      );
    } finally {
      db.close();
    }
  });

  it('given a migrated store with data, when reopened, then nothing is re-applied and the data is kept', () => {
    const { store, path } = tempStore();
    store.upsertRecords([lead('1')]);
    store.close();
    const again = closeLater(openStore(path));
    expect(again.countRecords()).toBe(1);
    const third = closeLater(openStore(path));
    expect(third.getRecordByExternalId('hubspot', '1')?.email).toBe('1@example.com');
  });

  it('given an in-memory path, when opened, then the store works', () => {
    const store = closeLater(openStore(':memory:'));
    expect(store.upsertRecords([lead('1')])).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
  });

  it('given a database from a newer leadscore, when opened, then ERR_STORE_SCHEMA_NEWER names both versions', () => {
    const { store, path } = tempStore();
    store.close();
    const db = new Database(path);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 3}`);
    db.close();

    const error = thrown(() => openStore(path));
    expect(error.code).toBe('ERR_STORE_SCHEMA_NEWER');
    expect(error.message).toContain(`version ${LATEST_SCHEMA_VERSION + 3}`);
    expect(error.message).toContain(`version ${LATEST_SCHEMA_VERSION}`);
    expect(error.message).toContain(path);
  });

  it('given a file of garbage, when opened, then ERR_STORE_CORRUPT says how to restore', () => {
    const path = join(tempDir(), 'garbage.db');
    writeFileSync(path, Buffer.alloc(16_384, 'not a database at all '));
    const error = thrown(() => openStore(path));
    expect(error.code).toBe('ERR_STORE_CORRUPT');
    expect(error.message).toContain(path);
    expect(error.hint).toMatch(/backup/);
  });

  function halfTruncatedStore(): string {
    const { store, path } = tempStore();
    const records = Array.from({ length: 3000 }, (_, i) =>
      lead(String(i), { properties: { note: `a long enough note to fill pages ${i}`.repeat(4) } }),
    );
    store.upsertRecords(records);
    store.close();
    const size = readFileSync(path).length;
    truncateSync(path, Math.floor(size / 2));
    return path;
  }

  it('given a real database truncated to half its size, when opened with the integrity check, then ERR_STORE_CORRUPT', () => {
    const path = halfTruncatedStore();
    const error = thrown(() => openStore(path, { integrityCheck: true }));
    expect(error.code).toBe('ERR_STORE_CORRUPT');
    expect(error.message).toContain(path);
  });

  it('given a real database truncated to half its size, when opened without the check and read, then ERR_STORE_CORRUPT', () => {
    const path = halfTruncatedStore();
    const error = thrown(() => {
      const store = closeLater(openStore(path));
      store.countRecords();
      store.knownPropertyNames();
    });
    expect(error.code).toBe('ERR_STORE_CORRUPT');
    expect(error.message).toContain(path);
    expect(error.hint).toMatch(/backup/);
  });

  it('given a sound database, when opened with the integrity check, then it opens', () => {
    const { store, path } = tempStore();
    store.upsertRecords([lead('1')]);
    store.close();
    expect(closeLater(openStore(path, { integrityCheck: true })).countRecords()).toBe(1);
  });

  it('given a store opened read-only, when writing, then ERR_STORE_WRITE says it is read-only and nothing changes', () => {
    const { store, path } = tempStore();
    store.upsertRecords([lead('1')]);
    store.close();
    const readonly = closeLater(openStore(path, { readonly: true }));

    expect(readonly.getRecordByExternalId('hubspot', '1')?.externalId).toBe('1');
    const error = thrown(() => readonly.upsertRecords([lead('2')]));
    expect(error.code).toBe('ERR_STORE_WRITE');
    expect(error.message).toContain('read-only');
    expect(error.message).toContain(path);
    expect(thrown(() => readonly.putSecret('x', Buffer.from('y'), 1)).code).toBe('ERR_STORE_WRITE');
    expect(readonly.countRecords()).toBe(1);
  });

  it('given no file, when opened read-only, then ERR_STORE_WRITE names the path', () => {
    const path = join(tempDir(), 'missing.db');
    const error = thrown(() => openStore(path, { readonly: true }));
    expect(error.code).toBe('ERR_STORE_WRITE');
    expect(error.message).toContain(path);
  });

  it('given a folder that does not exist, when opened, then ERR_STORE_WRITE names the path', () => {
    const path = join(tempDir(), 'no', 'such', 'folder', 'x.db');
    const error = thrown(() => openStore(path));
    expect(error.code).toBe('ERR_STORE_WRITE');
    expect(error.message).toContain(path);
  });
});
