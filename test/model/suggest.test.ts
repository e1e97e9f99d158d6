import { describe, expect, it } from 'vitest';
import { suggestCommand } from '../../src/cli/commands/model.js';
import { LeadscoreError } from '../../src/errors.js';
import { openStore } from '../../src/store/index.js';
import { fillStore, NOW, syntheticLeads, TEST_RULES } from './fixture.js';

describe('model suggest', () => {
  it('given a rule whose signal has a strong conversion lift, when suggested, then its points are proposed up and a signal-free rule down', () => {
    const store = openStore(':memory:');
    try {
      fillStore(store, syntheticLeads({ leads: 800, seed: 5 }));
      const report = suggestCommand(store, TEST_RULES, {}, NOW);
      const byId = new Map(report.rules.map((rule) => [rule.ruleId, rule]));
      const demo = byId.get('demo')!;
      expect(demo.withSignal.rate).toBeGreaterThan(0.3);
      expect(demo.lift).toBeGreaterThan(3);
      expect(demo.action).toBe('raise');
      expect(demo.proposedPoints).toBeGreaterThan(demo.points);
      // Opens carry no signal in this portal but have the most points: proposed down (towards 0).
      const opens = byId.get('opens')!;
      expect(opens.action).toBe('lower');
      expect(Math.abs(opens.proposedPoints ?? 99)).toBeLessThan(opens.points);
      expect(report.pointsPerLogOdds).toBeGreaterThan(0);
      // Nothing is applied: the rules object is untouched.
      expect(TEST_RULES.engagement.rules.find((rule) => rule.id === 'demo')?.points).toBe(3);
    } finally {
      store.close();
    }
  });

  it('given too few conversions, when suggested, then it refuses with a coded error and the rules stay', () => {
    const store = openStore(':memory:');
    try {
      fillStore(store, syntheticLeads({ leads: 30, seed: 5 }));
      expect(() => suggestCommand(store, TEST_RULES, { minPositives: '25' }, NOW)).toThrow(LeadscoreError);
      try {
        suggestCommand(store, TEST_RULES, { minPositives: '25' }, NOW);
      } catch (error) {
        expect((error as LeadscoreError).code).toBe('ERR_MODEL_TOO_FEW_LABELS');
      }
    } finally {
      store.close();
    }
  });
});
