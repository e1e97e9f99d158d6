import { describe, expect, it } from 'vitest';
import { compileValueTest } from '../../src/scoring/conditions.js';
import type { FieldCondition } from '../../src/scoring/rules-schema.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Case = [
  description: string,
  condition: DistributiveOmit<FieldCondition, 'field'>,
  value: unknown,
  expected: boolean,
];

const f = 'x';
const cases: Case[] = [
  // equals
  ['equals: same text, other case', { op: 'equals', value: 'Software' }, 'SOFTWARE', true],
  [
    'equals: caseSensitive, other case',
    { op: 'equals', value: 'Software', caseSensitive: true },
    'software',
    false,
  ],
  [
    'equals: caseSensitive, same case',
    { op: 'equals', value: 'Software', caseSensitive: true },
    'Software',
    true,
  ],
  ['equals: numeric string vs number', { op: 'equals', value: 50 }, '50', true],
  ['equals: number vs numeric string', { op: 'equals', value: '50' }, 50, true],
  ['equals: numerically equal spellings', { op: 'equals', value: '50.0' }, ' 50 ', true],
  ['equals: different numbers', { op: 'equals', value: 50 }, '51', false],
  ['equals: boolean vs text', { op: 'equals', value: true }, 'TRUE', true],
  ['equals: missing value', { op: 'equals', value: 'x' }, undefined, false],
  ['equals: null value', { op: 'equals', value: 'x' }, null, false],
  ['equals: blank string is not 0', { op: 'equals', value: 0 }, '  ', false],
  // notEquals
  ['notEquals: different', { op: 'notEquals', value: 'US' }, 'DE', true],
  ['notEquals: same, other case', { op: 'notEquals', value: 'US' }, 'us', false],
  ['notEquals: numeric strings', { op: 'notEquals', value: 10 }, '10', false],
  ['notEquals: missing does not match', { op: 'notEquals', value: 'US' }, undefined, false],
  ['notEquals: empty string does not match', { op: 'notEquals', value: 'US' }, '', false],
  // in / notIn
  ['in: listed, other case', { op: 'in', values: ['Software', 'SaaS'] }, 'saas', true],
  ['in: not listed', { op: 'in', values: ['Software', 'SaaS'] }, 'Retail', false],
  ['in: numeric string in numbers', { op: 'in', values: [10, 20] }, '20', true],
  ['in: mixed list', { op: 'in', values: [10, 'ten'] }, 'TEN', true],
  ['in: caseSensitive', { op: 'in', values: ['SaaS'], caseSensitive: true }, 'saas', false],
  ['in: missing', { op: 'in', values: ['a'] }, undefined, false],
  ['notIn: not listed', { op: 'notIn', values: ['US', 'CA'] }, 'BR', true],
  ['notIn: listed, other case', { op: 'notIn', values: ['US', 'CA'] }, 'ca', false],
  ['notIn: missing does not match', { op: 'notIn', values: ['US'] }, undefined, false],
  ['notIn: null does not match', { op: 'notIn', values: ['US'] }, null, false],
  // contains / startsWith / endsWith
  ['contains: other case', { op: 'contains', value: '/Pricing' }, 'https://x.example/pricing?a=1', true],
  ['contains: absent', { op: 'contains', value: '/pricing' }, 'https://x.example/blog', false],
  ['contains: regex characters are literal', { op: 'contains', value: 'a.b' }, 'axb', false],
  ['contains: regex characters match literally', { op: 'contains', value: 'a.b(c)' }, 'xA.B(C)x', true],
  ['contains: caseSensitive', { op: 'contains', value: 'Pricing', caseSensitive: true }, '/pricing', false],
  ['contains: on a number', { op: 'contains', value: '5' }, 250, true],
  ['contains: missing', { op: 'contains', value: 'a' }, undefined, false],
  ['startsWith: other case', { op: 'startsWith', value: 'vp' }, 'VP Sales', true],
  ['startsWith: not at start', { op: 'startsWith', value: 'vp' }, 'SVP Sales', false],
  ['startsWith: caseSensitive', { op: 'startsWith', value: 'vp', caseSensitive: true }, 'VP Sales', false],
  ['endsWith: other case', { op: 'endsWith', value: '.EDU' }, 'mit.edu', true],
  ['endsWith: not at end', { op: 'endsWith', value: '.edu' }, 'edu.example', false],
  ['endsWith: caseSensitive', { op: 'endsWith', value: '.EDU', caseSensitive: true }, 'mit.edu', false],
  // regex
  ['regex: case-insensitive by default', { op: 'regex', pattern: '^(ceo|cto)$' }, 'CEO', true],
  ['regex: caseSensitive', { op: 'regex', pattern: '^(ceo|cto)$', caseSensitive: true }, 'CEO', false],
  [
    'regex: explicit i flag wins',
    { op: 'regex', pattern: '^ceo$', flags: 'i', caseSensitive: true },
    'CEO',
    true,
  ],
  ['regex: word boundary', { op: 'regex', pattern: '\\bvp\\b' }, 'SVP Sales', false],
  ['regex: on a number', { op: 'regex', pattern: '^\\d{3}$' }, 250, true],
  ['regex: missing', { op: 'regex', pattern: '.*' }, undefined, false],
  // range
  ['range: inside', { op: 'range', min: 50, max: 500 }, 100, true],
  ['range: at min (inclusive)', { op: 'range', min: 50, max: 500 }, 50, true],
  ['range: at max (inclusive)', { op: 'range', min: 50, max: 500 }, 500, true],
  ['range: below', { op: 'range', min: 50, max: 500 }, 49.9, false],
  ['range: above', { op: 'range', min: 50, max: 500 }, 501, false],
  ['range: numeric string', { op: 'range', min: 50, max: 500 }, '120', true],
  ['range: only min', { op: 'range', min: 50 }, 1e9, true],
  ['range: only max', { op: 'range', max: 10 }, -5, true],
  ['range: non-numeric text', { op: 'range', min: 0 }, 'lots', false],
  ['range: boolean is not a number', { op: 'range', min: 0 }, true, false],
  ['range: blank is not 0', { op: 'range', min: 0, max: 10 }, '', false],
  ['range: missing', { op: 'range', min: 0 }, undefined, false],
  // exists / missing
  ['exists: text', { op: 'exists' }, 'x', true],
  ['exists: zero', { op: 'exists' }, 0, true],
  ['exists: false', { op: 'exists' }, false, true],
  ['exists: empty string', { op: 'exists' }, '', false],
  ['exists: blank string', { op: 'exists' }, '   ', false],
  ['exists: null', { op: 'exists' }, null, false],
  ['exists: undefined', { op: 'exists' }, undefined, false],
  ['exists: an inherited function is not a value', { op: 'exists' }, Object.prototype.toString, false],
  ['missing: undefined', { op: 'missing' }, undefined, true],
  ['missing: empty string', { op: 'missing' }, '', true],
  ['missing: text', { op: 'missing' }, 'x', false],
];

describe('compileValueTest', () => {
  it.each(cases)(
    'given %s, when tested, then it is as expected',
    (_description, condition, value, expected) => {
      const test = compileValueTest({ field: f, ...condition } as FieldCondition);
      expect(test(value)).toBe(expected);
    },
  );

  it('given a compiled regex test, when called repeatedly, then it is stateless', () => {
    const test = compileValueTest({ field: f, op: 'contains', value: 'a' });
    expect([test('a'), test('a'), test('a')]).toEqual([true, true, true]);
  });
});
