import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainCommand } from '../../src/cli/commands/model.js';
import { writeBackSettings } from '../../src/cli/crm.js';
import { loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { LeadscoreError } from '../../src/errors.js';
import { type BandBlend, blendBand, prependReason } from '../../src/model/blend.js';
import { refreshLikelihoods } from '../../src/model/likelihood.js';
import { openStore, type Store } from '../../src/store/index.js';
import { rescore } from '../../src/sync/rescore.js';
import { enqueueChangedScores, type WriteBackSettings } from '../../src/sync/writeback.js';
import { fillStore, NOW, syntheticLeads, TEST_RULES } from './fixture.js';

const FIT: BandBlend = { grade: 'fit', raiseAt: 60, lowerAt: 5, maxLength: 255 };
const score = (band: string, reasonsText = '+20 Requested a demo; +5 Software company') => ({
  score: 30,
  band,
  reasonsText,
});

describe('blending the likelihood into the band (pure)', () => {
  it('given the fit grade and thresholds 60/5, when likelihoods fall on and around them, then the letter moves one grade exactly at them', () => {
    const bands = [59, 60, 99, 6, 5, 0].map((likelihood) => blendBand(score('B2'), likelihood, FIT).band);
    expect(bands).toEqual(['B2', 'A2', 'A2', 'B2', 'C2', 'C2']);
  });

  it('given the engagement grade, when the likelihood is high or low, then the digit moves and the letter stays', () => {
    const blend: BandBlend = { ...FIT, grade: 'engagement' };
    expect(blendBand(score('C2'), 75, blend).band).toBe('C1');
    expect(blendBand(score('C2'), 2, blend).band).toBe('C3');
  });

  it('given a band at the end of its scale, when the likelihood would move it further, then nothing changes, not even the reasons', () => {
    for (const [band, likelihood, grade] of [
      ['A3', 90, 'fit'],
      ['D1', 1, 'fit'],
      ['B1', 90, 'engagement'],
      ['B3', 1, 'engagement'],
    ] as const) {
      const before = score(band);
      expect(blendBand(before, likelihood, { ...FIT, grade })).toBe(before);
    }
  });

  it('given only one threshold, when the likelihood is on the other side, then the band stays', () => {
    expect(blendBand(score('B2'), 1, { grade: 'fit', raiseAt: 60, maxLength: 255 }).band).toBe('B2');
    expect(blendBand(score('B2'), 99, { grade: 'fit', lowerAt: 5, maxLength: 255 }).band).toBe('B2');
  });

  it('given no blend configured or no likelihood (no active model), when blended, then the score is the rules’ own', () => {
    const before = score('B2');
    expect(blendBand(before, 99, undefined)).toBe(before);
    expect(blendBand(before, undefined, FIT)).toBe(before);
  });

  it('given a moved band, when blended, then the first reason says the model moved it, with the likelihood', () => {
    expect(blendBand(score('B2'), 72, FIT).reasonsText).toBe(
      'Model: 72% likely to convert (B2 -> A2); +20 Requested a demo; +5 Software company',
    );
    expect(blendBand(score('B2', ''), 3, FIT).reasonsText).toBe('Model: 3% likely to convert (B2 -> C2)');
  });

  it('given reasons near the length limit, when the model line is put first, then whole trailing reasons are dropped', () => {
    const line = 'Model: 72% likely to convert (B2 -> A2)';
    const reasons = '+20 Requested a demo; +5 Software company';
    expect(prependReason(line, reasons, line.length + 2 + reasons.length)).toBe(`${line}; ${reasons}`);
    expect(prependReason(line, reasons, line.length + 2 + reasons.length - 1)).toBe(
      `${line}; +20 Requested a demo`,
    );
    expect(prependReason(line, reasons, line.length + 5)).toBe(line);
    // The shortest limit the rules allow (40) still holds the longest line.
    const longest = blendBand(score('D3'), 100, { ...FIT, maxLength: 40 }).reasonsText;
    expect(longest).toBe('Model: 100% likely to convert (D3 -> C3)');
  });
});

describe('model.blend in the config', () => {
  const parse = (model: unknown) => configSchema.safeParse({ rules: './rules.yaml', model });

  it('given no model key, when parsed, then the blend is off', () => {
    const parsed = configSchema.parse({ rules: './rules.yaml' });
    expect(parsed.model.blend).toEqual({ into: 'none', grade: 'fit' });
  });

  it('given into band without thresholds, lowerAt not below raiseAt, or a likelihood over 100, when parsed, then each is refused', () => {
    const messages = [
      { blend: { into: 'band' } },
      { blend: { into: 'band', raiseAt: 10, lowerAt: 10 } },
      { blend: { into: 'band', raiseAt: 120 } },
      { blend: { into: 'score', raiseAt: 60 } },
    ].map((model) => {
      const result = parse(model);
      return result.success ? 'accepted' : result.error.issues.map((issue) => issue.message).join(' | ');
    });
    expect(messages[0]).toContain('expected raiseAt or lowerAt');
    expect(messages[1]).toContain('expected lowerAt below raiseAt');
    expect(messages[2]).toContain('from 0 to 100');
    expect(messages[3]).not.toBe('accepted');
  });

  it('given a config file with and without a blend, when the write-back settings are built, then the blend carries the rules’ reasons limit only when on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadscore-blend-'));
    const rules = join(process.cwd(), 'config/rules.default.yaml');
    const off = join(dir, 'off.yaml');
    const on = join(dir, 'on.yaml');
    writeFileSync(off, `rules: ${rules}\n`);
    writeFileSync(
      on,
      `rules: ${rules}\nmodel:\n  blend:\n    into: band\n    grade: engagement\n    raiseAt: 40\n`,
    );
    expect(writeBackSettings(loadConfig(off)).blend).toBeUndefined();
    const loaded = loadConfig(on);
    expect(writeBackSettings(loaded).blend).toEqual({
      grade: 'engagement',
      raiseAt: 40,
      maxLength: loaded.rules.reasons.maxLength,
    });
  });
});

describe('the blend in the write-back', () => {
  const FIELDS = {
    score: 'leadscore_score',
    band: 'leadscore_band',
    fit: 'leadscore_fit',
    engagement: 'leadscore_engagement',
    reasons: 'leadscore_reasons',
    stage: 'leadscore_stage',
    updatedAt: 'leadscore_updated_at',
  };

  function scoredStore(): Store {
    const store = openStore(':memory:');
    fillStore(store, syntheticLeads({ leads: 500, seed: 8 }));
    rescore(store, TEST_RULES, { mode: 'all', asOf: NOW, now: NOW });
    return store;
  }

  function outbox(store: Store) {
    return new Map(
      store
        .listOutbox({ status: 'pending', target: 'hubspot', limit: 10_000 })
        .map((row) => [row.externalId, row.payload]),
    );
  }

  function ruleBands(store: Store) {
    return new Map(
      [...store.eachScoreForWriteBack('hubspot')].map((row) => [
        row.externalId,
        { recordId: row.recordId, band: row.score.band, reasons: row.score.reasonsText },
      ]),
    );
  }

  it('given a blend but no active model (training refused), when scores are enqueued, then every payload is rule-only', () => {
    const store = scoredStore();
    try {
      expect(() => trainCommand(store, { minPositives: '100000' }, NOW)).toThrow(LeadscoreError);
      const settings: WriteBackSettings = {
        fields: FIELDS,
        onHumanOverwrite: 'respect',
        blend: { grade: 'fit', raiseAt: 1, lowerAt: 0, maxLength: 255 },
      };
      enqueueChangedScores(store, 'hubspot', settings, NOW);
      const rules = ruleBands(store);
      const payloads = outbox(store);
      expect(payloads.size).toBe(500);
      for (const [externalId, payload] of payloads) {
        expect(payload.leadscore_band).toBe(rules.get(externalId)?.band);
        expect(payload.leadscore_reasons).toBe(rules.get(externalId)?.reasons);
      }
    } finally {
      store.close();
    }
  });

  it('given an engagement blend and no likelihood field, when scores are enqueued, then the digit moves and no likelihood is written', () => {
    const store = scoredStore();
    try {
      trainCommand(store, { minPositives: '20' }, NOW);
      const likelihoods = refreshLikelihoods(store, 'hubspot', NOW)!;
      const raiseAt = [...likelihoods.values()].sort((a, b) => a - b)[Math.floor(likelihoods.size * 0.7)]!;
      enqueueChangedScores(
        store,
        'hubspot',
        {
          fields: FIELDS,
          onHumanOverwrite: 'respect',
          blend: { grade: 'engagement', raiseAt, maxLength: 255 },
        },
        NOW,
      );
      const rules = ruleBands(store);
      let moved = 0;
      for (const [externalId, payload] of outbox(store)) {
        expect('leadscore_likelihood' in payload).toBe(false);
        const rule = rules.get(externalId)!;
        const likelihood = likelihoods.get(rule.recordId)!;
        const digit = Number(rule.band[1]);
        const expected = likelihood >= raiseAt && digit > 1 ? `${rule.band[0]}${digit - 1}` : rule.band;
        expect(payload.leadscore_band).toBe(expected);
        if (expected !== rule.band) moved++;
      }
      expect(moved).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  });

  it('given an active model and a fit blend, when scores are enqueued, then each band moves exactly as configured and says why', () => {
    const store = scoredStore();
    try {
      trainCommand(store, { minPositives: '20' }, NOW);
      const likelihoods = refreshLikelihoods(store, 'hubspot', NOW)!;
      const sorted = [...likelihoods.values()].sort((a, b) => a - b);
      // Thresholds inside the spread of this model's likelihoods, so both directions occur.
      const lowerAt = sorted[Math.floor(sorted.length * 0.2)]!;
      const raiseAt = sorted[Math.floor(sorted.length * 0.8)]!;
      expect(lowerAt).toBeLessThan(raiseAt);
      const settings: WriteBackSettings = {
        fields: { ...FIELDS, likelihood: 'leadscore_likelihood' },
        onHumanOverwrite: 'respect',
        blend: { grade: 'fit', raiseAt, lowerAt, maxLength: 255 },
      };
      enqueueChangedScores(store, 'hubspot', settings, NOW);
      const rules = ruleBands(store);
      const payloads = outbox(store);
      const up: Record<string, string> = { B: 'A', C: 'B', D: 'C' };
      const down: Record<string, string> = { A: 'B', B: 'C', C: 'D' };
      let moved = 0;
      for (const [externalId, payload] of payloads) {
        const rule = rules.get(externalId)!;
        const likelihood = likelihoods.get(rule.recordId)!;
        expect(payload.leadscore_likelihood).toBe(likelihood);
        const [letter, digit] = [rule.band[0]!, rule.band[1]!];
        const target = likelihood >= raiseAt ? up[letter] : likelihood <= lowerAt ? down[letter] : undefined;
        const expected = target === undefined ? rule.band : `${target}${digit}`;
        expect(payload.leadscore_band).toBe(expected);
        if (expected === rule.band) {
          expect(payload.leadscore_reasons).toBe(rule.reasons);
        } else {
          moved++;
          expect(String(payload.leadscore_reasons)).toMatch(
            new RegExp(`^Model: ${likelihood}% likely to convert \\(${rule.band} -> ${expected}\\)`),
          );
        }
        // The rules keep the score and sub-scores: the points a rep reads still add up.
        expect(payload.leadscore_score).toBe(
          (payload.leadscore_fit as number) + (payload.leadscore_engagement as number),
        );
      }
      expect(moved).toBeGreaterThan(50);

      // Deterministic: once sent, a rerun with the same scores, model and config has nothing to write.
      const pending = store.listOutbox({ status: 'pending', target: 'hubspot', limit: 10_000 });
      store.markSent(
        pending.map((row) => row.id),
        NOW,
      );
      const again = enqueueChangedScores(store, 'hubspot', settings, NOW + 60_000);
      expect(again).toMatchObject({ enqueued: 0, humanOverwrites: 0 });
    } finally {
      store.close();
    }
  });
});
