import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { CrmReader, CrmWriter } from '../crm/ports.js';
import { LeadscoreError } from '../errors.js';
import type { HandoffStep } from '../handoff/index.js';
import type { RuleSet } from '../scoring/rules-schema.js';
import type { Store } from '../store/index.js';
import { resolveAsOf } from '../sync/rescore.js';
import { runSync, type SyncStats } from '../sync/run.js';
import type { WriteBackSettings } from '../sync/writeback.js';
import { abortableSleep, guardReader, guardStore, guardWriter } from './guard.js';
import { type LeaseHolder, type LeaseIdentity, type Leases, leaseName } from './lease.js';
import { type ApiCounterSource, type DaemonMetrics, type JobName, RUN_KIND } from './metrics.js';
import type { DaemonTiming } from './options.js';

/** What the daemon needs of a connected CRM; the composition root (src/cli/crm.ts) provides it. */
export interface DaemonCrm {
  source: string;
  reader: CrmReader;
  /** Absent when write-back is disabled. */
  writer?: CrmWriter;
  writeBack?: WriteBackSettings;
  /** The hand-off after write-back (src/handoff), when enabled. */
  handoff?: HandoffStep;
  counters: ApiCounterSource;
}

export interface JobSpec {
  name: JobName;
  mode: 'incremental' | 'full' | 'retrain';
  cron: string;
}

/** What a scheduled retrain did: a new active model, or a refusal (too little labelled history). */
export type RetrainOutcome =
  | { trained: true; modelId: number; rows: number; positives: number; auc: number | null }
  | { trained: false; reason: string };

/** Trains and activates a model on this CRM's stored history (the composition root supplies it). */
export type Retrain = (source: string) => RetrainOutcome;

export interface RunnerDeps {
  crm: DaemonCrm;
  jobs: readonly JobSpec[];
  timezone: string;
  store: Store;
  leases: Leases;
  identity: LeaseIdentity;
  rules: RuleSet;
  asOfResolution: 'day' | 'hour' | 'exact';
  timing: DaemonTiming;
  metrics: DaemonMetrics;
  logger: Logger;
  /** Stand by until the lease is free (true), or fail at start with ERR_DAEMON_LEASE_HELD (false). */
  wait: boolean;
  /** Runs the `retrain` job; absent, a retrain job is not scheduled. */
  retrain?: Retrain;
  now?: () => number;
}

export type RunnerState = 'starting' | 'standby' | 'active' | 'stopping' | 'stopped';

interface CurrentRun {
  job: JobName;
  controller: AbortController;
  runId?: number;
  startedAt: number;
  done: Promise<void>;
}

/** How a lease holder is described to a person: "pid 123 on host-a, last heartbeat 3 s ago, expires in 57 s". */
export function describeHolder(holder: LeaseHolder, now: number): string {
  const ago = Math.max(0, Math.round((now - holder.heartbeatAt) / 1000));
  const left = Math.round((holder.expiresAt - now) / 1000);
  return (
    `pid ${holder.pid} on ${holder.host}, last heartbeat ${ago} s ago, ` +
    (left > 0 ? `expires in ${left} s` : `expired ${-left} s ago`)
  );
}

/**
 * Runs one CRM's schedule: an incremental sync and a full reconcile on their cron expressions, only while this
 * process holds the CRM's lease. Runs of one CRM never overlap: a tick that comes while a run is going is
 * skipped and logged, except a reconcile tick during an incremental run, which runs once that run ends (a
 * nightly reconcile would otherwise be lost for a day).
 */
export class CrmRunner {
  readonly source: string;
  readonly lease: string;
  #state: RunnerState = 'starting';
  #holder: LeaseHolder | undefined;
  /** This process holds the lease (as far as it last knew). */
  #held = false;
  #expiresAt = 0;
  #current: CurrentRun | undefined;
  #pendingReconcile = false;
  #tasks: ScheduledTask[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #deps: RunnerDeps;
  readonly #now: () => number;
  readonly #log: Logger;

  constructor(deps: RunnerDeps) {
    this.#deps = deps;
    this.source = deps.crm.source;
    this.lease = leaseName(deps.crm.source);
    this.#now = deps.now ?? Date.now;
    this.#log = deps.logger.child({ crm: this.source });
  }

  get state(): RunnerState {
    return this.#state;
  }

  /** The other process holding the lease while this one stands by. */
  get holder(): LeaseHolder | undefined {
    return this.#holder;
  }

  get currentRun(): { job: JobName; runId?: number } | undefined {
    return (
      this.#current && {
        job: this.#current.job,
        ...(this.#current.runId ? { runId: this.#current.runId } : {}),
      }
    );
  }

  /** Takes the lease and starts the schedule, or stands by (or, without `wait`, throws ERR_DAEMON_LEASE_HELD). */
  start(): void {
    const { timing } = this.#deps;
    if (this.#tryAcquire()) {
      this.#activate();
    } else {
      const holder = this.#holder as LeaseHolder;
      const held = `Another leadscore daemon holds the ${this.lease} lease (${describeHolder(holder, this.#now())})`;
      if (!this.#deps.wait) {
        this.#state = 'stopped';
        throw new LeadscoreError('ERR_DAEMON_LEASE_HELD', `${held}; this daemon exits.`);
      }
      this.#log.warn(
        { lease: this.lease, holder },
        `${held}; standing by: this daemon takes over when that one stops or its lease expires. Start with --no-wait to exit instead.`,
      );
      this.#standby();
    }
    this.#timer = setInterval(() => this.#beat(), timing.heartbeatMs);
  }

  #tryAcquire(): boolean {
    const { leases, identity, timing } = this.#deps;
    const result = leases.tryAcquire(this.lease, identity, timing.leaseTtlMs);
    if (!result.acquired) {
      this.#holder = result.holder;
      return false;
    }
    this.#holder = undefined;
    this.#held = true;
    this.#expiresAt = result.lease.expiresAt;
    if (result.takenOverFrom) {
      this.#log.warn(
        { lease: this.lease, previous: result.takenOverFrom },
        `took over the ${this.lease} lease from ${describeHolder(result.takenOverFrom, this.#now())}`,
      );
    }
    return true;
  }

  #activate(): void {
    const { jobs, timezone, store, leases, identity, metrics } = this.#deps;
    this.#state = 'active';
    metrics.leaseHeld.set({ lease: this.lease }, 1);
    // Runs still 'running' were left by a process that died. Another daemon's live run is never one of them:
    // checked under the store's write lock, so no lease can change hands meanwhile.
    const interrupted = store.transaction(() =>
      leases.liveOthers(identity.owner).length === 0 ? store.markInterruptedRuns(this.#now()) : 0,
    );
    if (interrupted > 0)
      this.#log.warn({ runs: interrupted }, 'marked runs a stopped process left running as interrupted');
    this.#log.info(
      { lease: this.lease, jobs: jobs.map((job) => ({ job: job.name, cron: job.cron })), timezone },
      'holding the lease: schedule started',
    );
    const cronLogger = {
      info: (message: string) => this.#log.debug({ component: 'node-cron' }, message),
      warn: (message: string) => this.#log.debug({ component: 'node-cron' }, message),
      error: (message: string | Error) =>
        this.#log.error({ component: 'node-cron', err: message }, 'cron error'),
      debug: (message: string | Error) => this.#log.debug({ component: 'node-cron' }, String(message)),
    };
    this.#tasks = jobs.map((job) => {
      const task = createTask(job.cron, () => this.#tick(job), {
        name: `${this.source}:${job.name}`,
        timezone,
        noOverlap: true,
        logger: cronLogger,
      });
      task.on('execution:overlap', () => this.#skip(job, 'the previous run is still going'));
      task.on('execution:missed', (context) =>
        this.#log.warn(
          { job: job.name, tick: context.date },
          'a tick was missed (the process was busy or asleep)',
        ),
      );
      void task.start();
      return task;
    });
  }

  #standby(): void {
    this.#state = 'standby';
    this.#deps.metrics.leaseHeld.set({ lease: this.lease }, 0);
  }

  /** Every heartbeat: the holder renews (and learns if it lost the lease); a standby tries to take it. */
  #beat(): void {
    const { leases, identity, timing } = this.#deps;
    try {
      if (this.#held) {
        if (leases.renew(this.lease, identity.owner, timing.leaseTtlMs)) {
          this.#expiresAt = this.#now() + timing.leaseTtlMs;
        } else {
          this.#lost();
        }
      } else if (this.#state === 'standby' && this.#tryAcquire()) {
        this.#activate();
      }
    } catch (error) {
      // A busy or failing database: keep going until our own record says the lease has run out.
      this.#log.warn(
        { err: error, lease: this.lease },
        'could not renew the lease; retrying at the next heartbeat',
      );
      if (this.#held && this.#now() >= this.#expiresAt) this.#lost();
    }
  }

  #lost(): void {
    this.#held = false;
    const holder = this.#deps.leases.get(this.lease);
    this.#deps.metrics.recordError('ERR_DAEMON_LEASE_LOST');
    this.#log.error(
      { lease: this.lease, holder, code: 'ERR_DAEMON_LEASE_LOST' },
      `lost the ${this.lease} lease${holder ? ` to ${describeHolder(holder, this.#now())}` : ''}; stopping the current run and standing by`,
    );
    this.#stopTasks();
    this.#current?.controller.abort(new Error('the lease was lost to another process'));
    if (holder) this.#holder = holder;
    if (this.#state === 'active') this.#standby();
  }

  #stopTasks(): void {
    for (const task of this.#tasks) void task.destroy();
    this.#tasks = [];
  }

  #skip(job: JobSpec, why: string): void {
    this.#deps.metrics.recordSkip(this.source, job.name);
    this.#log.warn(
      { job: job.name, running: this.#current?.job, runId: this.#current?.runId },
      `${job.name} tick skipped: ${why}`,
    );
  }

  async #tick(job: JobSpec): Promise<void> {
    if (this.#state !== 'active') return;
    if (this.#current) {
      if (job.name === 'reconcile' && this.#current.job !== 'reconcile') {
        this.#pendingReconcile = true;
        this.#log.info({ job: job.name }, 'reconcile deferred until the running incremental sync ends');
        return;
      }
      this.#skip(job, `a ${this.#current.job} run is still going`);
      return;
    }
    await this.#execute(job);
    while (this.#pendingReconcile && this.#state === 'active') {
      this.#pendingReconcile = false;
      const reconcile = this.#deps.jobs.find((spec) => spec.name === 'reconcile');
      if (reconcile) await this.#execute(reconcile);
    }
  }

  /**
   * A retrain: synchronous (training 100,000 rows takes well under the lease's TTL), under this CRM's lease like
   * its syncs, so it never trains on half-pulled data. A refusal (too few conversions) is not a failure: scoring
   * stays rule-only or keeps the previous model, and the run says why.
   */
  #retrain(job: JobSpec, retrain: Retrain): Promise<void> {
    const { store, metrics } = this.#deps;
    const startedAt = this.#now();
    const log = this.#log.child({ job: job.name });
    const runId = store.startRun(RUN_KIND.retrain, this.source, startedAt);
    const current: CurrentRun = {
      job: job.name,
      controller: new AbortController(),
      runId,
      startedAt,
      done: Promise.resolve(),
    };
    this.#current = current;
    try {
      const outcome = retrain(this.source);
      const at = this.#now();
      store.finishRun(runId, { status: 'succeeded', stats: outcome, at });
      metrics.recordRun(this.source, job.name, 'succeeded', at - startedAt, at);
      if (outcome.trained) log.info({ runId, ...outcome }, `model ${outcome.modelId} trained and activated`);
      else log.warn({ runId, reason: outcome.reason }, `training refused: ${outcome.reason}`);
    } catch (error) {
      const at = this.#now();
      const code = error instanceof LeadscoreError ? error.code : 'unexpected';
      store.finishRun(runId, { status: 'failed', error: (error as Error).message, at });
      metrics.recordError(code);
      metrics.recordRun(this.source, job.name, 'failed', at - startedAt, at);
      log.error({ runId, err: error, code }, 'retrain failed');
    } finally {
      if (this.#current === current) this.#current = undefined;
    }
    return Promise.resolve();
  }

  /** One run. Never throws: a failure is logged, counted and recorded in the runs table by runSync. */
  #execute(job: JobSpec): Promise<void> {
    if (job.mode === 'retrain') {
      const retrain = this.#deps.retrain;
      return retrain ? this.#retrain(job, retrain) : Promise.resolve();
    }
    const mode = job.mode;
    const { crm, store, rules, metrics, asOfResolution } = this.#deps;
    const controller = new AbortController();
    const startedAt = this.#now();
    const log = this.#log.child({ job: job.name });
    const current: CurrentRun = { job: job.name, controller, startedAt, done: Promise.resolve() };
    const signal = controller.signal;
    current.done = (async () => {
      log.info('run started');
      let stats: SyncStats | undefined;
      try {
        stats = await runSync({
          store: guardStore(store, signal, { onStart: (id) => (current.runId = id) }),
          reader: guardReader(crm.reader, signal),
          ...(crm.writer && crm.writeBack
            ? { writer: guardWriter(crm.writer, signal), writeBack: crm.writeBack }
            : {}),
          ...(crm.handoff ? { handoff: crm.handoff } : {}),
          rules,
          mode,
          asOf: resolveAsOf(this.#now(), asOfResolution),
          now: this.#now,
          logger: log,
          sleep: abortableSleep(signal),
          apiCounters: () => crm.counters,
        });
      } catch (error) {
        const durationMs = this.#now() - startedAt;
        if (signal.aborted) {
          metrics.recordError('ERR_DAEMON_INTERRUPTED');
          metrics.recordRun(this.source, job.name, 'interrupted', durationMs, this.#now());
          log.warn(
            { runId: current.runId, durationMs },
            'run interrupted at a safe point; the next run resumes it',
          );
        } else {
          const code = error instanceof LeadscoreError ? error.code : 'unexpected';
          metrics.recordError(code);
          metrics.recordRun(this.source, job.name, 'failed', durationMs, this.#now());
          log.error({ runId: current.runId, err: error, code, durationMs }, 'run failed');
        }
        return;
      } finally {
        if (this.#current === current) this.#current = undefined;
      }
      metrics.records.inc({ crm: this.source }, stats.pull.records);
      metrics.events.inc({ crm: this.source }, stats.pull.events);
      metrics.written.inc({ crm: this.source }, stats.writeBack?.written ?? 0);
      metrics.recordRun(this.source, job.name, 'succeeded', stats.durationMs, this.#now());
      log.info(
        {
          runId: stats.runId,
          records: stats.pull.records,
          events: stats.pull.events,
          scored: stats.scoring.records,
          written: stats.writeBack?.written ?? 0,
          parked: stats.writeBack?.parked ?? 0,
          apiCalls: stats.apiCalls,
          rateLimited: stats.rateLimited,
          durationMs: stats.durationMs,
        },
        'run finished',
      );
    })();
    this.#current = current;
    return current.done;
  }

  /**
   * Stops the schedule, asks the current run to stop at its next safe point and waits up to the grace period
   * for it; a run still going then is recorded as interrupted and abandoned. Releases the lease.
   */
  async stop(reason: string): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#state = 'stopping';
    this.#stopTasks();
    this.#pendingReconcile = false;
    const current = this.#current;
    if (current) {
      this.#log.info(
        { job: current.job, runId: current.runId, reason },
        'stopping: waiting for the run to reach a safe point',
      );
      current.controller.abort(new Error(reason));
      const settled = await Promise.race([
        current.done.then(() => true),
        new Promise<false>((resolve) => setTimeout(resolve, this.#deps.timing.graceMs, false).unref()),
      ]);
      if (!settled) this.abandon(reason);
    }
    this.#finish();
  }

  /** Records the current run as interrupted without waiting for it (a second signal, or the grace ran out). */
  abandon(reason: string): void {
    const current = this.#current;
    if (!current) return;
    this.#current = undefined;
    if (current.runId !== undefined) {
      this.#deps.store.finishRun(current.runId, {
        status: 'interrupted',
        stats: {},
        error: `the run was stopped before it finished: ${reason} (abandoned mid-call; the next run resumes from the saved cursor)`,
        at: this.#now(),
      });
    }
    this.#deps.metrics.recordRun(
      this.source,
      current.job,
      'interrupted',
      this.#now() - current.startedAt,
      this.#now(),
    );
    this.#log.warn(
      { job: current.job, runId: current.runId },
      'run abandoned at the end of the grace period',
    );
  }

  /** Immediate stop, for a second signal: no waiting. */
  stopNow(reason: string): void {
    this.#state = 'stopping';
    this.#stopTasks();
    this.#current?.controller.abort(new Error(reason));
    this.abandon(reason);
    this.#finish();
  }

  #finish(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#held) {
      this.#held = false;
      try {
        if (this.#deps.leases.release(this.lease, this.#deps.identity.owner)) {
          this.#log.info({ lease: this.lease }, 'lease released');
        }
      } catch (error) {
        this.#log.warn(
          { err: error, lease: this.lease },
          'could not release the lease; it expires on its own',
        );
      }
    }
    this.#deps.metrics.leaseHeld.set({ lease: this.lease }, 0);
    this.#state = 'stopped';
  }
}
