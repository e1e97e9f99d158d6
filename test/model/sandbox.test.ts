import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotConnector } from '../../connectors/hubspot/adapter.js';
import { HubSpotClient } from '../../connectors/hubspot/client.js';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import { statusCommand, suggestCommand, trainCommand } from '../../src/cli/commands/model.js';
import { loadRulesFile } from '../../src/config/load.js';
import { openModelRegistry } from '../../src/model/registry.js';
import { scanLabelledLeads } from '../../src/model/training.js';
import { openStore, type Store } from '../../src/store/index.js';
import { resolveAsOf } from '../../src/sync/rescore.js';
import { runSync } from '../../src/sync/run.js';
import { type WriteBackFields, writeFieldsFor } from '../../src/sync/writeback.js';

/**
 * End to end: the HubSpot sandbox in-process (so no spawnSync here), synced through the real SDK and pipeline,
 * then `model train` on what was pulled, `model status`, and a second sync that writes the likelihood back.
 */

const FIELDS: WriteBackFields = {
  score: 'leadscore_score',
  band: 'leadscore_band',
  fit: 'leadscore_fit',
  engagement: 'leadscore_engagement',
  reasons: 'leadscore_reasons',
  stage: 'leadscore_stage',
  updatedAt: 'leadscore_updated_at',
  likelihood: 'leadscore_likelihood',
};
const rules = loadRulesFile('config/rules.default.yaml');

let sandbox: HubSpotSandbox;
let dir: string;
let store: Store;

function connect() {
  const client = new HubSpotClient({
    auth: { kind: 'privateApp', accessToken: sandbox.token },
    tier: 'professional',
    basePath: sandbox.baseUrl,
  });
  return createHubSpotConnector({
    client,
    tier: 'professional',
    writeFields: writeFieldsFor(FIELDS),
    searchOverlapMs: 0,
    disabledStreams: ['meetings', 'calls'],
  });
}

async function sync(mode: 'full' | 'incremental') {
  const connector = connect();
  const now = Date.now();
  return runSync({
    store,
    reader: connector.reader,
    writer: connector.writer,
    writeBack: { fields: FIELDS, onHumanOverwrite: 'respect' },
    rules,
    mode,
    asOf: resolveAsOf(now, 'day'),
    sleep: async () => {},
  });
}

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ port: 0, seed: 11, contacts: 1500, tier: 'professional' });
  dir = mkdtempSync(join(tmpdir(), 'leadscore-model-hs-'));
  store = openStore(join(dir, 'leadscore.db'));
  await sync('full');
}, 180_000);

afterAll(async () => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await sandbox?.close();
});

describe('model train on the HubSpot sandbox', () => {
  it('given a synced sandbox portal, when the model is trained, then it learns from the conversion dates and ranks the newest leads well', async () => {
    const labels = scanLabelledLeads(store, { cutoff: Date.now() }, () => {});
    // The conversion dates arrived with the contacts (connectors/hubspot/mapping.ts pulls them).
    expect(labels.positives).toBeGreaterThan(30);
    expect(labels.excluded['converted-without-date']).toBe(0);

    const trained = trainCommand(store, {}, Date.now());
    const holdout = trained.metrics.holdout as { auc: number; rows: number; positives: number; ece: number };
    console.info(
      `sandbox model: ${trained.rows} leads, ${trained.positives} conversions; holdout ${holdout.rows} leads ` +
        `(${holdout.positives} conversions) AUC ${holdout.auc} ECE ${holdout.ece}`,
    );
    expect(holdout.positives).toBeGreaterThan(0);
    expect(holdout.auc).toBeGreaterThan(0.7);

    const status = statusCommand(store, {}, Date.now());
    expect(status.active?.id).toBe(trained.id);
    expect(status.drift?.drifted).toBe(false);

    const suggestions = suggestCommand(store, rules, {}, Date.now());
    expect(suggestions.rules.length).toBeGreaterThan(0);
  }, 180_000);

  it('given an active model and a likelihood field, when the next sync runs, then HubSpot contacts carry a 0-100 likelihood', async () => {
    const registry = openModelRegistry(store);
    const active = registry.activeModel();
    registry.close();
    expect(active).toBeDefined();
    const stats = await sync('incremental');
    expect(stats.writeBack?.written).toBeGreaterThan(0);
    const hubspot = new Client({ accessToken: sandbox.token, basePath: sandbox.baseUrl });
    const page = await hubspot.crm.contacts.basicApi.getPage(50, undefined, [
      'leadscore_likelihood',
      'leadscore_score',
    ]);
    const values = page.results.map((contact) => contact.properties.leadscore_likelihood);
    expect(values.length).toBe(50);
    for (const value of values) {
      expect(value).toMatch(/^\d+$/);
      expect(Number(value)).toBeLessThanOrEqual(100);
    }
  }, 180_000);
});
