import type { CrmReader, CrmWriter, PullStream } from '../crm/ports.js';
import { LeadscoreError } from '../errors.js';
import type { FinishRun, Store } from '../store/index.js';

/**
 * Stopping a run at a safe point without changing the pipeline: the run is handed a reader and a store whose
 * calls throw once `signal` is aborted. They throw only *between* units that are safe to lose: before the next
 * page is pulled (a page and its cursor are saved in one transaction) and before the next outbox batch is
 * taken (rows not yet sent stay pending and are sent by the next run). An HTTP call already in flight finishes.
 */

/** The reason a run was stopped; its message is stored as the run's error. */
export function stoppedError(signal: AbortSignal): LeadscoreError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'stopped');
  return new LeadscoreError('ERR_DAEMON_INTERRUPTED', `the run was stopped before it finished: ${reason}`);
}

function check(signal: AbortSignal): void {
  if (signal.aborted) throw stoppedError(signal);
}

export function guardReader(reader: CrmReader, signal: AbortSignal): CrmReader {
  return {
    source: reader.source,
    streams: (mode) =>
      reader.streams(mode).map(
        (stream): PullStream => ({
          name: stream.name,
          pull: async (cursor) => {
            check(signal);
            return stream.pull(cursor);
          },
        }),
      ),
    readRecords: async (ids) => {
      check(signal);
      return reader.readRecords(ids);
    },
  };
}

/** `write` is left unguarded: the outbox engine counts a throwing batch as a failed attempt. */
export function guardWriter(writer: CrmWriter, signal: AbortSignal): CrmWriter {
  return {
    target: writer.target,
    maxBatchSize: writer.maxBatchSize,
    ensureFields: async (fields) => {
      check(signal);
      return writer.ensureFields(fields);
    },
    write: (batch) => writer.write(batch),
    ...(writer.alreadyApplied ? { alreadyApplied: writer.alreadyApplied.bind(writer) } : {}),
  };
}

export interface RunHooks {
  /** The id of the run the pipeline recorded. */
  onStart?: (runId: number) => void;
}

/**
 * The store as seen by one run. `dueWrites` throws once stopped (the outbox engine calls it outside its
 * per-batch error handling, so no attempt is counted), and a run that ends because it was stopped is recorded
 * 'interrupted', not 'failed'. Every other call goes to the store unchanged.
 */
export function guardStore(store: Store, signal: AbortSignal, hooks: RunHooks = {}): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'startRun') {
        return (kind: string, source: string | null, at: number): number => {
          const id = target.startRun(kind, source, at);
          hooks.onStart?.(id);
          return id;
        };
      }
      if (property === 'finishRun') {
        return (id: number, finish: FinishRun): boolean =>
          target.finishRun(
            id,
            signal.aborted && finish.status === 'failed'
              ? { ...finish, status: 'interrupted', error: stoppedError(signal).message }
              : finish,
          );
      }
      if (property === 'dueWrites') {
        return (...args: Parameters<Store['dueWrites']>) => {
          check(signal);
          return target.dueWrites(...args);
        };
      }
      // Store methods use private fields: call them on the store itself, not on the proxy.
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A sleep (for rate-limit waits) that ends early, throwing, when the run is stopped. */
export function abortableSleep(signal: AbortSignal): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(stoppedError(signal));
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(stoppedError(signal));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
}
