import PQueue from 'p-queue';

/**
 * Client-side pacing and retries shared by the connectors. Each CRM describes its limits as data (lanes and a
 * status -> action table in its limits.ts); only the algorithms live here.
 */

/** A rolling-window rate limit, e.g. HubSpot's 190 requests per 10 s, or its search endpoints' 5 per second. */
export interface Lane {
  limit: number;
  intervalMs: number;
  concurrency?: number;
}

export class Pacer {
  private readonly queues = new Map<string, PQueue>();
  /** Requests started per lane, for the benchmark and metrics. */
  readonly started = new Map<string, number>();

  constructor(lanes: Record<string, Lane>) {
    for (const [name, lane] of Object.entries(lanes)) {
      // strict = sliding window: never more than `limit` starts in any `intervalMs`, as the vendors count.
      this.queues.set(
        name,
        new PQueue({
          intervalCap: lane.limit,
          interval: lane.intervalMs,
          strict: true,
          concurrency: lane.concurrency ?? 4,
        }),
      );
    }
  }

  run<T>(laneName: string, task: () => Promise<T>): Promise<T> {
    const queue = this.queues.get(laneName);
    if (!queue) throw new Error(`no pacing lane "${laneName}"`);
    return queue.add(() => {
      this.started.set(laneName, (this.started.get(laneName) ?? 0) + 1);
      return task();
    }) as Promise<T>;
  }

  /** Holds a lane until `until` (after a 429), so queued requests do not pile onto the limit. */
  pauseUntil(laneName: string, until: number, now: number = Date.now()): void {
    const queue = this.queues.get(laneName);
    if (!queue || until <= now) return;
    queue.pause();
    setTimeout(() => queue.start(), until - now).unref();
  }
}

export type RetryDecision =
  /** Wait and try again; rate-limit waits do not spend an attempt. */
  | { action: 'retry'; delayMs: number; countsAttempt: boolean; reason: string }
  /** Refresh credentials once, then try again. */
  | { action: 'refresh'; reason: string }
  | { action: 'fail'; reason: string };

export interface RetryOptions {
  classify: (error: unknown, attempt: number) => RetryDecision;
  refresh?: () => Promise<void>;
  maxAttempts?: number;
  /** Cap on rate-limit waits, so a run never loops forever on a closed daily budget. */
  maxWaits?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (decision: RetryDecision, attempt: number) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `task` until it succeeds or the classification says to stop. Throws the last error. */
export async function withRetries<T>(task: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const maxAttempts = options.maxAttempts ?? 5;
  const maxWaits = options.maxWaits ?? 20;
  let attempts = 0;
  let waits = 0;
  let refreshed = false;
  for (;;) {
    try {
      return await task();
    } catch (error) {
      const decision = options.classify(error, attempts + 1);
      if (decision.action === 'fail') throw error;
      if (decision.action === 'refresh') {
        if (refreshed || !options.refresh) throw error;
        refreshed = true;
        options.onRetry?.(decision, attempts + 1);
        await options.refresh();
        continue;
      }
      if (decision.countsAttempt) attempts++;
      else waits++;
      if (attempts >= maxAttempts || waits > maxWaits) throw error;
      options.onRetry?.(decision, attempts);
      await sleep(decision.delayMs);
    }
  }
}
