import type { LedgerCrossing, NewAction, NewCrossing } from '../store/index.js';
import {
  type CrossingFacts,
  slackText,
  taskBody,
  taskMarker,
  taskSubject,
  topReasons,
  webhookEvent,
} from './format.js';
import type { CrmOwner } from './ports.js';
import { describeOwner, routeLead } from './routing.js';
import type { HandoffSettings } from './settings.js';

/**
 * Pure planning: one ledger row whose stage went up -> the crossing to record and the actions it needs.
 * Idempotency keys name the record, the stage and the ledger row, so a row planned twice adds nothing, and a
 * lead held in its stage by hysteresis makes no ledger row, hence no second task.
 */

export interface PlanInput {
  change: LedgerCrossing;
  settings: HandoffSettings;
  /** The CRM's owners by id, active or not. */
  owners: ReadonlyMap<string, CrmOwner>;
  /** Round-robin positions by team. */
  turns: Readonly<Record<string, number>>;
  now: number;
}

export type Plan =
  /** Not a hand-off: a move down or sideways, a stage not handed off, or a first score under `firstScores: skip`. */
  | { kind: 'none'; why: string }
  | {
      kind: 'crossing';
      crossing: NewCrossing;
      actions: NewAction[];
      turns: Record<string, number>;
      notes: string[];
    };

/** The highest hand-off stage crossed going up from `from` to `to`, if any. */
export function crossedStage(settings: HandoffSettings, from: string | null, to: string): string | undefined {
  const order = settings.stageOrder;
  const fromIndex = from === null ? -1 : order.indexOf(from);
  const toIndex = order.indexOf(to);
  if (toIndex <= fromIndex) return undefined;
  for (let index = toIndex; index > fromIndex; index--) {
    const name = order[index] as string;
    if (settings.stages.includes(name)) return name;
  }
  return undefined;
}

export function crossingKey(source: string, externalId: string, stage: string, ledgerId: number): string {
  return `${source}:${externalId}:${stage}:${ledgerId}`;
}

export function planCrossing(input: PlanInput): Plan {
  const { change, settings, owners, now } = input;
  const stage = crossedStage(settings, change.oldStage, change.newStage);
  if (stage === undefined) return { kind: 'none', why: 'not an upward crossing of a hand-off stage' };
  if (change.cause === 'initial' && settings.firstScores === 'skip')
    return { kind: 'none', why: 'first score' };

  const record = change.record;
  const key = crossingKey(record.source, record.externalId, stage, change.ledgerId);
  const crossing: NewCrossing = {
    ledgerId: change.ledgerId,
    recordId: change.recordId,
    source: record.source,
    stage,
    fromStage: change.oldStage,
    score: change.newScore,
    band: change.newBand,
    crossedAt: change.at,
    status: 'planned',
    note: null,
  };
  const skip = (note: string): Plan => ({
    kind: 'crossing',
    crossing: { ...crossing, status: 'skipped', note },
    actions: [],
    turns: { ...input.turns },
    notes: [note],
  });
  if (now - change.at > settings.maxAgeMs)
    return skip(`crossed ${Math.round((now - change.at) / 3_600_000)} h ago, past handoff.maxAgeHours`);
  const currentStage = change.current?.stage ?? null;
  if (currentStage === null || settings.stageOrder.indexOf(currentStage) < settings.stageOrder.indexOf(stage))
    return skip(`left ${stage} (now ${currentStage ?? 'no stage'}) before the hand-off ran`);

  const notes: string[] = [];
  const turns: Record<string, number> = { ...input.turns };
  const actions: NewAction[] = [];
  let ownerId: string | null = record.ownerId ?? null;
  let route = ownerId === null;
  if (ownerId !== null && owners.get(ownerId)?.active !== true) {
    const state = describeOwner(owners, ownerId);
    if (settings.routing.reassignInactiveOwners) {
      notes.push(`owner ${ownerId} is ${state}: routing the lead`);
      route = true;
    } else {
      notes.push(`owner ${ownerId} is ${state}: the task goes unassigned`);
      ownerId = null;
    }
  }
  if (route) {
    const previous = ownerId;
    const decision = routeLead(record, settings.routing, owners, turns);
    ownerId = decision.ownerId;
    if (decision.ownerId !== null) {
      if (decision.turn) turns[decision.turn.team] = decision.turn.next;
      actions.push({
        kind: 'assign',
        target: record.source,
        idempotencyKey: `assign:${key}`,
        payload: {
          externalId: record.externalId,
          ownerId: decision.ownerId,
          previousOwnerId: previous,
          reason: decision.reason,
        },
      });
    } else notes.push(decision.reason);
  }

  const facts: CrossingFacts = {
    key,
    record,
    stage,
    fromStage: change.oldStage,
    score: change.current?.score ?? change.newScore,
    band: change.current?.band ?? change.newBand,
    reasons: topReasons(change.current?.reasonsText ?? '', settings.task.reasons),
    crossedAt: change.at,
  };
  if (settings.task.enabled) {
    actions.push({
      kind: 'task',
      target: record.source,
      idempotencyKey: `task:${key}`,
      payload: {
        externalId: record.externalId,
        ...(ownerId !== null ? { ownerId } : {}),
        subject: taskSubject(facts),
        body: taskBody(facts),
        dueAt: now + settings.task.dueInMs,
        priority: settings.task.priority,
        marker: taskMarker(key),
      },
    });
  }
  const lifecycle = lifecycleAction(
    settings,
    stage,
    record.source,
    record.externalId,
    currentLifecycle(change, settings),
    key,
  );
  if (lifecycle.action) actions.push(lifecycle.action);
  else if (lifecycle.note) notes.push(lifecycle.note);
  for (const hook of settings.webhooks) {
    if (!hook.stages.includes(stage)) continue;
    actions.push({
      kind: 'webhook',
      target: hook.name,
      idempotencyKey: `webhook:${hook.name}:${key}`,
      payload: hook.format === 'slack' ? { text: slackText(facts) } : webhookEvent(facts, ownerId),
    });
  }
  return {
    kind: 'crossing',
    crossing: { ...crossing, note: notes.length > 0 ? notes.join('; ') : null },
    actions,
    turns,
    notes,
  };
}

function currentLifecycle(change: LedgerCrossing, settings: HandoffSettings): string | undefined {
  const value = change.record.properties[settings.lifecycle.field];
  if (typeof value === 'string' && value !== '') return value;
  return change.record.lifecycleStage;
}

/** The lifecycle write, never moving the record back (or away from a value outside the known order). */
export function lifecycleAction(
  settings: HandoffSettings,
  stage: string,
  source: string,
  externalId: string,
  current: string | undefined,
  key: string,
): { action?: NewAction; note?: string } {
  const lifecycle = settings.lifecycle;
  if (!lifecycle.enabled) return {};
  const value = lifecycle.values[stage];
  if (value === undefined) return { note: `no lifecycle value for ${stage}` };
  const order = lifecycle.order;
  if (current !== undefined && current !== '') {
    const from = order.indexOf(current);
    if (from < 0)
      return { note: `${lifecycle.field} is "${current}", outside handoff.lifecycle.order: left alone` };
    if (from >= order.indexOf(value))
      return { note: `${lifecycle.field} is already "${current}", not moved back to "${value}"` };
  }
  return {
    action: {
      kind: 'lifecycle',
      target: source,
      idempotencyKey: `lifecycle:${key}`,
      payload: { externalId, field: lifecycle.field, value, previous: current ?? null },
    },
  };
}
