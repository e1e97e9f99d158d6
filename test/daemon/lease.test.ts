import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type LeaseIdentity, Leases, readLeases } from '../../src/daemon/lease.js';
import { checkTiming, parseDuration } from '../../src/daemon/options.js';

const A: LeaseIdentity = { owner: 'host-a:100:aaaa', pid: 100, host: 'host-a' };
const B: LeaseIdentity = { owner: 'host-b:200:bbbb', pid: 200, host: 'host-b' };
const TTL = 1_000;

/** Two connections to one file, as two processes would have, sharing a frozen clock. */
function twoProcesses() {
  const path = join(mkdtempSync(join(tmpdir(), 'leadscore-lease-')), 'leases.db');
  const init = new Database(path);
  init.pragma('journal_mode = WAL');
  init.close();
  let now = 10_000;
  const clock = () => now;
  const a = Leases.open(path, clock);
  const b = Leases.open(path, clock);
  opened.push(a, b);
  return { path, a, b, advance: (ms: number) => (now += ms), now: () => now };
}

const opened: Leases[] = [];
afterEach(() => {
  for (const leases of opened.splice(0)) leases.close();
});

describe('SQLite leases', () => {
  it('given a free lease, when one process acquires it, then the other is told who holds it', () => {
    const { a, b } = twoProcesses();
    const first = a.tryAcquire('sync:hubspot', A, TTL);
    expect(first).toMatchObject({ acquired: true, lease: { owner: A.owner, pid: 100, expiresAt: 11_000 } });
    expect(first.acquired && first.takenOverFrom).toBeFalsy();
    const second = b.tryAcquire('sync:hubspot', B, TTL);
    expect(second).toEqual({
      acquired: false,
      holder: expect.objectContaining({ owner: A.owner, pid: 100, host: 'host-a' }),
    });
  });

  it('given a held lease, when its holder acquires again, then it is renewed and keeps its acquisition time', () => {
    const { a, advance } = twoProcesses();
    a.tryAcquire('sync:hubspot', A, TTL);
    advance(500);
    const again = a.tryAcquire('sync:hubspot', A, TTL);
    expect(again).toMatchObject({
      acquired: true,
      lease: { acquiredAt: 10_000, heartbeatAt: 10_500, expiresAt: 11_500 },
    });
  });

  it('given a holder that stopped renewing, when the TTL passes, then another process takes it over and the old holder learns it lost it', () => {
    const { a, b, advance } = twoProcesses();
    a.tryAcquire('sync:hubspot', A, TTL);
    advance(999);
    expect(b.tryAcquire('sync:hubspot', B, TTL).acquired).toBe(false);
    advance(1);
    const takeover = b.tryAcquire('sync:hubspot', B, TTL);
    expect(takeover).toMatchObject({ acquired: true, takenOverFrom: { owner: A.owner } });
    expect(a.renew('sync:hubspot', A.owner, TTL)).toBe(false);
    expect(a.release('sync:hubspot', A.owner)).toBe(false);
    expect(b.get('sync:hubspot')?.owner).toBe(B.owner);
  });

  it('given a holder that renews within the TTL, when time passes, then nobody can take the lease', () => {
    const { a, b, advance } = twoProcesses();
    a.tryAcquire('sync:hubspot', A, TTL);
    for (let beat = 0; beat < 5; beat++) {
      advance(600);
      expect(a.renew('sync:hubspot', A.owner, TTL)).toBe(true);
      expect(b.tryAcquire('sync:hubspot', B, TTL).acquired).toBe(false);
    }
  });

  it('given a released lease, when another process asks, then it gets it at once', () => {
    const { a, b } = twoProcesses();
    a.tryAcquire('sync:hubspot', A, TTL);
    expect(a.release('sync:hubspot', A.owner)).toBe(true);
    expect(b.tryAcquire('sync:hubspot', B, TTL)).toMatchObject({ acquired: true });
    expect(b.liveOthers(B.owner)).toEqual([]);
    expect(a.liveOthers(A.owner).map((lease) => lease.owner)).toEqual([B.owner]);
  });

  it('given leases for two CRMs, then each is held on its own', () => {
    const { a, b } = twoProcesses();
    expect(a.tryAcquire('sync:hubspot', A, TTL).acquired).toBe(true);
    expect(b.tryAcquire('sync:salesforce', B, TTL).acquired).toBe(true);
    expect(a.list().map((lease) => [lease.name, lease.pid])).toEqual([
      ['sync:hubspot', 100],
      ['sync:salesforce', 200],
    ]);
  });

  it('given a database no daemon has run on, when leases are read, then there are none and nothing is created', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'leadscore-lease-')), 'fresh.db');
    new Database(path).close();
    const db = new Database(path, { readonly: true });
    expect(readLeases(db)).toEqual([]);
    db.close();
  });
});

describe('daemon timing options', () => {
  it.each([
    ['250ms', 250],
    ['2s', 2_000],
    ['1.5m', 90_000],
    ['1h', 3_600_000],
    ['40', 40],
  ])('given %s, then it is %d ms', (text, ms) => {
    expect(parseDuration(text, '--grace')).toBe(ms);
  });

  it('given a duration without a number, then ERR_USAGE names the flag', () => {
    expect(() => parseDuration('soon', '--grace')).toThrow(/--grace "soon" is not a duration/);
  });

  it('given a heartbeat longer than half the TTL, then it is refused', () => {
    expect(() => checkTiming({ leaseTtlMs: 1_000, heartbeatMs: 600, graceMs: 0 })).toThrow(/at most half/);
    expect(checkTiming({ leaseTtlMs: 1_000, heartbeatMs: 500, graceMs: 0 }).heartbeatMs).toBe(500);
  });
});
