import { describe, expect, it } from 'vitest';
import { ruleSetSchema } from '../../src/scoring/rules-schema.js';

const valid = {
  version: 1,
  name: 'test',
  fit: { rules: [] },
  engagement: { rules: [] },
  bands: { fit: { A: 30, B: 20, C: 10 }, engagement: { '1': 40, '2': 15 } },
};

function issues(input: unknown): string[] {
  const result = ruleSetSchema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('ruleSetSchema refinements', () => {
  it('given a minimal rule set, when parsed, then defaults are filled in', () => {
    expect(ruleSetSchema.parse(valid)).toMatchObject({
      engagement: { decay: { type: 'none' } },
      negative: { rules: [] },
      total: {},
      stages: [],
      reasons: { top: 5, maxLength: 255 },
    });
  });

  it.each([
    [
      'a range without bounds',
      { fit: { rules: [{ id: 'r', label: 'R', points: 1, field: 'x', op: 'range' }] } },
      'fit.rules.0: expected a range with min, max or both',
    ],
    [
      'an inverted range',
      { fit: { rules: [{ id: 'r', label: 'R', points: 1, field: 'x', op: 'range', min: 10, max: 1 }] } },
      'fit.rules.0: expected range min 10 <= max 1',
    ],
    [
      'an inverted range in a where filter',
      {
        engagement: {
          rules: [
            {
              id: 'r',
              label: 'R',
              points: 1,
              event: 'call',
              where: [{ attr: 'durationSeconds', op: 'range', min: 9, max: 1 }],
            },
          ],
        },
      },
      'engagement.rules.0.where.0: expected range min 9 <= max 1',
    ],
    [
      'a regex invalid only with its flags',
      {
        fit: {
          rules: [{ id: 'r', label: 'R', points: 1, field: 'x', op: 'regex', pattern: '\\-', flags: 'u' }],
        },
      },
      'fit.rules.0: expected a valid regular expression with flags "u"',
    ],
    ['fit min above max', { fit: { min: 10, max: 0, rules: [] } }, 'fit.min: expected min 10 <= max 0'],
    ['total min above max', { total: { min: 100, max: 0 } }, 'total.min: expected min 100 <= max 0'],
    [
      'a duplicate stage name',
      {
        stages: [
          { name: 'MQL', minScore: 50 },
          { name: 'MQL', minScore: 80 },
        ],
      },
      'stages.1.name: duplicate stage name "MQL"',
    ],
    [
      'a typo in a key',
      { fit: { rules: [{ id: 'r', label: 'R', pionts: 1, field: 'x', op: 'exists' }] } },
      'fit.rules.0',
    ],
  ])('given %s, when parsed, then it is rejected naming the place', (_name, patch, expected) => {
    const found = issues({ ...valid, ...patch });
    expect(found.some((issue) => issue.startsWith(expected))).toBe(true);
  });

  it('given negative rules of every kind, when parsed, then they are accepted', () => {
    const result = ruleSetSchema.safeParse({
      ...valid,
      negative: {
        rules: [
          { kind: 'field', id: 'a', label: 'A', points: -1, field: 'country', op: 'notIn', values: ['US'] },
          { kind: 'freeMail', id: 'b', label: 'B', points: -1 },
          { kind: 'emailDomain', id: 'c', label: 'C', points: -1, domains: ['rival.example'] },
          { kind: 'event', id: 'd', label: 'D', points: -1, event: 'unsubscribe', once: true },
          { kind: 'inactivity', id: 'e', label: 'E', points: -1, days: 30 },
        ],
      },
    });
    expect(result.success).toBe(true);
  });
});
