import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EVENT_TYPES, type EventType, type LeadRecord } from '../../src/crm/vocabulary.js';
import { compileRuleSet, scoreRecord } from '../../src/scoring/engine.js';
import { canonicalJson } from '../../src/scoring/hash.js';
import { type RuleSet, ruleSetSchema } from '../../src/scoring/rules-schema.js';
import type { Contribution, ScoringEvent } from '../../src/scoring/types.js';
import { packContributions, ruleFactsOf, unpackContributions } from '../../src/store/contributions.js';

const DAY = 86_400_000;
const AS_OF = Date.UTC(2026, 0, 15);
const DEFAULT_RULES: RuleSet = ruleSetSchema.parse(
  parse(readFileSync(new URL('../../config/rules.default.yaml', import.meta.url), 'utf8')),
);

const record = fc.record({
  title: fc.constantFrom('CEO', 'VP Sales', 'Analyst', 'Student', 'Product Owner'),
  industry: fc.constantFrom('Software', 'Retail', 'SaaS'),
  companySize: fc.integer({ min: 1, max: 20_000 }),
  country: fc.constantFrom('United States', 'Germany', 'Brazil'),
  email: fc.constantFrom('a@acme.example', 'b@gmail.com', 'c@competitor.example'),
});

interface RawEvent {
  id: string;
  type: EventType;
  daysAgo: number;
  url: string;
  contentId: string;
  bounceType: string;
}

const events: fc.Arbitrary<RawEvent[]> = fc.array(
  fc.record({
    // Arbitrary source ids: quotes, backslashes and non-ASCII must survive packing too.
    id: fc.string({ minLength: 1, maxLength: 12 }),
    type: fc.constantFrom(...EVENT_TYPES),
    daysAgo: fc.double({ min: 0, max: 400, noNaN: true }),
    url: fc.constantFrom('/pricing', '/blog', '/pricing?plan=pro'),
    contentId: fc.constantFrom('wp-1', 'wp-2'),
    bounceType: fc.constantFrom('hard', 'soft'),
  }),
  { maxLength: 60 },
);

function scored(rules: RuleSet, fields: Partial<LeadRecord>, raw: RawEvent[]): Contribution[] {
  const list: ScoringEvent[] = raw.map((item) => ({
    id: item.id,
    type: item.type,
    occurredAt: AS_OF - Math.round(item.daysAgo * DAY),
    attributes: { url: item.url, contentId: item.contentId, bounceType: item.bounceType },
  }));
  const lead: LeadRecord = {
    source: 'test',
    externalId: 'x',
    properties: {},
    createdAt: AS_OF - 400 * DAY,
    ...fields,
  };
  return scoreRecord(compileRuleSet(rules), lead, list, { asOf: AS_OF, previousStage: null }).contributions;
}

describe('packContributions / unpackContributions', () => {
  it('given scores from the default rules, when packed and unpacked, then the text is JSON.stringify of the contributions byte for byte', () => {
    const facts = ruleFactsOf(canonicalJson(DEFAULT_RULES));
    fc.assert(
      fc.property(record, events, (fields, raw) => {
        const contributions = scored(DEFAULT_RULES, fields, raw);
        const packed = packContributions(contributions, facts);
        // Every contribution the engine makes matches its rule's facts, so none is stored whole.
        expect(packed).not.toContain('"label"');
        expect(unpackContributions(packed, facts)).toBe(JSON.stringify(contributions));
      }),
      { numRuns: 300 },
    );
  });

  it('given a rule set with labels full of JSON syntax, when packed and unpacked, then nothing changes', () => {
    const rules = ruleSetSchema.parse({
      ...DEFAULT_RULES,
      fit: {
        ...DEFAULT_RULES.fit,
        rules: DEFAULT_RULES.fit.rules.map((rule, index) => ({
          ...rule,
          label: `"${index}",[\\] ✓ ${rule.label}`,
        })),
      },
    });
    const facts = ruleFactsOf(canonicalJson(rules));
    fc.assert(
      fc.property(record, events, (fields, raw) => {
        const contributions = scored(rules, fields, raw);
        expect(unpackContributions(packContributions(contributions, facts), facts)).toBe(
          JSON.stringify(contributions),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('given a contribution whose label or points base differ from its stored rule, when packed, then it is stored whole and reads back unchanged', () => {
    const facts = ruleFactsOf(canonicalJson(DEFAULT_RULES));
    const contributions: Contribution[] = [
      {
        ruleId: 'web.pricing',
        label: 'Pricing page visit',
        section: 'engagement',
        subScore: 'engagement',
        points: 33.07,
        basePoints: 20,
        count: 2,
        skipped: 1,
        capped: false,
        decayFactor: 0.8268,
        eventIds: ['e"1', 'e2'],
      },
      {
        ruleId: 'web.pricing',
        label: 'Edited label',
        section: 'engagement',
        subScore: 'engagement',
        points: 5,
        basePoints: 20,
        count: 1,
        skipped: 0,
        capped: true,
        decayFactor: 1,
        eventIds: [],
      },
      { ...contributionBase('no.such.rule'), points: -0.5 },
    ];
    const packed = packContributions(contributions, facts);
    expect(JSON.parse(packed)).toEqual([
      ['web.pricing', 33.07, 2, 1, 0, 0.8268, 'e"1', 'e2'],
      contributions[1],
      contributions[2],
    ]);
    expect(unpackContributions(packed, facts)).toBe(JSON.stringify(contributions));
  });

  it('given no stored rule set, when packed, then the text is the whole JSON as before', () => {
    const contributions = [contributionBase('visit')];
    expect(packContributions(contributions, undefined)).toBe(JSON.stringify(contributions));
    expect(unpackContributions(JSON.stringify(contributions), undefined)).toBe(JSON.stringify(contributions));
  });

  it('given contributions stored before the compact format, when unpacked, then the text comes back unchanged', () => {
    const facts = ruleFactsOf(canonicalJson(DEFAULT_RULES));
    const contributions = scored(DEFAULT_RULES, { title: 'CEO', industry: 'Software' }, []);
    const old = JSON.stringify(contributions);
    expect(contributions.length).toBeGreaterThan(0);
    expect(unpackContributions(old, facts)).toBe(old);
    expect(unpackContributions('[]', facts)).toBe('[]');
  });

  it('given a packed contribution whose rule the facts do not hold, when unpacked, then ERR_STORE_CORRUPT', () => {
    expect(() => unpackContributions('[["gone",1,0,0,0,1]]', new Map())).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_CORRUPT' }),
    );
  });
});

describe('ruleFactsOf', () => {
  it('given the default rules, then each rule id maps to the section and sub-score the engine gives it', () => {
    const facts = ruleFactsOf(canonicalJson(DEFAULT_RULES));
    expect(facts.get('fit.industry')).toMatchObject({ section: 'fit', subScore: 'fit', basePoints: 10 });
    expect(facts.get('email.open')).toMatchObject({ section: 'engagement', subScore: 'engagement' });
    expect(facts.get('neg.unsubscribe')).toMatchObject({ section: 'negative', subScore: 'engagement' });
    expect(facts.get('neg.inactive-30d')).toMatchObject({ section: 'negative', subScore: 'engagement' });
    expect(facts.get('neg.geography')).toMatchObject({
      section: 'negative',
      subScore: 'fit',
      basePoints: -10,
    });
  });

  it('given a rule id used twice, then it has no facts (its contributions are stored whole)', () => {
    const body = JSON.stringify({
      fit: { rules: [{ id: 'dup', label: 'A', points: 1 }] },
      engagement: { rules: [{ id: 'dup', label: 'B', points: 2 }] },
      negative: { rules: [] },
    });
    expect(ruleFactsOf(body).has('dup')).toBe(false);
  });
});

function contributionBase(ruleId: string): Contribution {
  return {
    ruleId,
    label: `Rule ${ruleId}`,
    section: 'engagement',
    subScore: 'engagement',
    points: 10,
    basePoints: 10,
    count: 1,
    skipped: 0,
    capped: false,
    decayFactor: 1,
    eventIds: ['a'],
  };
}
