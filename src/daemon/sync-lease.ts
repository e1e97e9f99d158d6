import type { Logger } from 'pino';
import { LeadscoreError } from '../errors.js';
import { Leases, leaseName, processIdentity } from './lease.js';
import type { DaemonTiming } from './options.js';
import { describeHolder } from './runner.js';

/**
 * A manual `leadscore sync` takes the same lease as the daemon's schedule for that CRM, so the two never pull,
 * score or write back at the same time. A daemon holds its lease for as long as it runs, so a manual sync next
 * to a running daemon is refused; a daemon started during a manual sync stands by until it ends.
 */
export async function withSyncLease<T>(
  database: string,
  source: string,
  timing: Pick<DaemonTiming, 'leaseTtlMs' | 'heartbeatMs'>,
  logger: Logger,
  work: () => Promise<T>,
  now: () => number = Date.now,
): Promise<T> {
  // An in-memory database is this process's alone: nothing to share a lease with.
  if (database === ':memory:') return work();
  const name = leaseName(source);
  const leases = Leases.open(database, now);
  const identity = processIdentity();
  let timer: NodeJS.Timeout | undefined;
  let held = false;
  try {
    const result = leases.tryAcquire(name, identity, timing.leaseTtlMs);
    held = result.acquired;
    if (!result.acquired) {
      throw new LeadscoreError(
        'ERR_DAEMON_LEASE_HELD',
        `Cannot sync ${source} now: the ${name} lease is held by ${describeHolder(result.holder, now())}. ` +
          'A leadscore daemon holds it while it runs this schedule (or another `leadscore sync` is running).',
        {
          hint:
            '`leadscore status` names the holder. With a daemon running, let its schedule sync (or stop it, ' +
            'e.g. `docker stop`, then sync by hand); a lease left by a killed process frees itself once it expires.',
        },
      );
    }
    if (result.takenOverFrom) {
      logger.warn(
        { lease: name, previous: result.takenOverFrom },
        `took over the expired ${name} lease from ${describeHolder(result.takenOverFrom, now())}`,
      );
    }
    timer = setInterval(() => {
      try {
        if (!leases.renew(name, identity.owner, timing.leaseTtlMs)) {
          logger.error({ lease: name }, `lost the ${name} lease to another process while syncing`);
        }
      } catch (error) {
        logger.warn({ err: error, lease: name }, 'could not renew the lease; retrying at the next heartbeat');
      }
    }, timing.heartbeatMs);
    timer.unref();
    return await work();
  } finally {
    if (timer) clearInterval(timer);
    try {
      if (held) leases.release(name, identity.owner);
    } catch (error) {
      logger.warn({ err: error, lease: name }, 'could not release the lease; it expires on its own');
    }
    leases.close();
  }
}
