import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { translateSqliteError } from '../store/db.js';
import { LEASES_SQL } from '../store/migrations/index.js';

/**
 * Cross-process leases in the store's SQLite file, so that one daemon per CRM runs the schedule and a second
 * one (started by mistake, or a standby) waits. The Store facade does not expose its connection, so leases use
 * a connection of their own to the same file; SQLite's file lock makes the two agree. The table comes with
 * migration 3; executing its idempotent SQL here too keeps a lease file usable on its own.
 */

/** Who a process is, as written in the lease row: `owner` is unique per process start. */
export interface LeaseIdentity {
  owner: string;
  pid: number;
  host: string;
}

export function processIdentity(): LeaseIdentity {
  const host = hostname();
  return { owner: `${host}:${process.pid}:${randomUUID().slice(0, 8)}`, pid: process.pid, host };
}

export interface LeaseHolder extends LeaseIdentity {
  name: string;
  acquiredAt: number;
  heartbeatAt: number;
  expiresAt: number;
}

export type AcquireResult =
  | { acquired: true; lease: LeaseHolder; takenOverFrom?: LeaseHolder }
  | { acquired: false; holder: LeaseHolder };

interface LeaseRow {
  name: string;
  owner: string;
  pid: number;
  host: string;
  acquired_at: number;
  heartbeat_at: number;
  expires_at: number;
}

function toHolder(row: LeaseRow): LeaseHolder {
  return {
    name: row.name,
    owner: row.owner,
    pid: row.pid,
    host: row.host,
    acquiredAt: row.acquired_at,
    heartbeatAt: row.heartbeat_at,
    expiresAt: row.expires_at,
  };
}

/** How long a lease write waits for another process's lock before SQLITE_BUSY (ms). */
const BUSY_TIMEOUT_MS = 5_000;

export class Leases {
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #path: string;

  constructor(db: Database.Database, now: () => number = Date.now, path: string = db.name) {
    this.#db = db;
    this.#now = now;
    this.#path = path;
  }

  /** SQLite failures (read-only file, full disk, lock held too long) as the store's coded errors. */
  #coded<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw translateSqliteError(error, this.#path, false);
    }
  }

  /**
   * Opens a connection of its own to the store's file and creates the table when missing. A read-only file,
   * a full disk or a locked database fail with the store's coded errors (ERR_STORE_WRITE naming the file).
   */
  static open(path: string, now: () => number = Date.now): Leases {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { fileMustExist: true });
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.exec(LEASES_SQL);
    } catch (error) {
      db?.close();
      throw translateSqliteError(error, path, false);
    }
    return new Leases(db, now, path);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /**
   * Takes the lease when it is free, expired, or already ours (then it is renewed): one upsert whose WHERE
   * admits only those cases, inside BEGIN IMMEDIATE so the holder read before it is the one it replaced.
   */
  tryAcquire(name: string, who: LeaseIdentity, ttlMs: number): AcquireResult {
    return this.#coded(() => this.#tryAcquire(name, who, ttlMs));
  }

  #tryAcquire(name: string, who: LeaseIdentity, ttlMs: number): AcquireResult {
    return this.#db
      .transaction((): AcquireResult => {
        const now = this.#now();
        const before = this.get(name);
        const { changes } = this.#db
          .prepare(
            `INSERT INTO leases (name, owner, pid, host, acquired_at, heartbeat_at, expires_at)
             VALUES (@name, @owner, @pid, @host, @now, @now, @expires)
             ON CONFLICT (name) DO UPDATE SET
               owner = excluded.owner, pid = excluded.pid, host = excluded.host,
               acquired_at = CASE WHEN leases.owner = excluded.owner THEN leases.acquired_at ELSE excluded.acquired_at END,
               heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
             WHERE leases.owner = excluded.owner OR leases.expires_at <= excluded.heartbeat_at`,
          )
          .run({ name, ...who, now, expires: now + ttlMs });
        const after = this.get(name);
        if (changes === 1 && after !== undefined) {
          const takenOver = before !== undefined && before.owner !== who.owner ? before : undefined;
          return takenOver
            ? { acquired: true, lease: after, takenOverFrom: takenOver }
            : { acquired: true, lease: after };
        }
        if (after === undefined) throw new Error(`lease ${name}: neither acquired nor held`);
        return { acquired: false, holder: after };
      })
      .immediate();
  }

  /** Extends our lease; false when it is no longer ours (it expired and another process took it). */
  renew(name: string, owner: string, ttlMs: number): boolean {
    const now = this.#now();
    const { changes } = this.#coded(() =>
      this.#db
        .prepare('UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE name = ? AND owner = ?')
        .run(now, now + ttlMs, name, owner),
    );
    return changes === 1;
  }

  /** Gives the lease up at once, so a waiting process need not wait for it to expire. */
  release(name: string, owner: string): boolean {
    return this.#coded(
      () =>
        this.#db.prepare('DELETE FROM leases WHERE name = ? AND owner = ?').run(name, owner).changes === 1,
    );
  }

  get(name: string): LeaseHolder | undefined {
    const row = this.#db.prepare<[string], LeaseRow>('SELECT * FROM leases WHERE name = ?').get(name);
    return row === undefined ? undefined : toHolder(row);
  }

  list(): LeaseHolder[] {
    return readLeases(this.#db);
  }

  /** Unexpired leases held by other processes. */
  liveOthers(owner: string): LeaseHolder[] {
    const now = this.#now();
    return this.list().filter((lease) => lease.owner !== owner && lease.expiresAt > now);
  }
}

/** Every lease row, or none when no daemon has ever run on this database (no table yet). Read-only. */
export function readLeases(db: Database.Database): LeaseHolder[] {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leases'").get();
  if (table === undefined) return [];
  return db.prepare<[], LeaseRow>('SELECT * FROM leases ORDER BY name').all().map(toHolder);
}

/** Lease names: one per CRM, held by the daemon that runs that CRM's schedule. */
export function leaseName(source: string): string {
  return `sync:${source}`;
}
