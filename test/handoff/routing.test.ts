import { describe, expect, it } from 'vitest';
import { routeLead } from '../../src/handoff/routing.js';
import { leadRecord, owners, settingsFrom } from './helpers.js';

const routing = settingsFrom({
  routing: {
    teams: { enterprise: ['e1', 'e2', 'e3'], dach: ['d1'], smb: ['s1', 's2'] },
    regions: { DACH: ['DE', 'AT', 'CH'] },
    rules: [
      { name: 'large accounts', minCompanySize: 1000, team: 'enterprise' },
      { name: 'dach territory', region: 'DACH', team: 'dach' },
      { name: 'france', countries: ['France', 'FR'], owner: 'f1' },
      { name: 'small', maxCompanySize: 999, team: 'smb' },
    ],
    fallbackOwner: 'fb',
  },
}).routing;
const everyone = owners(
  ['e1', true],
  ['e2', true],
  ['e3', true],
  ['d1', true],
  ['f1', true],
  ['s1', true],
  ['s2', true],
  ['fb', true],
);

describe('routing unowned leads', () => {
  it('given a large company, when routed three times, then the enterprise team takes turns in order', () => {
    const lead = leadRecord('hubspot', '1', { companySize: 5000, country: 'US' });
    let turns: Record<string, number> = {};
    const picked: string[] = [];
    for (let i = 0; i < 4; i++) {
      const decision = routeLead(lead, routing, everyone, turns);
      if (decision.ownerId === null || !('turn' in decision) || !decision.turn)
        throw new Error('expected a team turn');
      picked.push(decision.ownerId);
      turns = { ...turns, [decision.turn.team]: decision.turn.next };
      expect(decision.reason).toContain(
        'rule "large accounts" (company size 5000): team enterprise round-robin',
      );
    }
    expect(picked).toEqual(['e1', 'e2', 'e3', 'e1']);
  });

  it('given an archived team member, when it is their turn, then the next active member gets the lead', () => {
    const lead = leadRecord('hubspot', '1', { companySize: 5000 });
    const some = new Map(everyone);
    some.set('e2', { id: 'e2', active: false, name: null, email: null });
    const decision = routeLead(lead, routing, some, { enterprise: 1 });
    expect(decision.ownerId).toBe('e3');
  });

  it('given a country in a region, then the territory rule wins over the size segment below it', () => {
    const decision = routeLead(
      leadRecord('hubspot', '1', { country: 'at', companySize: 50 }),
      routing,
      everyone,
      {},
    );
    expect(decision).toMatchObject({ ownerId: 'd1', rule: 'dach territory' });
    expect(decision.reason).toContain('region DACH (at)');
  });

  it('given a country named by a rule, then its owner gets the lead', () => {
    const decision = routeLead(
      leadRecord('hubspot', '1', { country: 'France', companySize: 50 }),
      routing,
      everyone,
      {},
    );
    expect(decision).toMatchObject({ ownerId: 'f1', rule: 'france' });
  });

  it('given a lead no rule matches (no country, no size), then the fallback owner gets it with the reason', () => {
    const lead = leadRecord('hubspot', '1', {});
    delete lead.country;
    delete lead.companySize;
    const decision = routeLead(lead, routing, everyone, {});
    expect(decision).toMatchObject({ ownerId: 'fb', rule: 'fallback' });
    expect(decision.reason).toContain('no rule matched');
  });

  it('given the matching rule has only inactive owners and the fallback is archived, then nobody, with both reasons', () => {
    const inactive = owners(['f1', false], ['fb', false]);
    const decision = routeLead(
      leadRecord('hubspot', '1', { country: 'FR', companySize: 50 }),
      routing,
      inactive,
      {},
    );
    expect(decision.ownerId).toBeNull();
    expect(decision.reason).toContain('owner f1 is archived or deactivated');
    expect(decision.reason).toContain('fallback owner fb is archived or deactivated');
  });

  it('given an owner id the CRM does not know, then it is described as unknown', () => {
    const decision = routeLead(
      leadRecord('hubspot', '1', { country: 'FR' }),
      routing,
      owners(['fb', true]),
      {},
    );
    expect(decision.ownerId).toBe('fb');
    expect(decision.reason).toContain('owner f1 is unknown to the CRM');
  });
});
