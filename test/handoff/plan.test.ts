import { describe, expect, it } from 'vitest';
import { crossedStage, planCrossing } from '../../src/handoff/plan.js';
import type { LedgerCrossing } from '../../src/store/index.js';
import { leadRecord, owners, settingsFrom } from './helpers.js';

const NOW = Date.parse('2026-11-20T10:00:00Z');
const base = settingsFrom({
  stages: ['MQL', 'SQL'],
  task: { dueInHours: 4, reasons: 2 },
  routing: { teams: { sdr: ['o1', 'o2'] }, rules: [{ name: 'all', team: 'sdr' }] },
  webhooks: [
    { name: 'crm-bus', url: 'https://example.com/hook', stages: ['SQL'] },
    { name: 'slack', url: 'https://hooks.slack.com/services/x', format: 'slack' },
  ],
});

function change(overrides: Partial<LedgerCrossing> = {}): LedgerCrossing {
  return {
    ledgerId: 41,
    recordId: 7,
    at: NOW - 60_000,
    cause: 'events',
    oldStage: 'MQL',
    newStage: 'SQL',
    newScore: 84,
    newBand: 'A1',
    record: leadRecord('hubspot', '501', { ownerId: 'o9' }),
    current: {
      score: 84,
      band: 'A1',
      stage: 'SQL',
      reasonsText: 'Visited pricing (+20); VP title (+15); Big (+10)',
    },
    ...overrides,
  };
}

describe('which stage a ledger row crosses', () => {
  it('is the highest hand-off stage passed going up, and nothing going down or sideways', () => {
    const sqlOnly = settingsFrom({ stages: ['SQL'] });
    expect(crossedStage(sqlOnly, null, 'SQL')).toBe('SQL');
    expect(crossedStage(sqlOnly, null, 'MQL')).toBeUndefined();
    expect(crossedStage(base, null, 'SQL')).toBe('SQL');
    expect(crossedStage(base, 'SQL', 'MQL')).toBeUndefined();
    expect(crossedStage(base, 'MQL', 'MQL')).toBeUndefined();
  });
});

describe('planning a crossing', () => {
  it('given an owned lead crossing into SQL, then one task for the owner with score, band, top reasons and due date', () => {
    const plan = planCrossing({
      change: change(),
      settings: base,
      owners: owners(['o9', true]),
      turns: {},
      now: NOW,
    });
    if (plan.kind !== 'crossing') throw new Error('expected a crossing');
    expect(plan.crossing).toMatchObject({ stage: 'SQL', fromStage: 'MQL', status: 'planned', ledgerId: 41 });
    expect(plan.actions.map((action) => `${action.kind}:${action.target}`)).toEqual([
      'task:hubspot',
      'webhook:crm-bus',
      'webhook:slack',
    ]);
    const task = plan.actions[0]!;
    expect(task.idempotencyKey).toBe('task:hubspot:501:SQL:41');
    expect(task.payload).toMatchObject({
      externalId: '501',
      ownerId: 'o9',
      priority: 'high',
      dueAt: NOW + 4 * 3_600_000,
    });
    expect(task.payload.subject).toBe('SQL: follow up with Ada Lovelace 501 (Acme), score 84 A1');
    expect(task.payload.body).toContain('Score 84, band A1.');
    expect(task.payload.body).toContain('- Visited pricing (+20)\n- VP title (+15)');
    expect(task.payload.body).not.toContain('Big (+10)');
    expect(task.payload.body).toContain('[leadscore hubspot:501:SQL:41]');
    expect(plan.actions[1]!.payload).toMatchObject({
      type: 'lead.stage_crossed',
      stage: 'SQL',
      previousStage: 'MQL',
      score: 84,
    });
    expect(plan.actions[2]!.payload).toEqual({
      text: '*Ada Lovelace 501* at Acme reached *SQL*: score 84, band A1\n• Visited pricing (+20)\n• VP title (+15)',
    });
  });

  it('given an unowned lead, then an assign action comes first, the task goes to that owner and the turn advances', () => {
    const record = leadRecord('hubspot', '502');
    const plan = planCrossing({
      change: change({ record }),
      settings: base,
      owners: owners(['o1', true], ['o2', true]),
      turns: { sdr: 1 },
      now: NOW,
    });
    if (plan.kind !== 'crossing') throw new Error('expected a crossing');
    expect(plan.actions[0]).toMatchObject({
      kind: 'assign',
      payload: { ownerId: 'o2', previousOwnerId: null },
    });
    expect(String(plan.actions[0]!.payload.reason)).toContain('team sdr round-robin, turn 2 of 2');
    expect(plan.actions[1]!.payload.ownerId).toBe('o2');
    expect(plan.turns).toEqual({ sdr: 2 });
  });

  it('given an owner that is archived, then the lead is rerouted and the note says why', () => {
    const plan = planCrossing({
      change: change(),
      settings: base,
      owners: owners(['o9', false], ['o1', true]),
      turns: {},
      now: NOW,
    });
    if (plan.kind !== 'crossing') throw new Error('expected a crossing');
    expect(plan.actions[0]).toMatchObject({
      kind: 'assign',
      payload: { ownerId: 'o1', previousOwnerId: 'o9' },
    });
    expect(plan.notes).toContain('owner o9 is archived or deactivated: routing the lead');
  });

  it('given reassignInactiveOwners is off and the owner is gone, then the task is planned without an owner', () => {
    const settings = settingsFrom({ routing: { reassignInactiveOwners: false } });
    const plan = planCrossing({ change: change(), settings, owners: owners(), turns: {}, now: NOW });
    if (plan.kind !== 'crossing') throw new Error('expected a crossing');
    expect(plan.actions.map((action) => action.kind)).toEqual(['task']);
    expect(plan.actions[0]!.payload.ownerId).toBeUndefined();
    expect(plan.crossing.note).toContain(
      'owner o9 is unknown to the CRM (deleted?): the task goes unassigned',
    );
  });

  it('given a first score, then no hand-off unless firstScores is handoff', () => {
    const first = change({ cause: 'initial', oldStage: null });
    expect(
      planCrossing({ change: first, settings: base, owners: owners(['o9', true]), turns: {}, now: NOW }).kind,
    ).toBe('none');
    const eager = settingsFrom({ firstScores: 'handoff' });
    expect(
      planCrossing({ change: first, settings: eager, owners: owners(['o9', true]), turns: {}, now: NOW })
        .kind,
    ).toBe('crossing');
  });

  it('given a crossing older than maxAgeHours, or a lead that already fell back, then it is recorded as skipped', () => {
    const old = planCrossing({
      change: change({ at: NOW - 80 * 3_600_000 }),
      settings: base,
      owners: owners(['o9', true]),
      turns: {},
      now: NOW,
    });
    expect(old).toMatchObject({ kind: 'crossing', actions: [], crossing: { status: 'skipped' } });
    const fell = change({ current: { score: 60, band: 'B2', stage: 'MQL', reasonsText: '' } });
    const left = planCrossing({
      change: fell,
      settings: base,
      owners: owners(['o9', true]),
      turns: {},
      now: NOW,
    });
    expect(left).toMatchObject({
      kind: 'crossing',
      actions: [],
      crossing: { status: 'skipped', note: 'left SQL (now MQL) before the hand-off ran' },
    });
  });
});

describe('lifecycle writes', () => {
  const lifecycle = settingsFrom({ lifecycle: { enabled: true } });
  const plan = (value: string | undefined) => {
    const record = leadRecord('hubspot', '501', {
      ownerId: 'o9',
      ...(value ? { lifecycleStage: value } : {}),
    });
    const result = planCrossing({
      change: change({ record }),
      settings: lifecycle,
      owners: owners(['o9', true]),
      turns: {},
      now: NOW,
    });
    if (result.kind !== 'crossing') throw new Error('expected a crossing');
    return result;
  };

  it('given a lead at MQL, then SQL is written', () => {
    expect(
      plan('marketingqualifiedlead').actions.find((action) => action.kind === 'lifecycle')?.payload,
    ).toEqual({
      externalId: '501',
      field: 'lifecyclestage',
      value: 'salesqualifiedlead',
      previous: 'marketingqualifiedlead',
    });
  });

  it('given a customer, or a value outside the order, then nothing moves backwards', () => {
    expect(plan('customer').actions.some((action) => action.kind === 'lifecycle')).toBe(false);
    expect(plan('customer').notes).toContain(
      'lifecyclestage is already "customer", not moved back to "salesqualifiedlead"',
    );
    expect(plan('partner').actions.some((action) => action.kind === 'lifecycle')).toBe(false);
  });

  it('is off by default', () => {
    const result = planCrossing({
      change: change(),
      settings: base,
      owners: owners(['o9', true]),
      turns: {},
      now: NOW,
    });
    expect(result.kind === 'crossing' && result.actions.some((action) => action.kind === 'lifecycle')).toBe(
      false,
    );
  });
});
