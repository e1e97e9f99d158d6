import Database from 'better-sqlite3';
import { LeadscoreError } from '../errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations/index.js';

export type SqliteDatabase = Database.Database;

export interface OpenOptions {
  /** Open without write access: no migrations, every write fails with ERR_STORE_WRITE. */
  readonly?: boolean;
  /**
   * Run `PRAGMA quick_check` before anything else (off by default: it reads the whole file, ~1 s on a 200 MB
   * store). Without it, corruption still surfaces as ERR_STORE_CORRUPT from the first statement that meets it.
   */
  integrityCheck?: boolean;
}

/** How long a writer waits for another process's lock before SQLITE_BUSY (ms). */
const BUSY_TIMEOUT_MS = 5_000;

/** Prepared statements cached by their SQL text, one cache per connection. */
export class Statements {
  readonly #db: SqliteDatabase;
  readonly #cache = new Map<string, Database.Statement<unknown[], unknown>>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  get<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let stmt = this.#cache.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql);
      this.#cache.set(sql, stmt);
    }
    return stmt as unknown as Database.Statement<P, R>;
  }

  /** Same statement, returning rows as arrays in column order (cheaper than objects on hot paths). */
  raw<P extends unknown[] = unknown[], R extends unknown[] = unknown[]>(
    sql: string,
  ): Database.Statement<P, R> {
    const key = `raw:${sql}`;
    let stmt = this.#cache.get(key);
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql).raw(true);
      this.#cache.set(key, stmt);
    }
    return stmt as unknown as Database.Statement<P, R>;
  }
}

/** What each module gets: the connection, its statement cache and a write-transaction helper. */
export interface StoreContext {
  readonly db: SqliteDatabase;
  readonly sql: Statements;
  /** Runs fn in a transaction (a savepoint when already inside one); BEGIN IMMEDIATE so writers queue on busy_timeout. */
  tx<T>(fn: () => T): T;
}

export function createContext(db: SqliteDatabase): StoreContext {
  const sql = new Statements(db);
  return {
    db,
    sql,
    tx<T>(fn: () => T): T {
      const run = db.transaction(fn);
      return db.readonly ? run.deferred() : run.immediate();
    },
  };
}

function sqliteCode(error: unknown): string | undefined {
  if (error instanceof Database.SqliteError) return error.code;
  return undefined;
}

const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);
const WRITE_CODE_PREFIXES = [
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_BUSY',
  'SQLITE_PERM',
];

/**
 * Turns environment failures from SQLite (disk full, read-only file, cannot open, locked, corrupt) into coded
 * errors naming the database path. Anything else (a constraint a caller broke, a bug) is rethrown as it is.
 */
export function translateSqliteError(error: unknown, path: string, readonly: boolean): unknown {
  if (error instanceof LeadscoreError) return error;
  const code = sqliteCode(error);
  if (code === undefined) return error;
  const message = (error as Error).message;
  if (CORRUPT_CODES.has(code) || code.startsWith('SQLITE_CORRUPT')) {
    return corruptError(path, `SQLite reported ${code}: ${message}`, error);
  }
  if (code.startsWith('SQLITE_READONLY') && readonly) {
    return new LeadscoreError(
      'ERR_STORE_WRITE',
      `cannot write to the store at ${path}: it was opened read-only (${code})`,
      {
        cause: error,
        hint: 'Open the store without the read-only option to change it; nothing was written.',
      },
    );
  }
  if (code.startsWith('SQLITE_BUSY')) {
    return new LeadscoreError(
      'ERR_STORE_WRITE',
      `the store at ${path} stayed locked by another process for ${BUSY_TIMEOUT_MS} ms (${code})`,
      {
        cause: error,
        hint: 'Wait for the other leadscore process (a sync or the server) to finish, then retry; nothing was half-written.',
      },
    );
  }
  if (WRITE_CODE_PREFIXES.some((prefix) => code.startsWith(prefix))) {
    return new LeadscoreError('ERR_STORE_WRITE', `cannot use the store at ${path}: ${message} (${code})`, {
      cause: error,
    });
  }
  return error;
}

function corruptError(path: string, detail: string, cause?: unknown): LeadscoreError {
  return new LeadscoreError(
    'ERR_STORE_CORRUPT',
    `the store at ${path} is damaged: ${detail}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Opens the database, sets the pragmas, checks integrity when asked and the schema version, applies pending
 * migrations.
 */
export function openDatabase(path: string, options: OpenOptions = {}): SqliteDatabase {
  const readonly = options.readonly === true;
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly });
  } catch (error) {
    // better-sqlite3 reports a missing folder as a TypeError before SQLite is involved.
    const translated = translateSqliteError(error, path, readonly);
    if (translated instanceof LeadscoreError) throw translated;
    throw new LeadscoreError(
      'ERR_STORE_WRITE',
      `cannot open the store at ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (options.integrityCheck === true) quickCheck(db, path);
    if (!readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    // A 16 MiB page cache and no memory map: the scoring pass reads every record and event once per run, in
    // id order, so a bigger cache buys little, while cache and mapped pages both count into the process's RSS
    // (64 MiB + 256 MiB measured 550-650 MiB peak on 100k records / 1M events; this keeps it under 300 MiB).
    db.pragma('cache_size = -16384');
    db.pragma('mmap_size = 0');
    // Checkpoint every ~40 MB of WAL rather than 4 MB: a full rescore rewrites every score row, and fewer,
    // larger checkpoints cut its write time by about a third (measured on 100k scores).
    if (!readonly) db.pragma('wal_autocheckpoint = 10000');
    migrate(db, path, MIGRATIONS, readonly);
    return db;
  } catch (error) {
    db?.close();
    throw translateSqliteError(error, path, readonly);
  }
}

function quickCheck(db: SqliteDatabase, path: string): void {
  const problems = db.pragma('quick_check(5)', { simple: false }) as Array<{ quick_check: string }>;
  const messages = problems.map((row) => row.quick_check).filter((text) => text !== 'ok');
  if (messages.length > 0) throw corruptError(path, `the integrity check found ${messages.join('; ')}`);
}

function userVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Exported for tests that need a database ahead of this code. */
export function migrate(
  db: SqliteDatabase,
  path: string,
  migrations: readonly Migration[],
  readonly: boolean,
): void {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const check = (version: number): void => {
    if (version > latest) {
      throw new LeadscoreError(
        'ERR_STORE_SCHEMA_NEWER',
        `the store at ${path} has schema version ${version}, but this leadscore knows only up to version ${latest}`,
      );
    }
  };
  const before = userVersion(db);
  check(before);
  if (before === latest) return;
  if (readonly) {
    throw new LeadscoreError(
      'ERR_STORE_WRITE',
      `the store at ${path} has schema version ${before} and needs upgrading to ${latest}, which a read-only open cannot do`,
      {
        hint: 'Open the store once without the read-only option (any leadscore command that writes) to upgrade it.',
      },
    );
  }
  db.transaction(() => {
    // Read again inside the write lock: another process may have migrated meanwhile.
    const current = userVersion(db);
    check(current);
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
}

export { LATEST_SCHEMA_VERSION };
