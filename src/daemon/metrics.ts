import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { OutboxStatus, Run } from '../store/index.js';

/**
 * The daemon's Prometheus metrics (https://github.com/siimon/prom-client), in a registry of its own so that
 * tests and several daemons in one process do not share state. Values read from elsewhere (the CRM client's
 * counters, the outbox) are read at scrape time.
 */

export type JobName = 'incremental' | 'reconcile' | 'retrain';
export type RunOutcome = 'succeeded' | 'failed' | 'interrupted' | 'skipped';

/** The runs table's `kind` for each job (written by runSync). */
export const RUN_KIND: Readonly<Record<JobName, string>> = {
  incremental: 'sync',
  reconcile: 'full-sync',
  retrain: 'retrain',
};

export interface ApiCounterSource {
  calls: number;
  rateLimited: number;
}

export interface WatchedCrm {
  source: string;
  counters: ApiCounterSource;
  outbox: () => Record<OutboxStatus, number>;
}

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #now: () => number;
  readonly #lastSuccess = new Map<string, { crm: string; job: JobName; at: number }>();
  readonly #crms = new Map<string, WatchedCrm>();
  readonly #seen = new Map<string, ApiCounterSource>();

  readonly runs: Counter<'crm' | 'job' | 'status'>;
  readonly records: Counter<'crm'>;
  readonly events: Counter<'crm'>;
  readonly written: Counter<'crm'>;
  readonly duration: Histogram<'crm' | 'job' | 'status'>;
  readonly errors: Counter<'code'>;
  readonly leaseHeld: Gauge<'lease'>;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'leadscore_' });
    const lastSuccess = this.#lastSuccess;
    new Gauge({
      name: 'leadscore_last_success_timestamp_seconds',
      help: 'When the last successful run of each job ended (Unix time).',
      labelNames: ['crm', 'job'],
      registers,
      collect() {
        for (const entry of lastSuccess.values())
          this.set({ crm: entry.crm, job: entry.job }, entry.at / 1000);
      },
    });
    const now_ = this.#now;
    new Gauge({
      name: 'leadscore_last_success_age_seconds',
      help: 'Seconds since the last successful run of each job ended; alert when it grows past a few intervals.',
      labelNames: ['crm', 'job'],
      registers,
      collect() {
        for (const entry of lastSuccess.values()) {
          this.set({ crm: entry.crm, job: entry.job }, Math.max(0, (now_() - entry.at) / 1000));
        }
      },
    });
    this.runs = new Counter({
      name: 'leadscore_runs_total',
      help: 'Runs by job and outcome; skipped: a tick came while a run was still going.',
      labelNames: ['crm', 'job', 'status'],
      registers,
    });
    this.records = new Counter({
      name: 'leadscore_records_synced_total',
      help: 'Records pulled from the CRM.',
      labelNames: ['crm'],
      registers,
    });
    this.events = new Counter({
      name: 'leadscore_events_synced_total',
      help: 'New engagement events pulled from the CRM.',
      labelNames: ['crm'],
      registers,
    });
    this.written = new Counter({
      name: 'leadscore_writes_total',
      help: 'Score writes the CRM accepted.',
      labelNames: ['crm'],
      registers,
    });
    const crms = this.#crms;
    const seen = this.#seen;
    const delta = (source: string, key: keyof ApiCounterSource): number => {
      const current = crms.get(source)?.counters[key] ?? 0;
      const before = seen.get(source) ?? { calls: 0, rateLimited: 0 };
      const diff = Math.max(0, current - before[key]);
      seen.set(source, { ...before, [key]: current });
      return diff;
    };
    new Counter({
      name: 'leadscore_crm_api_calls_total',
      help: 'Calls made to the CRM API.',
      labelNames: ['crm'],
      registers,
      collect() {
        for (const source of crms.keys()) this.inc({ crm: source }, delta(source, 'calls'));
      },
    });
    new Counter({
      name: 'leadscore_crm_rate_limited_total',
      help: 'CRM API answers that were 429 (rate limited).',
      labelNames: ['crm'],
      registers,
      collect() {
        for (const source of crms.keys()) this.inc({ crm: source }, delta(source, 'rateLimited'));
      },
    });
    const outbox = (status: OutboxStatus) =>
      function (this: Gauge<'crm'>) {
        for (const crm of crms.values()) {
          try {
            this.set({ crm: crm.source }, crm.outbox()[status] ?? 0);
          } catch {
            // The store is closing (shutdown): leave the last value.
          }
        }
      };
    new Gauge({
      name: 'leadscore_outbox_pending',
      help: 'Score writes waiting in the outbox (the write-back backlog).',
      labelNames: ['crm'],
      registers,
      collect: outbox('pending'),
    });
    new Gauge({
      name: 'leadscore_outbox_parked',
      help: 'Score writes parked after failing for good; `leadscore outbox` lists them with the reason.',
      labelNames: ['crm'],
      registers,
      collect: outbox('parked'),
    });
    this.duration = new Histogram({
      name: 'leadscore_run_duration_seconds',
      help: 'How long runs took, by job and outcome.',
      labelNames: ['crm', 'job', 'status'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
      registers,
    });
    this.errors = new Counter({
      name: 'leadscore_errors_total',
      help: 'Errors by code (docs/errors.md); "unexpected" for errors without one.',
      labelNames: ['code'],
      registers,
    });
    this.leaseHeld = new Gauge({
      name: 'leadscore_lease_held',
      help: '1 while this process holds the lease and runs the schedule, 0 while it stands by.',
      labelNames: ['lease'],
      registers,
    });
  }

  watchCrm(crm: WatchedCrm): void {
    this.#crms.set(crm.source, crm);
  }

  /** Seeds the last-success gauges from the runs table, so a restart does not reset them. */
  seedFromRuns(runs: readonly Run[]): void {
    for (const job of Object.keys(RUN_KIND) as JobName[]) {
      for (const run of runs) {
        if (run.kind !== RUN_KIND[job] || run.status !== 'succeeded' || run.source === null) continue;
        const key = `${run.source}/${job}`;
        const at = run.finishedAt ?? run.startedAt;
        if ((this.#lastSuccess.get(key)?.at ?? -1) < at)
          this.#lastSuccess.set(key, { crm: run.source, job, at });
      }
    }
  }

  recordRun(
    crm: string,
    job: JobName,
    status: Exclude<RunOutcome, 'skipped'>,
    durationMs: number,
    at: number,
  ): void {
    this.runs.inc({ crm, job, status });
    this.duration.observe({ crm, job, status }, durationMs / 1000);
    if (status === 'succeeded') this.#lastSuccess.set(`${crm}/${job}`, { crm, job, at });
  }

  recordSkip(crm: string, job: JobName): void {
    this.runs.inc({ crm, job, status: 'skipped' });
  }

  recordError(code: string): void {
    this.errors.inc({ code });
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
