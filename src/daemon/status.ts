import { hostname } from 'node:os';
import type { OutboxRow, OutboxStatus, Run, Store } from '../store/index.js';
import type { LeaseHolder } from './lease.js';
import { type JobName, RUN_KIND } from './metrics.js';

/** What `leadscore status` prints and the daemon's /readyz builds on: all read from the database. */
export interface StatusReport {
  at: number;
  leases: LeaseStatus[];
  lastRuns: Run[];
  lastSuccess: Array<{ crm: string; job: JobName; at: number; runId: number }>;
  /** The newest failed runs, with their error. */
  failures: Run[];
  outbox: Record<OutboxStatus, number>;
  parked: OutboxRow[];
  /** CRM API calls and 429s recorded by today's runs (UTC day). */
  apiToday: ApiUsageDay;
}

export interface ApiUsageDay {
  /** MM-DD (UTC). */
  day: string;
  calls: number;
  rateLimited: number;
}

const DAY_MS = 86_400_000;
/** Runs read for API usage: two weeks of a daemon syncing every five minutes, with room to spare. */
const API_USAGE_RUNS = 5_000;

/**
 * CRM API calls and 429 answers per UTC day, oldest first, summed from the `apiCalls` / `rateLimited` that
 * runs store in their stats (CLI syncs, the daemon, the console's activate and sync). A day is the day a run started.
 */
export function apiUsagePerDay(store: Store, now: number, days: number): ApiUsageDay[] {
  const start = Math.floor(now / DAY_MS) * DAY_MS - (days - 1) * DAY_MS;
  const perDay = Array.from({ length: days }, (_, index) => ({
    day: new Date(start + index * DAY_MS).toISOString().slice(5, 10),
    calls: 0,
    rateLimited: 0,
  }));
  for (const run of store.listRuns(API_USAGE_RUNS)) {
    if (run.startedAt < start) break;
    const entry = perDay[Math.floor((run.startedAt - start) / DAY_MS)];
    if (!entry) continue;
    const { apiCalls, rateLimited } = run.stats ?? {};
    if (typeof apiCalls === 'number') entry.calls += apiCalls;
    if (typeof rateLimited === 'number') entry.rateLimited += rateLimited;
  }
  return perDay;
}

export interface LeaseStatus extends LeaseHolder {
  /** Not expired: its holder renewed it within the TTL. */
  live: boolean;
  /** Whether the holder's process exists, when it runs on this host (undefined for another host). */
  processAlive?: boolean;
}

/** How many runs are scanned for the last success and the failures. */
const RUN_WINDOW = 200;

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function leaseStatus(leases: readonly LeaseHolder[], now: number): LeaseStatus[] {
  const host = hostname();
  return leases.map((lease) => ({
    ...lease,
    live: lease.expiresAt > now,
    ...(lease.host === host ? { processAlive: processAlive(lease.pid) } : {}),
  }));
}

export function lastSuccesses(runs: readonly Run[]): StatusReport['lastSuccess'] {
  const found = new Map<string, StatusReport['lastSuccess'][number]>();
  for (const run of runs) {
    if (run.status !== 'succeeded' || run.source === null) continue;
    const job = (Object.keys(RUN_KIND) as JobName[]).find((name) => RUN_KIND[name] === run.kind);
    if (job === undefined) continue;
    const key = `${run.source}/${job}`;
    if (!found.has(key))
      found.set(key, { crm: run.source, job, at: run.finishedAt ?? run.startedAt, runId: run.id });
  }
  return [...found.values()];
}

export function collectStatus(
  store: Store,
  leases: readonly LeaseHolder[],
  now: number,
  options: { runs?: number; parked?: number } = {},
): StatusReport {
  const runs = store.listRuns(RUN_WINDOW);
  return {
    at: now,
    leases: leaseStatus(leases, now),
    lastRuns: runs.slice(0, options.runs ?? 10),
    lastSuccess: lastSuccesses(runs),
    failures: runs.filter((run) => run.status === 'failed').slice(0, 5),
    outbox: store.outboxCounts(),
    parked: store.listOutbox({ status: 'parked', limit: options.parked ?? 10 }),
    apiToday: apiUsagePerDay(store, now, 1)[0] as ApiUsageDay,
  };
}

/** The newest finished run of a CRM's sync jobs, for readiness: a failed one makes the daemon not ready. */
export function lastFinishedRun(runs: readonly Run[], source: string): Run | undefined {
  const kinds = new Set([RUN_KIND.incremental, RUN_KIND.reconcile]);
  return runs.find((run) => run.source === source && kinds.has(run.kind) && run.status !== 'running');
}
