import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileValueTest } from '../../src/scoring/conditions.js';
import { compileRuleSet, scoreRecord } from '../../src/scoring/engine.js';
import { ruleSetSchema } from '../../src/scoring/rules-schema.js';
import { AS_OF, DAY, event, lead } from './helpers.js';

const rules = ruleSetSchema.parse(
  parse(readFileSync(new URL('../../config/rules.default.yaml', import.meta.url), 'utf8')),
);
const compiled = compileRuleSet(rules);
const ctx = { asOf: AS_OF, previousStage: null };

describe('config/rules.default.yaml', () => {
  it('given the starter file, when parsed with the schema, then it is valid with MQL and SQL stages', () => {
    expect(rules.stages.map((stage) => [stage.name, stage.minScore, stage.hysteresis])).toEqual([
      ['MQL', 50, 5],
      ['SQL', 80, 5],
    ]);
    expect(rules.reasons).toEqual({ top: 5, maxLength: 255 });
  });

  it('given a hot lead, when scored, then it is SQL in band A1 with its reasons shown', () => {
    const hot = lead({
      email: 'jane@acme.example',
      title: 'VP of Sales',
      industry: 'Software',
      companySize: 400,
      country: 'United States',
      createdAt: AS_OF - 120 * DAY,
      updatedAt: AS_OF - 5 * DAY,
    });
    const events = [
      event('demo_request', 1),
      event('page_view', 1, { url: 'https://www.example.com/pricing' }),
      event('page_view', 3, { url: 'https://www.example.com/pricing?plan=pro' }),
      event('page_view', 4, { url: 'https://www.example.com/blog' }),
    ];
    const result = scoreRecord(compiled, hot, events, ctx);
    expect(result.stage).toBe('SQL');
    expect(result.score).toBeGreaterThanOrEqual(80);
    expect(result.band).toBe('A1');
    expect(result.reasonsText).toBe(
      '+39 Pricing page visit (2); +30 Demo request; +20 Decision-maker title; +10 Company size 50-5,000; +10 Target industry',
    );
  });

  it('given a cold free-mail lead that unsubscribed, when scored, then it is low with the reasons shown', () => {
    const cold = lead({
      email: 'someone@gmail.com',
      title: 'Student',
      industry: 'Education',
      companySize: 3,
      country: 'Brazil',
      createdAt: AS_OF - 300 * DAY,
      updatedAt: AS_OF - 300 * DAY,
    });
    const result = scoreRecord(compiled, cold, [event('unsubscribe', 60), event('email_open', 61)], ctx);
    expect(result.score).toBe(0);
    expect(result.stage).toBeNull();
    expect(result.band).toBe('D3');
    expect(result.fit).toBe(-20);
    expect(result.engagement).toBeLessThan(0);
    expect(result.reasonsText).toContain('-20 Unsubscribed');
    expect(result.reasonsText).toContain('-10 Free-mail address');
    expect(result.reasonsText).toContain('-15 No engagement 30+ days');
  });

  it.each([
    ['CEO', true],
    ['Co-Founder & CTO', true],
    ['VP Sales', true],
    ['Vice President, Marketing', true],
    ['Head of Growth', true],
    ['Director of Operations', true],
    ['Owner', true],
    ['Product Owner', false],
    ['Marketing Manager', false],
    ['Software Engineer', false],
    ['Directory Assistant', false],
  ])('given the title %s, when the decision-maker rule tests it, then it matches: %s', (title, expected) => {
    const rule = rules.fit.rules.find((candidate) => candidate.id === 'fit.decision-maker')!;
    expect(compileValueTest(rule)(title)).toBe(expected);
  });
});
