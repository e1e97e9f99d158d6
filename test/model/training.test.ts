import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { driftLine, statusCommand, trainCommand } from '../../src/cli/commands/model.js';
import type { EngagementEvent, LeadRecord } from '../../src/crm/vocabulary.js';
import { LeadscoreError } from '../../src/errors.js';
import { leadFeatures } from '../../src/model/crm.js';
import { openModelRegistry } from '../../src/model/registry.js';
import { scanLabelledLeads, trainFromStore } from '../../src/model/training.js';
import { openStore, type Store } from '../../src/store/index.js';
import { DAY, fillStore, NOW, syntheticLeads } from './fixture.js';

function storeWith(leads: ReturnType<typeof syntheticLeads>, path = ':memory:'): Store {
  const store = openStore(path);
  fillStore(store, leads);
  return store;
}

describe('training from the store', () => {
  const leads = syntheticLeads({ leads: 700, seed: 7 });

  it('given converted leads with activity after converting, when trained, then no event at or after a label moment reaches the features', () => {
    // The same portal, plus a burst of meetings and demo requests after each conversion (the sales process).
    const withAfter = syntheticLeads({ leads: 700, seed: 7 });
    for (const [id, at] of withAfter.convertedAt) {
      for (let index = 0; index < 5; index++) {
        withAfter.events.push({
          source: 'hubspot',
          sourceId: `${id}-after-${index}`,
          recordExternalId: id,
          type: index === 0 ? 'demo_request' : 'meeting_held',
          occurredAt: at + index * 3_600_000,
          attributes: {},
        });
      }
    }
    const plain = storeWith(leads);
    const leaky = storeWith(withAfter);
    try {
      // Row by row: each training row's features equal those built only from events before its label.
      scanLabelledLeads(leaky, { cutoff: NOW }, (entry) => {
        if (entry.label !== 1) return;
        const before = entry.events.filter((event) => event.occurredAt < entry.labelAt);
        expect(leadFeatures(entry.record, entry.events, entry.labelAt)).toEqual(
          leadFeatures(entry.record, before, entry.labelAt),
        );
        expect(entry.events.length).toBeGreaterThan(before.length);
      });
      // And end to end: the trained models are byte-identical with or without the later events.
      const a = trainFromStore(plain, { now: NOW, seed: 3 });
      const b = trainFromStore(leaky, { now: NOW, seed: 3 });
      expect(b.body).toBe(a.body);
    } finally {
      plain.close();
      leaky.close();
    }
  });

  it('given the same store and seed, when trained twice, then the serialized models are byte-identical', () => {
    const store = storeWith(leads);
    try {
      const first = trainFromStore(store, { now: NOW, seed: 11 });
      const second = trainFromStore(store, { now: NOW, seed: 11 });
      expect(second.body).toBe(first.body);
      expect(second.metrics).toEqual(first.metrics);
    } finally {
      store.close();
    }
  });

  it('given a signal that drives conversion, when trained, then the holdout AUC is high and the model is calibrated', () => {
    const big = syntheticLeads({ leads: 2500, seed: 21 });
    const store = storeWith(big);
    try {
      const trained = trainFromStore(store, { now: NOW, seed: 1 });
      expect(trained.holdout.rows).toBe(Math.round(trained.rows * 0.2));
      expect(trained.holdout.auc).toBeGreaterThan(0.75);
      // Calibration: on the unseen newest leads, predicted and observed rates agree within a few points.
      expect(trained.holdout.ece).toBeLessThan(0.06);
      expect(trained.summary.labels).toMatchObject({ positives: trained.positives });
    } finally {
      store.close();
    }
  });

  it('given fewer conversions than the minimum, when trained, then it refuses with a coded error naming the count and no model is saved', () => {
    const store = storeWith(leads);
    try {
      const positives = scanLabelledLeads(store, { cutoff: NOW }, () => {}).positives;
      let caught: unknown;
      try {
        trainCommand(store, { minPositives: String(positives + 1) }, NOW);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(LeadscoreError);
      const error = caught as LeadscoreError;
      expect(error.code).toBe('ERR_MODEL_TOO_FEW_LABELS');
      expect(error.message).toContain(`${positives} conversions`);
      expect(error.message).toContain('scoring stays rule-only');
      const registry = openModelRegistry(store);
      expect(registry.activeModel()).toBeUndefined();
      registry.close();
    } finally {
      store.close();
    }
  });

  it('given 49 then 50 dated conversions and the default minimum, when trained, then the first refuses and the second trains', () => {
    const withConversions = (count: number) => {
      const keep = new Set([...leads.convertedAt.keys()].slice(0, count));
      const kept = (id: string) => !leads.convertedAt.has(id) || keep.has(id);
      const store = openStore(':memory:');
      store.upsertRecords(
        leads.records.filter((record) => kept(record.externalId)),
        NOW,
      );
      store.insertEvents(leads.events.filter((event) => kept(event.recordExternalId)));
      return store;
    };
    expect(leads.convertedAt.size).toBeGreaterThan(50);
    const short = withConversions(49);
    const enough = withConversions(50);
    try {
      expect(() => trainFromStore(short, { now: NOW })).toThrow(/49 conversions .*at least 50 conversions/);
      expect(trainFromStore(enough, { now: NOW }).positives).toBe(50);
    } finally {
      short.close();
      enough.close();
    }
  });

  it('given a store file, when trained twice, then both models are versioned and only the newest is active', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'leadscore-model-')), 'store.db');
    const store = storeWith(leads, path);
    try {
      const first = trainCommand(store, { seed: '1' }, NOW);
      const second = trainCommand(store, { seed: '2' }, NOW + DAY);
      const registry = openModelRegistry(store);
      try {
        expect(registry.listModels().map((model) => [model.id, model.active])).toEqual([
          [second.id, true],
          [first.id, false],
        ]);
        const active = registry.activeModel();
        expect(active?.id).toBe(second.id);
        expect(active?.trainedOnRows).toBe(second.rows);
        expect(active?.metrics).toMatchObject({ holdout: { rows: expect.any(Number) } });
      } finally {
        registry.close();
      }
      const status = statusCommand(store, {}, NOW + DAY);
      expect(status.active?.id).toBe(second.id);
      // Nothing new since training: no verdict, and no false alarm.
      expect(status.drift).toMatchObject({ auc: null, drifted: false });
      expect(driftLine(status.drift!)).toMatch(/^Drift: no verdict yet: /);
    } finally {
      store.close();
    }
  });

  it('given outcomes after training that the model ranks badly, when status runs, then drift is flagged', () => {
    const store = storeWith(leads);
    try {
      trainCommand(store, {}, NOW);
      // After training the signal flips: leads who request a demo stop converting, leads without activity convert.
      const shift = 120 * DAY;
      const later = NOW + shift;
      const records: LeadRecord[] = [];
      const events: EngagementEvent[] = [];
      for (let index = 0; index < 120; index++) {
        const hot = index % 2 === 0;
        const createdAt = later - (35 + (index % 25)) * DAY;
        const converted = !hot && index % 4 === 1;
        records.push({
          source: 'hubspot',
          externalId: `n${index}`,
          industry: hot ? 'Software' : 'Retail',
          createdAt,
          lifecycleStage: converted ? 'opportunity' : 'lead',
          properties: converted
            ? { hs_lifecyclestage_opportunity_date: new Date(createdAt + 10 * DAY).toISOString() }
            : {},
        });
        if (hot) {
          events.push({
            source: 'hubspot',
            sourceId: `n${index}-demo`,
            recordExternalId: `n${index}`,
            type: 'demo_request',
            occurredAt: createdAt + 5 * DAY,
            attributes: {},
          });
        }
      }
      store.upsertRecords(records, later);
      store.insertEvents(events);
      const status = statusCommand(store, {}, NOW + shift);
      expect(status.drift?.recentPositives).toBeGreaterThanOrEqual(10);
      expect(status.drift?.auc).not.toBeNull();
      expect(status.drift?.drifted).toBe(true);
      // What `model status` prints: the measured AUC, what it fell below, and what to do.
      const drift = status.drift!;
      expect(driftLine(drift)).toBe(
        `Drift: AUC ${drift.auc!.toFixed(3)} on ${drift.recentRows} outcomes since training (${drift.recentPositives} conversions) ` +
          `is below ${drift.minAuc.toFixed(3)}: retrain with \`leadscore model train\`.`,
      );
      expect(drift.auc!).toBeLessThan(drift.minAuc);
    } finally {
      store.close();
    }
  });
});
