import { describe, expect, it } from 'vitest';
import { planHandoffs, runHandoff, sendHandoffs } from '../../src/handoff/index.js';
import { openStore } from '../../src/store/index.js';
import { scoreSeries, settingsFrom } from './helpers.js';
import { fakeClock, useHubSpotWorld } from './hubspot-fixture.js';

/** End to end: ledger -> hand-off engine -> HubSpot hooks -> @hubspot/api-client -> the local sandbox. */

const NOW = Date.parse('2026-11-20T10:00:00Z');
const START = NOW - 30 * 60_000;
const world = useHubSpotWorld();

const tasksOf = (contactId: string) => world.sb.state.handoff.tasksOfContact(contactId);

function ownedContact() {
  const contact = world.contacts.find((candidate) => candidate.ownerId !== null);
  if (!contact?.ownerId) throw new Error('the sandbox has no owned contact');
  return { id: contact.id, ownerId: contact.ownerId };
}

describe('HubSpot: a task for the owner on an upward crossing', () => {
  it('given MQL -> SQL, then one task associated with the contact, owned by its owner, with score, band and reasons', async () => {
    const { id, ownerId } = ownedContact();
    world.addLead(id, ownerId);
    scoreSeries(world.store, 'hubspot', id, [60, 85], { start: START });
    const clock = fakeClock(NOW);
    const stats = await runHandoff(
      world.store,
      world.hooks,
      settingsFrom({ task: { dueInHours: 24 } }),
      clock,
    );

    expect(stats.plan).toEqual({ crossings: 1, skipped: 0, actions: 1 });
    expect(stats.send).toMatchObject({ done: 1, tasks: 1, dead: 0 });
    const [task] = tasksOf(id);
    expect(tasksOf(id)).toHaveLength(1);
    expect(task?.properties).toMatchObject({
      hubspot_owner_id: ownerId,
      hs_task_status: 'NOT_STARTED',
      hs_task_priority: 'HIGH',
      hs_timestamp: new Date(NOW + 24 * 3_600_000).toISOString(),
    });
    expect(task?.properties.hs_task_subject).toContain('SQL: follow up with');
    expect(task?.properties.hs_task_body).toContain('Score 85, band A1.');
    expect(task?.properties.hs_task_body).toContain('- Visited pricing 3 times (+20)');
    const [action] = world.store.handoff.listActions({ kind: 'task', limit: 5 });
    expect(action).toMatchObject({
      status: 'done',
      result: task?.id,
      idempotencyKey: expect.stringMatching(/^task:hubspot:/),
    });
  });

  it('given a score hovering at the threshold within hysteresis, then no second task; a real fall and rise makes one', async () => {
    const { id, ownerId } = ownedContact();
    world.addLead(id, ownerId);
    const settings = settingsFrom({});
    const clock = fakeClock(NOW);
    expect(scoreSeries(world.store, 'hubspot', id, [60, 85], { start: START })).toEqual(['MQL', 'SQL']);
    await runHandoff(world.store, world.hooks, settings, clock);
    // 77 and 76 are within SQL's hysteresis of 5 below 80: the lead stays SQL.
    expect(scoreSeries(world.store, 'hubspot', id, [77, 83, 76, 88], { start: START + 5 * 60_000 })).toEqual([
      'SQL',
      'SQL',
      'SQL',
      'SQL',
    ]);
    await runHandoff(world.store, world.hooks, settings, clock);
    expect(tasksOf(id)).toHaveLength(1);

    expect(scoreSeries(world.store, 'hubspot', id, [70, 82], { start: START + 10 * 60_000 })).toEqual([
      'MQL',
      'SQL',
    ]);
    const again = await runHandoff(world.store, world.hooks, settings, clock);
    expect(again.send.tasks).toBe(1);
    expect(tasksOf(id)).toHaveLength(2);
  });

  it('given a first import of already-qualified leads, then no tasks (firstScores: skip)', async () => {
    const { id, ownerId } = ownedContact();
    world.addLead(id, ownerId);
    scoreSeries(world.store, 'hubspot', id, [90], { start: START });
    const stats = await runHandoff(world.store, world.hooks, settingsFrom({}), fakeClock(NOW));
    expect(stats.plan.crossings).toBe(0);
    expect(tasksOf(id)).toHaveLength(0);
  });
});

describe('HubSpot: late crossings', () => {
  it('given history older than maxAgeHours, then a first run passes it over silently, a later run records it as skipped', async () => {
    const { id, ownerId } = ownedContact();
    world.addLead(id, ownerId);
    const old = NOW - 100 * 3_600_000;
    scoreSeries(world.store, 'hubspot', id, [60, 85], { start: old });
    const first = await runHandoff(world.store, world.hooks, settingsFrom({}), fakeClock(NOW));
    expect(first.plan).toEqual({ crossings: 0, skipped: 0, actions: 0 });
    expect(world.store.handoff.counts().crossings).toBe(0);

    scoreSeries(world.store, 'hubspot', id, [70, 86], { start: old + 60 * 60_000 });
    const later = await runHandoff(world.store, world.hooks, settingsFrom({}), fakeClock(NOW));
    expect(later.plan).toEqual({ crossings: 0, skipped: 1, actions: 0 });
    expect(tasksOf(id)).toHaveLength(0);
  });
});

describe('HubSpot: exactly one task across crashes and retries', () => {
  it('given the process dies after HubSpot made the task but before it was marked done, then the rerun finds it', async () => {
    const { id, ownerId } = ownedContact();
    world.addLead(id, ownerId);
    scoreSeries(world.store, 'hubspot', id, [60, 85], { start: START });
    const settings = settingsFrom({});
    const clock = fakeClock(NOW);
    await planHandoffs(world.store, world.hooks, settings, clock);

    // The "crashed" run: the task is created, then the answer never comes back to be recorded.
    const crashing = {
      ...world.hooks,
      createTask: async (spec: Parameters<typeof world.hooks.createTask>[0]) => {
        await world.hooks.createTask(spec);
        return new Promise<never>(() => {});
      },
    };
    void sendHandoffs(world.store, crashing, settings, clock);
    for (let i = 0; i < 200 && tasksOf(id).length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(tasksOf(id)).toHaveLength(1);

    // A new process opens the same store: the action is still pending, marked in flight.
    const restarted = openStore(world.dbPath);
    try {
      const [pending] = restarted.handoff.listActions({ kind: 'task', limit: 1 });
      expect(pending).toMatchObject({ status: 'pending', attempts: 0, inflightAt: NOW });
      const stats = await sendHandoffs(restarted, world.hooks, settings, clock);
      expect(stats).toMatchObject({ done: 1, tasks: 1 });
      expect(tasksOf(id)).toHaveLength(1);
      const [done] = restarted.handoff.listActions({ kind: 'task', limit: 1 });
      expect(done).toMatchObject({ status: 'done', result: tasksOf(id)[0]?.id });
      expect(restarted.handoff.listAttempts({ limit: 5 })[0]?.detail).toBe(
        'found the task an interrupted attempt made',
      );
    } finally {
      restarted.close();
    }
  });

  it('given the answer is lost after HubSpot made the task (an error), then the retry finds it instead of making another', async () => {
    const { id, ownerId } = ownedContact();
    world.addLead(id, ownerId);
    scoreSeries(world.store, 'hubspot', id, [60, 85], { start: START });
    const settings = settingsFrom({});
    const clock = fakeClock(NOW);
    const lossy = {
      ...world.hooks,
      createTask: async (spec: Parameters<typeof world.hooks.createTask>[0]) => {
        await world.hooks.createTask(spec);
        throw new Error('socket hang up');
      },
    };
    const first = await runHandoff(world.store, lossy, settings, clock);
    expect(first.send).toMatchObject({ done: 0, retried: 1 });
    const second = await sendHandoffs(world.store, world.hooks, settings, { ...clock, maxWaitMs: 600_000 });
    expect(second).toMatchObject({ done: 1, tasks: 1 });
    expect(tasksOf(id)).toHaveLength(1);
  });
});

describe('HubSpot: routing and bad owners', () => {
  it('given an unowned contact, then it is assigned by the rules in HubSpot, with the reason kept, and the task is theirs', async () => {
    const contact = world.contacts.find((candidate) => candidate.ownerId === null);
    if (!contact) throw new Error('the sandbox has no unowned contact');
    world.addLead(contact.id, null, { companySize: 2500, country: 'US' });
    scoreSeries(world.store, 'hubspot', contact.id, [60, 85], { start: START });
    const settings = settingsFrom({
      routing: {
        teams: { ae: ['41629382', '41629383'] },
        rules: [{ name: 'enterprise', minCompanySize: 1000, team: 'ae' }],
        fallbackOwner: '41629379',
      },
    });
    const stats = await runHandoff(world.store, world.hooks, settings, fakeClock(NOW));
    expect(stats.send).toMatchObject({ assigned: 1, tasks: 1, dead: 0 });
    const row = world.sb.state.store.resolve(contact.id);
    expect(world.sb.state.store.get(row, 'hubspot_owner_id')).toBe('41629382');
    expect(tasksOf(contact.id)[0]?.properties.hubspot_owner_id).toBe('41629382');
    const [assign] = world.store.handoff.listActions({ kind: 'assign', limit: 1 });
    expect(assign?.payload.reason).toBe(
      'rule "enterprise" (company size 2500): team ae round-robin, turn 1 of 2',
    );
  });

  it('given the contact owner was archived in HubSpot, then owners() sees it and the lead goes to the fallback owner', async () => {
    const { id, ownerId } = ownedContact();
    world.sb.state.handoff.archiveOwner(ownerId);
    world.addLead(id, ownerId);
    scoreSeries(world.store, 'hubspot', id, [60, 85], { start: START });
    const fallback = ownerId === '41629385' ? '41629384' : '41629385';
    const owners = await world.hooks.owners();
    expect(owners.find((owner) => owner.id === ownerId)).toMatchObject({ active: false });
    await runHandoff(
      world.store,
      world.hooks,
      settingsFrom({ routing: { fallbackOwner: fallback } }),
      fakeClock(NOW),
    );
    expect(tasksOf(id)[0]?.properties.hubspot_owner_id).toBe(fallback);
    const [crossing] = world.store.handoff.listActions({ kind: 'assign', limit: 1 });
    expect(crossing?.payload).toMatchObject({ previousOwnerId: ownerId, ownerId: fallback });
  });

  it('given the owner user is deactivated after planning, then HubSpot refuses the owner and the task is made unassigned', async () => {
    const { id, ownerId } = ownedContact();
    world.addLead(id, ownerId);
    scoreSeries(world.store, 'hubspot', id, [60, 85], { start: START });
    const settings = settingsFrom({});
    const clock = fakeClock(NOW);
    await planHandoffs(world.store, world.hooks, settings, clock);
    world.sb.state.handoff.deactivateUser(ownerId);
    const stats = await sendHandoffs(world.store, world.hooks, settings, clock);
    expect(stats).toMatchObject({ tasks: 1, retried: 1, dead: 0 });
    expect(tasksOf(id)).toHaveLength(1);
    expect(tasksOf(id)[0]?.properties.hubspot_owner_id).toBeUndefined();
    const details = world.store.handoff.listAttempts({ limit: 5 }).map((attempt) => attempt.detail ?? '');
    expect(
      details.some(
        (detail) =>
          detail.includes(`hubspot refused owner ${ownerId}`) && detail.includes('INVALID_OWNER_ID'),
      ),
    ).toBe(true);
  });

  it("given the contact is deleted before the task call, then a dead letter with HubSpot's reason; restored and retried, it is made", async () => {
    const { id, ownerId } = ownedContact();
    world.addLead(id, ownerId);
    scoreSeries(world.store, 'hubspot', id, [60, 85], { start: START });
    const settings = settingsFrom({});
    const clock = fakeClock(NOW);
    await planHandoffs(world.store, world.hooks, settings, clock);
    const row = world.sb.state.store.resolve(id);
    world.sb.state.store.archive(row);
    const stats = await sendHandoffs(world.store, world.hooks, settings, clock);
    expect(stats).toMatchObject({ dead: 1, tasks: 0 });
    const [dead] = world.store.handoff.listActions({ status: 'dead', limit: 5 });
    expect(dead?.lastError).toContain('POST /crm/v3/objects/tasks');
    expect(dead?.lastError).toContain(`No contact with id ${id}`);

    world.sb.state.store.restore(row);
    expect(world.store.handoff.requeueDead('all', clock.now())).toBe(1);
    const retried = await sendHandoffs(world.store, world.hooks, settings, clock);
    expect(retried).toMatchObject({ tasks: 1 });
    expect(tasksOf(id)).toHaveLength(1);
  });
});

describe('HubSpot: lifecycle stage', () => {
  it('given lifecycle is enabled and the contact is a lead, then it becomes salesqualifiedlead', async () => {
    const contacts = world.sb.state.store;
    const contact = world.contacts.find((candidate) => {
      const stage = contacts.get(contacts.resolve(candidate.id), 'lifecyclestage');
      return (
        candidate.ownerId !== null &&
        (stage === 'lead' || stage === 'subscriber' || stage === 'marketingqualifiedlead')
      );
    });
    if (!contact?.ownerId) throw new Error('no early-stage contact');
    const row = contacts.resolve(contact.id);
    world.addLead(contact.id, contact.ownerId, {
      lifecycleStage: contacts.get(row, 'lifecyclestage') ?? undefined,
    });
    scoreSeries(world.store, 'hubspot', contact.id, [60, 85], { start: START });
    const stats = await runHandoff(
      world.store,
      world.hooks,
      settingsFrom({ lifecycle: { enabled: true } }),
      fakeClock(NOW),
    );
    expect(stats.send.done).toBe(2);
    expect(contacts.get(row, 'lifecyclestage')).toBe('salesqualifiedlead');
  });
});

describe('HubSpot: rate limits and outages', () => {
  it('given a 429 on the task call, then the action waits without spending an attempt, and a 503 counts one', async () => {
    // The client dates its rate-limit waits by the real clock: run this one on it.
    const now = Date.now();
    const { id, ownerId } = ownedContact();
    world.addLead(id, ownerId);
    scoreSeries(world.store, 'hubspot', id, [60, 85], { start: now - 30 * 60_000 });
    const settings = settingsFrom({});
    const clock = fakeClock(now);
    await planHandoffs(world.store, world.hooks, settings, clock);
    world.sb.state.faults.push({ kind: 'rate-limit', remaining: 1, pathPrefix: '/crm/v3/objects/tasks' });
    const limited = await sendHandoffs(world.store, world.hooks, settings, clock);
    expect(limited).toMatchObject({ rateLimitWaits: 1, tasks: 0 });
    const [waiting] = world.store.handoff.listActions({ kind: 'task', limit: 1 });
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0 });
    expect(waiting?.lastError).toContain(
      'HubSpot rate limit (TEN_SECONDLY_ROLLING) on POST /crm/v3/objects/tasks',
    );

    // 503s past the client's own retries: one failed attempt, then it lands on a later try.
    world.sb.state.faults.push({
      kind: 'status',
      status: 503,
      remaining: 5,
      pathPrefix: '/crm/v3/objects/tasks',
    });
    const after = await sendHandoffs(world.store, world.hooks, settings, { ...clock, maxWaitMs: 3_600_000 });
    expect(after).toMatchObject({ tasks: 1, dead: 0 });
    expect(after.retried).toBeGreaterThanOrEqual(1);
    expect(tasksOf(id)).toHaveLength(1);
  });
});
