import { afterEach, describe, expect, it } from 'vitest';
import type { CrmReader } from '../../src/crm/ports.js';
import { abortableSleep, guardReader, guardStore } from '../../src/daemon/guard.js';
import { openStore, type Store } from '../../src/store/index.js';

const stores: Store[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

function memoryStore(): Store {
  const store = openStore(':memory:');
  stores.push(store);
  return store;
}

describe('stopping a run at a safe point', () => {
  it('given a stopped run, when the pipeline records it as failed, then it is recorded as interrupted with the reason', () => {
    const store = memoryStore();
    const controller = new AbortController();
    let started: number | undefined;
    const guarded = guardStore(store, controller.signal, { onStart: (id) => (started = id) });
    const id = guarded.startRun('sync', 'hubspot', 1_000);
    expect(started).toBe(id);
    controller.abort(new Error('received SIGTERM'));
    expect(guarded.finishRun(id, { status: 'failed', error: 'whatever the pipeline saw', at: 2_000 })).toBe(
      true,
    );
    expect(store.listRuns(1)[0]).toMatchObject({
      status: 'interrupted',
      error: expect.stringContaining('received SIGTERM'),
    });
  });

  it('given a run not stopped, when it fails, then it stays failed', () => {
    const store = memoryStore();
    const guarded = guardStore(store, new AbortController().signal);
    const id = guarded.startRun('sync', 'hubspot', 1_000);
    guarded.finishRun(id, { status: 'failed', error: 'ERR_CRM_AUTH', at: 2_000 });
    expect(store.listRuns(1)[0]).toMatchObject({ status: 'failed', error: 'ERR_CRM_AUTH' });
    expect(guarded.countRecords()).toBe(0);
  });

  it('given a stopped run, when the outbox engine asks for the next batch, then it gets ERR_DAEMON_INTERRUPTED', () => {
    const controller = new AbortController();
    const guarded = guardStore(memoryStore(), controller.signal);
    expect(guarded.dueWrites('hubspot', 0, 10)).toEqual([]);
    controller.abort(new Error('received SIGINT'));
    expect(() => guarded.dueWrites('hubspot', 0, 10)).toThrow(
      expect.objectContaining({ code: 'ERR_DAEMON_INTERRUPTED' }),
    );
  });

  it('given a stopped run, when the next page is asked for, then the reader refuses before calling the CRM', async () => {
    let pulls = 0;
    const reader: CrmReader = {
      source: 'test',
      streams: () => [
        {
          name: 'contacts',
          pull: async () => {
            pulls++;
            return { records: [], events: [], archived: [], merges: [], cursor: 'x', done: false };
          },
        },
      ],
      readRecords: async () => [],
    };
    const controller = new AbortController();
    const [stream] = guardReader(reader, controller.signal).streams('incremental');
    await stream?.pull(undefined);
    controller.abort(new Error('received SIGTERM'));
    await expect(stream?.pull('x')).rejects.toMatchObject({ code: 'ERR_DAEMON_INTERRUPTED' });
    expect(pulls).toBe(1);
  });

  it('given a rate-limit wait, when the run is stopped, then the wait ends at once', async () => {
    const controller = new AbortController();
    const waiting = abortableSleep(controller.signal)(60_000);
    controller.abort(new Error('received SIGTERM'));
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_DAEMON_INTERRUPTED' });
  });
});
