import { describe, expect, it } from 'vitest';
import { compileRuleSet, referencedFields, scoreRecord } from '../../src/scoring/engine.js';
import { canonicalJson, ruleSetHash } from '../../src/scoring/hash.js';
import { AS_OF, event, lead, rules, score } from './helpers.js';

const fitRule = (id: string, points: number) => ({
  id,
  label: id,
  points,
  field: 'title',
  op: 'exists' as const,
});
const clickRule = (id: string, points: number) => ({ id, label: id, points, event: 'email_click' as const });

describe('sub-scores and clamping', () => {
  it.each([
    ['fit above max', { fit: { max: 60 } }, [fitRule('a', 50), fitRule('b', 30)], 60],
    ['fit below min', { fit: { min: -20 } }, [fitRule('a', -50)], -20],
    ['fit unbounded', {}, [fitRule('a', 500)], 500],
  ])('given %s, when scored, then fit is clamped', (_name, bounds, fitRules, expected) => {
    const set = rules({ ...bounds, fit: { ...(bounds as { fit?: object }).fit, rules: fitRules } });
    expect(score(set, lead({ title: 'x' })).fit).toBe(expected);
  });

  it('given engagement bounds, when events exceed them, then engagement is clamped', () => {
    const set = rules({ engagement: { min: 0, max: 25, rules: [clickRule('c', 10)] } });
    expect(
      score(set, lead(), [event('email_click', 1), event('email_click', 2), event('email_click', 3)])
        .engagement,
    ).toBe(25);
    const negative = rules({
      engagement: { min: 0, rules: [] },
      negative: { rules: [{ kind: 'event', id: 'u', label: 'U', points: -20, event: 'unsubscribe' }] },
    });
    expect(score(negative, lead(), [event('unsubscribe', 1)]).engagement).toBe(0);
  });

  it('given total bounds, when fit + engagement exceed them, then the total is clamped but sub-scores are not', () => {
    const set = rules({
      total: { min: 0, max: 100 },
      fit: { rules: [fitRule('f', 70)] },
      engagement: { rules: [clickRule('c', 50)] },
    });
    const result = score(set, lead({ title: 'x' }), [event('email_click', 1)]);
    expect(result).toMatchObject({ score: 100, fit: 70, engagement: 50 });
    expect(
      score(rules({ total: { min: 0 }, fit: { rules: [fitRule('f', -30)] } }), lead({ title: 'x' })).score,
    ).toBe(0);
  });

  it('given fractional sub-scores, when scored, then each is rounded and the total is their sum', () => {
    const set = rules({
      fit: { rules: [fitRule('f', 10.4)] },
      engagement: { decay: { type: 'halfLife', days: 10 }, rules: [clickRule('c', 10)] },
    });
    // 10 * 0.5^(0.5) = 7.07 engagement; fit 10.4.
    const result = score(set, lead({ title: 'x' }), [event('email_click', 5)]);
    expect(result).toMatchObject({ fit: 10, engagement: 7, score: 17 });
  });

  it('given a negative sub-score that rounds to zero, when serialised, then it is 0 not -0', () => {
    const result = score(rules({ fit: { rules: [fitRule('f', -0.4)] } }), lead({ title: 'x' }));
    expect(Object.is(result.fit, 0)).toBe(true);
    expect(Object.is(result.score, 0)).toBe(true);
  });
});

describe('contributions', () => {
  const set = rules({
    fit: { rules: [fitRule('fit.b', 10), fitRule('fit.a', 10), fitRule('fit.big', 20)] },
    engagement: { rules: [clickRule('click', 5)] },
    negative: { rules: [{ kind: 'freeMail', id: 'free', label: 'Free', points: -15 }] },
  });

  it('given several rules, when scored, then contributions are by |points| desc, then rule id', () => {
    const result = score(set, lead({ title: 'x', email: 'a@gmail.com' }), [event('email_click', 1)]);
    expect(result.contributions.map((c) => [c.ruleId, c.points])).toEqual([
      ['fit.big', 20],
      ['free', -15],
      ['fit.a', 10],
      ['fit.b', 10],
      ['click', 5],
    ]);
    expect(result.reasonsText).toBe('+20 fit.big; -15 Free; +10 fit.a; +10 fit.b; +5 click');
    expect(result).toMatchObject({ fit: 25, engagement: 5, score: 30 });
  });

  it('given a fit rule, when it contributes, then it records no events', () => {
    const result = score(set, lead({ title: 'x' }));
    expect(result.contributions[0]).toEqual({
      ruleId: 'fit.big',
      label: 'fit.big',
      section: 'fit',
      subScore: 'fit',
      points: 20,
      basePoints: 20,
      count: 0,
      skipped: 0,
      capped: false,
      decayFactor: 1,
      eventIds: [],
    });
  });

  it('given rules with zero points, when they match, then they are not contributions', () => {
    const result = score(rules({ fit: { rules: [fitRule('zero', 0)] } }), lead({ title: 'x' }));
    expect(result.contributions).toEqual([]);
    expect(result.reasonsText).toBe('');
  });

  it('given no rules and no events, when scored, then everything is zero and the lowest band', () => {
    expect(score(rules(), lead(), [])).toEqual({
      score: 0,
      fit: 0,
      engagement: 0,
      fitGrade: 'D',
      engagementGrade: 3,
      band: 'D3',
      stage: null,
      contributions: [],
      reasonsText: '',
    });
  });
});

describe('determinism', () => {
  const set = rules({
    engagement: {
      decay: { type: 'halfLife', days: 30 },
      rules: [
        {
          id: 'open',
          label: 'Open',
          points: 3,
          event: 'email_open',
          limit: { count: 1, per: 'day' },
          cap: 10,
        },
        { id: 'dl', label: 'Download', points: 7, event: 'content_download', once: { by: 'contentId' } },
      ],
    },
  });
  const events = [
    event('email_open', 1, {}, 'b'),
    event('email_open', 1, {}, 'a'), // same instant: the id breaks the tie
    event('email_open', 1.2),
    event('email_open', 3),
    event('content_download', 2, { contentId: 'x' }),
    event('content_download', 4, { contentId: 'x' }),
    event('content_download', 5, { contentId: 'y' }),
  ];

  it('given events in any order, when scored, then the result is byte-identical', () => {
    const expected = JSON.stringify(score(set, lead(), events));
    const orders = [
      [...events].reverse(),
      [...events].sort((x, y) => (x.id < y.id ? 1 : -1)),
      [events[3]!, ...events.slice(4), ...events.slice(0, 3)],
    ];
    for (const order of orders) expect(JSON.stringify(score(set, lead(), order))).toBe(expected);
  });

  it('given events with equal times, when scored, then the lower id is the newer', () => {
    expect(score(set, lead(), events).contributions.find((c) => c.ruleId === 'open')?.eventIds[0]).toBe('a');
  });

  it('given one compiled rule set, when it scores many records, then no state leaks between them', () => {
    const compiled = compileRuleSet(set);
    const ctx = { asOf: AS_OF, previousStage: null };
    const first = JSON.stringify(scoreRecord(compiled, lead(), events, ctx));
    scoreRecord(compiled, lead({ email: 'x@gmail.com' }), [event('email_open', 0)], ctx);
    expect(JSON.stringify(scoreRecord(compiled, lead(), events, ctx))).toBe(first);
  });

  it('given the input events, when scored, then they are not mutated', () => {
    const input = [...events].reverse();
    const snapshot = JSON.stringify(input);
    score(set, lead(), input);
    expect(JSON.stringify(input)).toBe(snapshot);
  });
});

describe('hash', () => {
  it('given objects with keys in different orders, when canonicalised, then the text is equal and sorted', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it('given a rule set, when hashed, then it is 16 hex digits, stable, and changes with the rules', () => {
    const hash = ruleSetHash(rules());
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(ruleSetHash(rules())).toBe(hash);
    expect(ruleSetHash(rules({ name: 'other' }))).not.toBe(hash);
    expect(compileRuleSet(rules()).hash).toBe(hash);
  });
});

describe('referencedFields', () => {
  it('given rules of every kind, when asked, then it lists the record fields and event attributes read', () => {
    const set = rules({
      fit: {
        decay: { afterDays: 10, halfLifeDays: 10 },
        rules: [
          { id: 'a', label: 'A', points: 1, field: 'hs_lead_status', op: 'exists' },
          { id: 'b', label: 'B', points: 1, field: 'emailDomain', op: 'exists' },
        ],
      },
      engagement: {
        rules: [
          {
            id: 'c',
            label: 'C',
            points: 1,
            event: 'page_view',
            where: [{ attr: 'url', op: 'contains', value: 'x' }],
          },
          { id: 'd', label: 'D', points: 1, event: 'content_download', once: { by: 'contentId' } },
        ],
      },
      negative: {
        rules: [
          { kind: 'field', id: 'e', label: 'E', points: -1, field: 'country', op: 'missing' },
          { kind: 'freeMail', id: 'f', label: 'F', points: -1 },
          {
            kind: 'event',
            id: 'g',
            label: 'G',
            points: -1,
            event: 'email_bounce',
            where: [{ attr: 'bounceType', op: 'exists' }],
          },
          { kind: 'inactivity', id: 'h', label: 'H', points: -1, days: 30 },
        ],
      },
    });
    expect(referencedFields(set)).toEqual({
      fields: ['country', 'createdAt', 'email', 'hs_lead_status', 'updatedAt'],
      attributes: ['bounceType', 'contentId', 'url'],
    });
  });
});
