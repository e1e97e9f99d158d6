import { describe, expect, it } from 'vitest';
import { trainCommand } from '../../src/cli/commands/model.js';
import { refreshLikelihoods } from '../../src/model/likelihood.js';
import { openModelRegistry } from '../../src/model/registry.js';
import { openStore } from '../../src/store/index.js';
import { rescore } from '../../src/sync/rescore.js';
import {
  enqueueChangedScores,
  payloadFor,
  type ScoreForWrite,
  type WriteBackFields,
  writeFieldsFor,
} from '../../src/sync/writeback.js';
import { fillStore, NOW, syntheticLeads, TEST_RULES } from './fixture.js';

const FIELDS: WriteBackFields = {
  score: 'leadscore_score',
  band: 'leadscore_band',
  fit: 'leadscore_fit',
  engagement: 'leadscore_engagement',
  reasons: 'leadscore_reasons',
  stage: 'leadscore_stage',
  updatedAt: 'leadscore_updated_at',
};
const SCORE: ScoreForWrite = {
  score: 40,
  fit: 20,
  engagement: 20,
  band: 'B2',
  stage: null,
  reasonsText: 'x',
  changedAt: NOW,
  likelihood: 37,
};

describe('the likelihood in the write-back', () => {
  it('given no likelihood field configured, when the payload is built, then it has no likelihood even with one known', () => {
    expect(Object.values(payloadFor(SCORE, FIELDS))).not.toContain(37);
    expect(writeFieldsFor(FIELDS).map((field) => field.name)).not.toContain('leadscore_likelihood');
  });

  it('given a likelihood field, when the payload is built, then it carries the likelihood, and the field is ensured', () => {
    const fields = { ...FIELDS, likelihood: 'leadscore_likelihood' };
    expect(payloadFor(SCORE, fields).leadscore_likelihood).toBe(37);
    const { likelihood: _, ...ruleOnly } = SCORE;
    expect('leadscore_likelihood' in payloadFor(ruleOnly, fields)).toBe(false);
    expect(writeFieldsFor(fields).find((field) => field.name === 'leadscore_likelihood')?.type).toBe(
      'number',
    );
  });

  it('given an active model and the field configured, when changed scores are enqueued, then each payload holds a 0-100 likelihood kept in model_scores', () => {
    const store = openStore(':memory:');
    try {
      fillStore(store, syntheticLeads({ leads: 500, seed: 8 }));
      rescore(store, TEST_RULES, { mode: 'all', asOf: NOW, now: NOW });
      const settings = {
        fields: { ...FIELDS, likelihood: 'leadscore_likelihood' },
        onHumanOverwrite: 'respect' as const,
      };
      // No model yet: rule-only, the field is left out.
      enqueueChangedScores(store, 'hubspot', settings, NOW);
      const ruleOnly = store.listOutbox({ status: 'pending', target: 'hubspot', limit: 5 });
      expect(ruleOnly.length).toBeGreaterThan(0);
      for (const row of ruleOnly) expect('leadscore_likelihood' in row.payload).toBe(false);

      trainCommand(store, { minPositives: '20' }, NOW);
      const stats: Array<{ computed: number; reused: number }> = [];
      const map = refreshLikelihoods(store, 'hubspot', NOW, (s) => stats.push(s));
      expect(map?.size).toBe(500);
      enqueueChangedScores(store, 'hubspot', settings, NOW);
      const rows = store.listOutbox({ status: 'pending', target: 'hubspot', limit: 1000 });
      expect(rows.length).toBe(500);
      for (const row of rows) {
        const value = row.payload.leadscore_likelihood;
        expect(Number.isInteger(value)).toBe(true);
        expect(value as number).toBeGreaterThanOrEqual(0);
        expect(value as number).toBeLessThanOrEqual(100);
      }
      // The second pass reused what the first stored.
      refreshLikelihoods(store, 'hubspot', NOW, (s) => stats.push(s));
      expect(stats.map((s) => [s.computed, s.reused])).toEqual([
        [500, 0],
        [0, 500],
      ]);
      const registry = openModelRegistry(store);
      expect(registry.modelScores().size).toBe(500);
      registry.close();
    } finally {
      store.close();
    }
  });
});
