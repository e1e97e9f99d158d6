import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { LeadscoreError } from '../errors.js';
import type { Store } from '../store/index.js';

/**
 * The console's admin password and sessions. The password is stored as an scrypt hash with its own salt and
 * cost; a session id is 32 random bytes in the cookie and only its SHA-256 in the store.
 */

/** scrypt cost: N=2^15, r=8, p=1 (OWASP's minimum for scrypt), ~50 ms and 32 MiB per check. */
const SCRYPT = { N: 32_768, r: 8, p: 1, keyLength: 32, maxmem: 64 * 1024 * 1024 };
export const MIN_PASSWORD_LENGTH = 10;
export const SESSION_TTL_MS = 8 * 3_600_000;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, SCRYPT.keyLength, {
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    maxmem: SCRYPT.maxmem,
  });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(actual, expected);
}

/** Checks and stores the admin password (ending every session). Throws ERR_USAGE for a short one. */
export function setAdminPassword(store: Store, password: string, now: number): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new LeadscoreError(
      'ERR_USAGE',
      `The console admin password must have at least ${MIN_PASSWORD_LENGTH} characters; nothing was stored.`,
    );
  }
  store.transaction(() => {
    store.console.setAdminPasswordHash(hashPassword(password), now);
    store.console.deleteAllSessions();
  });
}

export function sessionIdHash(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Failed logins per client address: after `max` failures within `windowMs` the address must wait for the
 * window to pass. In memory: the console is one process, and a restart is no help to a guesser (scrypt is slow).
 */
export class LoginLimiter {
  readonly #failures = new Map<string, { count: number; since: number }>();

  constructor(
    readonly max = 5,
    readonly windowMs = 15 * 60_000,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string, now: number): number {
    const entry = this.#failures.get(key);
    if (entry === undefined) return 0;
    if (now - entry.since >= this.windowMs) {
      this.#failures.delete(key);
      return 0;
    }
    return entry.count >= this.max ? entry.since + this.windowMs - now : 0;
  }

  fail(key: string, now: number): void {
    const entry = this.#failures.get(key);
    if (entry === undefined || now - entry.since >= this.windowMs)
      this.#failures.set(key, { count: 1, since: now });
    else entry.count++;
  }

  succeed(key: string): void {
    this.#failures.delete(key);
  }
}
