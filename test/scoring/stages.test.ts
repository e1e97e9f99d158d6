import { describe, expect, it } from 'vitest';
import { band, engagementGrade, fitGrade, resolveStage } from '../../src/scoring/stages.js';
import { lead, rules, score } from './helpers.js';

const bands = { fit: { A: 30, B: 20, C: 10 }, engagement: { '1': 40, '2': 15 } };
const stages = [
  { name: 'MQL', minScore: 50, hysteresis: 5 },
  { name: 'SQL', minScore: 80, hysteresis: 10 },
];

describe('grades and bands', () => {
  it.each([
    [45, 'A'],
    [30, 'A'],
    [29, 'B'],
    [20, 'B'],
    [10, 'C'],
    [9, 'D'],
    [-40, 'D'],
  ] as const)('given fit %s, when graded, then the letter is %s', (fit, grade) => {
    expect(fitGrade(fit, bands)).toBe(grade);
  });

  it.each([
    [100, 1],
    [40, 1],
    [39, 2],
    [15, 2],
    [14, 3],
    [-20, 3],
  ] as const)('given engagement %s, when graded, then the digit is %s', (engagement, grade) => {
    expect(engagementGrade(engagement, bands)).toBe(grade);
  });

  it('given grades, when the band is formed, then it is letter then digit', () => {
    expect(band('B', 2)).toBe('B2');
    expect(band('D', 3)).toBe('D3');
  });

  it('given a scored lead, when the result is read, then grades and band follow the sub-scores', () => {
    const set = rules({
      bands,
      fit: { rules: [{ id: 'f', label: 'F', points: 25, field: 'title', op: 'exists' }] },
      engagement: { rules: [{ id: 'e', label: 'E', points: 40, event: 'demo_request' }] },
    });
    const result = score(set, lead({ title: 'CEO' }), [
      { id: 'x', type: 'demo_request', occurredAt: Date.UTC(2025, 0, 1), attributes: {} },
    ]);
    expect(result).toMatchObject({ fit: 25, engagement: 40, fitGrade: 'B', engagementGrade: 1, band: 'B1' });
  });
});

describe('stages with hysteresis', () => {
  it.each([
    // [description, score, previous stage, expected]
    ['rising from none below MQL', 49, null, null],
    ['rising from none to MQL', 50, null, 'MQL'],
    ['rising from none straight to SQL', 85, null, 'SQL'],
    ['rising from MQL into the SQL hysteresis band', 75, 'MQL', 'MQL'],
    ['rising from MQL to SQL', 80, 'MQL', 'SQL'],
    ['falling from SQL inside its band', 72, 'SQL', 'SQL'],
    ['falling from SQL to the band edge', 70, 'SQL', 'SQL'],
    ['falling from SQL below its band', 69, 'SQL', 'MQL'],
    ['falling from SQL below MQL but inside its band', 46, 'SQL', 'MQL'],
    ['falling from MQL inside its band', 45, 'MQL', 'MQL'],
    ['falling from MQL below its band', 44, 'MQL', null],
    ['from none inside the MQL band', 47, null, null],
    ['from an unknown stage', 47, 'Opportunity', null],
  ])(
    'given %s (score %s, previously %s), when resolved, then the stage is %s',
    (_name, value, previous, expected) => {
      expect(resolveStage(stages, value, previous)).toBe(expected);
    },
  );

  it('given no stages, when resolved, then there is none', () => {
    expect(resolveStage([], 100, null)).toBeNull();
  });

  it('given any score and previous stage, when resolved twice feeding back the result, then it is unchanged', () => {
    for (let value = 30; value <= 100; value++) {
      for (const previous of [null, 'MQL', 'SQL']) {
        const once = resolveStage(stages, value, previous);
        expect(resolveStage(stages, value, once), `${value} ${previous}`).toBe(once);
      }
    }
  });

  it('given the engine, when previousStage is passed, then hysteresis applies to the total', () => {
    const set = rules({
      stages,
      fit: { rules: [{ id: 'f', label: 'F', points: 47, field: 'title', op: 'exists' }] },
    });
    expect(score(set, lead({ title: 'x' }), [], { previousStage: 'MQL' }).stage).toBe('MQL');
    expect(score(set, lead({ title: 'x' }), [], { previousStage: null }).stage).toBeNull();
  });
});
