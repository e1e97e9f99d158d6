import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { HubSpotClient } from '../../connectors/hubspot/client.js';
import { createHubSpotHandoff } from '../../connectors/hubspot/handoff.js';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import type { HandoffHooks } from '../../src/handoff/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { leadRecord } from './helpers.js';

/** A HubSpot sandbox, a store in a temp file, and the real hooks over the real SDK. */
export interface HubSpotWorld {
  sb: HubSpotSandbox;
  store: Store;
  dbPath: string;
  hooks: HandoffHooks;
  /** The sandbox's contact ids, with their owner (null: unowned). */
  contacts: Array<{ id: string; ownerId: string | null }>;
  /** Stores the contact in leadscore's store as the pull would, with the given owner. */
  addLead(id: string, ownerId: string | null, extra?: Parameters<typeof leadRecord>[2]): void;
}

export function useHubSpotWorld(): HubSpotWorld {
  const world = {} as HubSpotWorld;
  let dir = '';
  beforeEach(async () => {
    world.sb = await startHubSpotSandbox({ port: 0, seed: 5, contacts: 40, eventsPerContact: 1 });
    dir = mkdtempSync(join(tmpdir(), 'leadscore-handoff-'));
    world.dbPath = join(dir, 'leadscore.db');
    world.store = openStore(world.dbPath);
    const client = new HubSpotClient({
      auth: { kind: 'privateApp', accessToken: world.sb.token },
      tier: 'professional',
      basePath: world.sb.baseUrl,
      sleep: async () => {},
      // The engine keeps the wait in the action row; a paused lane would only hold the test up for real.
      pauseOnRateLimit: false,
    });
    world.hooks = createHubSpotHandoff({ client });
    const contacts = world.sb.state.store;
    world.contacts = [];
    for (let row = 0; row < contacts.rowCount; row++) {
      if (!contacts.isLive(row)) continue;
      world.contacts.push({ id: contacts.idOf(row), ownerId: contacts.get(row, 'hubspot_owner_id') });
    }
    world.addLead = (id, ownerId, extra = {}) => {
      world.store.upsertRecords([leadRecord('hubspot', id, { ...(ownerId ? { ownerId } : {}), ...extra })]);
    };
  });
  afterEach(async () => {
    world.store.close();
    rmSync(dir, { recursive: true, force: true });
    await world.sb.close();
  });
  return world;
}

/** A clock the engine reads and its sleeps advance, so backoff needs no real waiting. */
export function fakeClock(start: number) {
  const clock = { at: start };
  return {
    clock,
    now: () => clock.at,
    sleep: async (ms: number) => {
      clock.at += ms;
    },
  };
}
