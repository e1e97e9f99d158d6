import { describe, expect, it } from 'vitest';
import { fitDecayFactor } from '../../src/scoring/decay.js';
import { emailDomainOf, freeMailTest } from '../../src/scoring/freemail.js';
import { AS_OF, contributionOf, DAY, lead, rules, score } from './helpers.js';

describe('fit field lookup', () => {
  it('given a vocabulary field, when a fit rule reads it, then the record field is used', () => {
    const set = rules({
      fit: {
        rules: [{ id: 'r', label: 'R', points: 10, field: 'industry', op: 'equals', value: 'software' }],
      },
    });
    expect(score(set, lead({ industry: 'Software' })).fit).toBe(10);
  });

  it('given a CRM-specific property, when a fit rule names it, then record.properties is read', () => {
    const set = rules({
      fit: {
        rules: [{ id: 'r', label: 'R', points: 10, field: 'hs_lead_status', op: 'equals', value: 'OPEN' }],
      },
    });
    expect(score(set, lead({ properties: { hs_lead_status: 'open' } })).fit).toBe(10);
    expect(score(set, lead({ properties: { hs_lead_status: 'UNQUALIFIED' } })).fit).toBe(0);
  });

  it('given a vocabulary field that is unset, when the property of the same name exists, then the property is read', () => {
    const set = rules({
      fit: { rules: [{ id: 'r', label: 'R', points: 5, field: 'industry', op: 'exists' }] },
    });
    expect(score(set, lead({ properties: { industry: 'Retail' } })).fit).toBe(5);
  });

  it('given both, when a rule reads a vocabulary name, then the vocabulary field wins', () => {
    const set = rules({
      fit: { rules: [{ id: 'r', label: 'R', points: 5, field: 'country', op: 'equals', value: 'DE' }] },
    });
    expect(score(set, lead({ country: 'DE', properties: { country: 'US' } })).fit).toBe(5);
  });

  it('given the derived emailDomain field, when a rule reads it, then it is the lower-cased domain', () => {
    const set = rules({
      fit: {
        rules: [
          {
            id: 'r',
            label: 'R',
            points: 5,
            field: 'emailDomain',
            op: 'equals',
            value: 'acme.example',
            caseSensitive: true,
          },
        ],
      },
    });
    expect(score(set, lead({ email: 'Jane@ACME.Example' })).fit).toBe(5);
    expect(score(set, lead({})).fit).toBe(0);
  });

  it('given a property named like an Object member, when read, then nothing is found', () => {
    const set = rules({
      fit: { rules: [{ id: 'r', label: 'R', points: 5, field: 'constructor', op: 'exists' }] },
    });
    expect(score(set, lead()).fit).toBe(0);
  });

  it('given a numeric CRM property as text, when a range rule reads it, then it compares numerically', () => {
    const set = rules({
      fit: { rules: [{ id: 'r', label: 'R', points: 5, field: 'NumberOfEmployees', op: 'range', min: 50 }] },
    });
    expect(score(set, lead({ properties: { NumberOfEmployees: '120' } })).fit).toBe(5);
  });
});

describe('fit decay', () => {
  const decay = { afterDays: 90, halfLifeDays: 30 };
  it.each([
    ['no updatedAt', undefined, 1],
    ['updated today', AS_OF, 1],
    ['updated exactly afterDays ago', AS_OF - 90 * DAY, 1],
    ['one half-life past afterDays', AS_OF - 120 * DAY, 0.5],
    ['two half-lives past afterDays', AS_OF - 150 * DAY, 0.25],
  ])('given %s, when the factor is computed, then it is %s', (_name, updatedAt, expected) => {
    expect(fitDecayFactor(decay, updatedAt, AS_OF)).toBeCloseTo(expected, 10);
  });

  it('given no fit decay configured, when the record is old, then the factor is 1', () => {
    expect(fitDecayFactor(undefined, 0, AS_OF)).toBe(1);
  });

  it('given stale record data, when scored, then fit points decay and the contribution shows the factor', () => {
    const set = rules({
      fit: { decay, rules: [{ id: 'r', label: 'R', points: 20, field: 'title', op: 'exists' }] },
      negative: { rules: [{ kind: 'freeMail', id: 'free', label: 'Free', points: -10 }] },
    });
    const result = score(set, lead({ title: 'CEO', email: 'a@gmail.com', updatedAt: AS_OF - 120 * DAY }));
    expect(contributionOf(result, 'r')).toMatchObject({ points: 10, basePoints: 20, decayFactor: 0.5 });
    // Negative record rules do not decay.
    expect(contributionOf(result, 'free')).toMatchObject({ points: -10, decayFactor: 1 });
    expect(result.fit).toBe(0);
  });
});

describe('negative record rules', () => {
  const set = rules({
    negative: {
      rules: [
        {
          kind: 'freeMail',
          id: 'free',
          label: 'Free mail',
          points: -10,
          extraDomains: ['@Example-Free.org'],
        },
        {
          kind: 'emailDomain',
          id: 'rival',
          label: 'Competitor',
          points: -25,
          domains: ['Competitor.example'],
        },
        {
          kind: 'field',
          id: 'geo',
          label: 'Wrong geography',
          points: -10,
          field: 'country',
          op: 'notIn',
          values: ['US', 'DE'],
        },
      ],
    },
  });

  it.each([
    ['gmail', 'a@gmail.com', ['free']],
    ['googlemail, upper case', 'A@GoogleMail.COM', ['free']],
    ['a yahoo country variant', 'a@yahoo.co.uk', ['free']],
    ['a gmx variant', 'a@gmx.de', ['free']],
    ['an extra domain', 'a@example-free.org', ['free']],
    ['a company domain', 'a@acme.example', []],
    ['a look-alike of a family name', 'a@yahoo.acme.example', []],
    ['a competitor', 'a@competitor.example', ['rival']],
    ['a competitor subdomain', 'a@eu.mail.competitor.example', ['rival']],
    ['a domain merely ending in the name', 'a@notcompetitor.example', []],
    ['no email', undefined, []],
    ['an email without a domain', 'nobody', []],
  ])('given %s (%s), when scored, then the firing domain rules are %j', (_name, email, expected) => {
    const result = score(set, lead({ email, country: 'US' }));
    expect(result.contributions.map((contribution) => contribution.ruleId)).toEqual(expected);
    for (const contribution of result.contributions)
      expect(contribution).toMatchObject({ section: 'negative', subScore: 'fit' });
  });

  it.each([
    ['served country', 'de', 0],
    ['unserved country', 'BR', -10],
    ['unknown country', undefined, 0],
  ])('given a %s, when scored, then the geography rule adds %s', (_name, country, expected) => {
    expect(score(set, lead({ email: 'a@acme.example', country })).fit).toBe(expected);
  });

  it('given the built-in list, when asked about common providers, then they are free mail', () => {
    const isFree = freeMailTest();
    for (const domain of [
      'outlook.com',
      'hotmail.fr',
      'live.com',
      'icloud.com',
      'proton.me',
      'yandex.ru',
      'qq.com',
      'web.de',
    ]) {
      expect(isFree(domain), domain).toBe(true);
    }
    expect(isFree('salesforce.com')).toBe(false);
  });

  it('given messy emails, when the domain is derived, then it is trimmed and lower-cased', () => {
    expect(emailDomainOf('Jane.Doe@Sub.ACME.example.')).toBe('sub.acme.example');
    expect(emailDomainOf('"odd@name"@acme.example')).toBe('acme.example');
    expect(emailDomainOf('trailing@')).toBeUndefined();
    expect(emailDomainOf(42)).toBeUndefined();
  });
});
