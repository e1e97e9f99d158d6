import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LeadRecord } from '../../src/crm/vocabulary.js';
import { compileRuleSet, scoreRecord } from '../../src/scoring/engine.js';
import { type RuleSet, ruleSetSchema } from '../../src/scoring/rules-schema.js';
import { resolveStage } from '../../src/scoring/stages.js';
import type { ScoringEvent } from '../../src/scoring/types.js';
import { AS_OF, DAY } from './helpers.js';

const TYPES = [
  'email_open',
  'email_click',
  'page_view',
  'content_download',
  'unsubscribe',
  'email_sent',
] as const;
const HOUR = DAY / 24;

const points = fc.integer({ min: -30, max: 40 });
const decay = fc.oneof(
  fc.constant({ type: 'none' as const }),
  fc.record({ type: fc.constant('halfLife' as const), days: fc.integer({ min: 1, max: 90 }) }),
  fc.record({
    type: fc.constant('linear' as const),
    percent: fc.integer({ min: 1, max: 100 }),
    everyDays: fc.integer({ min: 1, max: 30 }),
  }),
);
const where = fc.option(
  fc.constantFrom(
    [{ attr: 'url', op: 'contains', value: '/pricing' }],
    [{ attr: 'kind', op: 'in', values: ['a', 'B'] }],
    [{ attr: 'kind', op: 'missing' }],
  ),
  { nil: undefined },
);
const engagementRule = fc.record(
  {
    label: fc.string({ minLength: 1, maxLength: 80 }),
    points,
    event: fc.oneof(
      fc.constantFrom(...TYPES),
      fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 3 }),
    ),
    where,
    cap: fc.integer({ min: 1, max: 60 }),
    once: fc.oneof(fc.boolean(), fc.constant({ by: 'kind' })),
    limit: fc.record({
      count: fc.integer({ min: 1, max: 3 }),
      per: fc.oneof(
        fc.constantFrom('day', 'week', 'month'),
        fc.record({ days: fc.integer({ min: 1, max: 10 }) }),
      ),
    }),
    decay,
    expireAfterDays: fc.integer({ min: 1, max: 200 }),
  },
  { requiredKeys: ['label', 'points', 'event'] },
);
const fitRule = fc.record({
  label: fc.string({ minLength: 1, maxLength: 80 }),
  points,
  condition: fc.constantFrom(
    { field: 'title', op: 'regex', pattern: '\\b(ceo|vp)\\b' },
    { field: 'companySize', op: 'range', min: 50, max: 500 },
    { field: 'industry', op: 'in', values: ['software', 'Retail'] },
    { field: 'country', op: 'notEquals', value: 'US' },
    { field: 'LeadSource', op: 'exists' },
  ),
});
const negativeRule = fc.oneof(
  fc.record({ kind: fc.constant('freeMail'), label: fc.constant('Free mail'), points }),
  fc.record({
    kind: fc.constant('emailDomain'),
    label: fc.constant('Rival'),
    points,
    domains: fc.constant(['rival.example']),
  }),
  fc.record({
    kind: fc.constant('inactivity'),
    label: fc.constant('Idle'),
    points,
    days: fc.integer({ min: 1, max: 60 }),
  }),
  fc.record({
    kind: fc.constant('event'),
    label: fc.constant('Unsub'),
    points,
    event: fc.constant('unsubscribe'),
    once: fc.boolean(),
  }),
);
const bound = fc.option(fc.integer({ min: -50, max: 150 }), { nil: undefined });
const bounds = fc
  .tuple(bound, bound)
  .map(([a, b]) => (a !== undefined && b !== undefined && a > b ? { min: b, max: a } : { min: a, max: b }));

const ruleSet: fc.Arbitrary<RuleSet> = fc
  .record({
    fit: fc.array(fitRule, { maxLength: 4 }),
    engagement: fc.array(engagementRule, { maxLength: 5 }),
    negative: fc.array(negativeRule, { maxLength: 4 }),
    sectionDecay: decay,
    expireAfterDays: fc.option(fc.integer({ min: 1, max: 365 }), { nil: undefined }),
    fitBounds: bounds,
    engagementBounds: bounds,
    totalBounds: bounds,
    top: fc.integer({ min: 1, max: 6 }),
    maxLength: fc.integer({ min: 40, max: 300 }),
  })
  .map((input) =>
    ruleSetSchema.parse({
      version: 1,
      name: 'generated',
      fit: {
        ...input.fitBounds,
        rules: input.fit.map((rule, index) => ({
          id: `fit-${index}`,
          label: rule.label,
          points: rule.points,
          ...rule.condition,
        })),
      },
      engagement: {
        ...input.engagementBounds,
        decay: input.sectionDecay,
        expireAfterDays: input.expireAfterDays,
        rules: input.engagement.map((rule, index) => ({ id: `eng-${index}`, ...rule })),
      },
      negative: { rules: input.negative.map((rule, index) => ({ id: `neg-${index}`, ...rule })) },
      total: input.totalBounds,
      bands: { fit: { A: 30, B: 20, C: 10 }, engagement: { '1': 40, '2': 15 } },
      stages: [
        { name: 'MQL', minScore: 20, hysteresis: 5 },
        { name: 'SQL', minScore: 50, hysteresis: 10 },
      ],
      reasons: { top: input.top, maxLength: input.maxLength },
    }),
  );

const record: fc.Arbitrary<LeadRecord> = fc.record({
  source: fc.constant('test'),
  externalId: fc.constant('lead'),
  email: fc.option(fc.constantFrom('a@gmail.com', 'b@acme.example', 'c@eu.rival.example', 'bad'), {
    nil: undefined,
  }),
  title: fc.option(fc.constantFrom('CEO', 'VP Sales', 'Engineer', ''), { nil: undefined }),
  companySize: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
  industry: fc.option(fc.constantFrom('Software', 'retail', 'Media'), { nil: undefined }),
  country: fc.option(fc.constantFrom('US', 'DE'), { nil: undefined }),
  createdAt: fc.option(
    fc.integer({ min: -400, max: 10 }).map((days) => AS_OF + days * DAY),
    { nil: undefined },
  ),
  properties: fc.record({ LeadSource: fc.constantFrom('web', null) }, { requiredKeys: [] }),
});

const events: fc.Arbitrary<ScoringEvent[]> = fc
  .array(
    fc.record({
      type: fc.constantFrom(...TYPES),
      // Hours before AS_OF; negative ones are in the future. Coarse steps make equal timestamps common.
      hoursAgo: fc.integer({ min: -48, max: 300 * 24 }).map((hours) => hours - (hours % 7)),
      url: fc.constantFrom('https://x.example/pricing', 'https://x.example/blog', undefined),
      kind: fc.constantFrom('a', 'b', 'c', undefined),
    }),
    { maxLength: 30 },
  )
  .map((list) =>
    list.map((item, index) => {
      const attributes: Record<string, string> = {};
      if (item.url !== undefined) attributes.url = item.url;
      if (item.kind !== undefined) attributes.kind = item.kind;
      return { id: `e${index}`, type: item.type, occurredAt: AS_OF - item.hoursAgo * HOUR, attributes };
    }),
  );

const previousStage = fc.constantFrom(null, 'MQL', 'SQL', 'Unknown');

function shuffle<T>(items: readonly T[], keys: readonly number[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = (keys[index % keys.length] ?? 0) % (index + 1);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

describe('scoring properties', () => {
  it('given any rules, record and events, when the events are shuffled, then the result is byte-identical', () => {
    fc.assert(
      fc.property(
        ruleSet,
        record,
        events,
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        previousStage,
        (rules, lead, list, keys, previous) => {
          const compiled = compileRuleSet(rules);
          const ctx = { asOf: AS_OF, previousStage: previous };
          const expected = JSON.stringify(scoreRecord(compiled, lead, list, ctx));
          expect(JSON.stringify(scoreRecord(compiled, lead, shuffle(list, keys), ctx))).toBe(expected);
          expect(JSON.stringify(scoreRecord(compiled, lead, [...list].reverse(), ctx))).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('given any inputs, when scored twice (and with a fresh compile), then the results are identical', () => {
    fc.assert(
      fc.property(ruleSet, record, events, previousStage, (rules, lead, list, previous) => {
        const ctx = { asOf: AS_OF, previousStage: previous };
        const compiled = compileRuleSet(rules);
        const first = JSON.stringify(scoreRecord(compiled, lead, list, ctx));
        expect(JSON.stringify(scoreRecord(compiled, lead, list, ctx))).toBe(first);
        expect(JSON.stringify(scoreRecord(compileRuleSet(rules), lead, list, ctx))).toBe(first);
      }),
      { numRuns: 200 },
    );
  });

  it('given any inputs, when scored, then bounds, sums and the reasons length hold', () => {
    fc.assert(
      fc.property(ruleSet, record, events, previousStage, (rules, lead, list, previous) => {
        const result = scoreRecord(compileRuleSet(rules), lead, list, {
          asOf: AS_OF,
          previousStage: previous,
        });
        const { min, max } = rules.total;
        if (min !== undefined) expect(result.score).toBeGreaterThanOrEqual(min);
        if (max !== undefined) expect(result.score).toBeLessThanOrEqual(max);
        for (const [value, section] of [
          [result.fit, rules.fit],
          [result.engagement, rules.engagement],
        ] as const) {
          expect(Number.isInteger(value)).toBe(true);
          if (section.min !== undefined) expect(value).toBeGreaterThanOrEqual(section.min);
          if (section.max !== undefined) expect(value).toBeLessThanOrEqual(section.max);
        }
        if (min === undefined && max === undefined) expect(result.score).toBe(result.fit + result.engagement);
        expect(result.reasonsText.length).toBeLessThanOrEqual(rules.reasons.maxLength);
        for (const contribution of result.contributions) {
          expect(contribution.points).not.toBe(0);
          expect(contribution.eventIds.length).toBeLessThanOrEqual(20);
          expect(contribution.eventIds.length).toBe(Math.min(contribution.count, 20));
        }
        expect(result.stage).toBe(resolveStage(rules.stages, result.score, previous));
      }),
      { numRuns: 300 },
    );
  });

  it('given any stages, score and previous stage, when the stage is resolved again from its own output, then it is unchanged', () => {
    const stages = fc
      .uniqueArray(fc.integer({ min: -50, max: 150 }), { minLength: 1, maxLength: 4 })
      .chain((scores) =>
        fc.tuple(
          ...[...scores]
            .sort((a, b) => a - b)
            .map((minScore, index) =>
              fc
                .integer({ min: 0, max: 40 })
                .map((hysteresis) => ({ name: `S${index}`, minScore, hysteresis })),
            ),
        ),
      );
    fc.assert(
      fc.property(
        stages,
        fc.integer({ min: -60, max: 160 }),
        fc.constantFrom(null, 'S0', 'S1', 'S2', 'S3', 'X'),
        (list, value, previous) => {
          const once = resolveStage(list, value, previous);
          expect(resolveStage(list, value, once)).toBe(once);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
