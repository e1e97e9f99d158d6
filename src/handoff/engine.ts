import type { Logger } from 'pino';
import { RateLimitedError } from '../crm/ports.js';
import type { HandoffAction, Store } from '../store/index.js';
import { backoffMs } from '../sync/writeback.js';
import { crossedStage, planCrossing } from './plan.js';
import type { CrmOwner, HandoffHooks, HookOutcome, TaskSpec } from './ports.js';
import type { HandoffSettings } from './settings.js';
import { deliver } from './webhook.js';

/**
 * The hand-off engine: ledger -> crossings -> actions (planned in one transaction with the ledger position) ->
 * send each action, record every attempt, retry with backoff or keep it as a dead letter. Each CRM supplies
 * only HandoffHooks. Exactly one task per crossing: the action's idempotency key is unique, and an action whose
 * earlier attempt may have reached the CRM (a crash mid-call, a lost answer) first looks for its marker there.
 */

export interface HandoffOptions {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
  /** Wait for retries due within this many ms before returning (default 0: the next run sends them). */
  maxWaitMs?: number;
  /** Ledger rows read per planning step (default 500). */
  batchSize?: number;
  /** Plan only these records (the demo); other rows are passed over for good. */
  recordIds?: ReadonlySet<number>;
}

export interface PlanStats {
  crossings: number;
  skipped: number;
  actions: number;
}

export interface HandoffDrainStats {
  done: number;
  retried: number;
  dead: number;
  skipped: number;
  rateLimitWaits: number;
  tasks: number;
  assigned: number;
  webhooks: number;
}

export interface HandoffStats {
  plan: PlanStats;
  send: HandoffDrainStats;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const cursorName = (target: string) => `ledger:${target}`;
const TURNS = 'round-robin';

/** Reads new stage changes from the ledger and queues the actions of each hand-off crossing. */
export async function planHandoffs(
  store: Store,
  hooks: HandoffHooks,
  settings: HandoffSettings,
  options: HandoffOptions = {},
): Promise<PlanStats> {
  const now = options.now ?? Date.now;
  const batch = options.batchSize ?? 500;
  const stats: PlanStats = { crossings: 0, skipped: 0, actions: 0 };
  let owners: Map<string, CrmOwner> | undefined;
  // Enabling the hand-off on a store with history: crossings already past maxAgeHours are passed over
  // silently, rather than each recorded as a skipped crossing.
  const firstRun = store.handoff.getState(cursorName(hooks.target)) === undefined;
  for (;;) {
    const after = Number(store.handoff.getState(cursorName(hooks.target)) ?? 0);
    const changes = store.handoff.stageChangesAfter(after, batch);
    const relevant = changes.filter(
      (change) =>
        change.record.source === hooks.target &&
        (options.recordIds === undefined || options.recordIds.has(change.recordId)) &&
        !(firstRun && now() - change.at > settings.maxAgeMs) &&
        crossedStage(settings, change.oldStage, change.newStage) !== undefined,
    );
    // The owner list is read only when there is something to route, and before the transaction (it is a call).
    if (relevant.length > 0 && owners === undefined)
      owners = new Map((await hooks.owners()).map((owner) => [owner.id, owner]));
    const done = store.transaction(() => {
      let turns = JSON.parse(store.handoff.getState(TURNS) ?? '{}') as Record<string, number>;
      for (const change of relevant) {
        const plan = planCrossing({ change, settings, owners: owners ?? new Map(), turns, now: now() });
        if (plan.kind === 'none') continue;
        const id = store.handoff.addCrossing(plan.crossing, plan.actions, now());
        if (id === undefined) continue;
        turns = plan.turns;
        if (plan.crossing.status === 'skipped') stats.skipped++;
        else stats.crossings++;
        stats.actions += plan.actions.length;
        options.logger?.info(
          {
            record: change.record.externalId,
            stage: plan.crossing.stage,
            ledgerId: change.ledgerId,
            actions: plan.actions.map((action) => action.kind),
            ...(plan.notes.length > 0 ? { notes: plan.notes } : {}),
          },
          plan.crossing.status === 'skipped' ? 'hand-off skipped' : 'hand-off planned',
        );
      }
      const last =
        changes.length < batch
          ? store.handoff.lastLedgerId()
          : (changes[changes.length - 1]?.ledgerId ?? after);
      store.handoff.setState(cursorName(hooks.target), String(Math.max(after, last)), now());
      store.handoff.setState(TURNS, JSON.stringify(turns), now());
      return changes.length < batch;
    });
    if (done) return stats;
  }
}

/** Sends due actions until none are due (waiting up to `maxWaitMs` for retries about to fall due). */
export async function sendHandoffs(
  store: Store,
  hooks: HandoffHooks,
  settings: HandoffSettings,
  options: HandoffOptions = {},
): Promise<HandoffDrainStats> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const maxWait = options.maxWaitMs ?? 0;
  const stats: HandoffDrainStats = {
    done: 0,
    retried: 0,
    dead: 0,
    skipped: 0,
    rateLimitWaits: 0,
    tasks: 0,
    assigned: 0,
    webhooks: 0,
  };
  const context = { store, hooks, settings, now, stats, logger: options.logger };
  for (;;) {
    const due = store.handoff
      .dueActions(now(), 100)
      .filter((action) => action.kind === 'webhook' || action.target === hooks.target);
    if (due.length === 0) {
      const next = store.handoff.nextDueAt();
      if (next === undefined || next - now() > maxWait) return stats;
      await sleep(Math.max(0, next - now()));
      continue;
    }
    for (const action of due) await runAction(action, context);
  }
}

/** Plans, then sends. */
export async function runHandoff(
  store: Store,
  hooks: HandoffHooks,
  settings: HandoffSettings,
  options: HandoffOptions = {},
): Promise<HandoffStats> {
  const plan = await planHandoffs(store, hooks, settings, options);
  const send = await sendHandoffs(store, hooks, settings, options);
  return { plan, send };
}

interface Context {
  store: Store;
  hooks: HandoffHooks;
  settings: HandoffSettings;
  now: () => number;
  stats: HandoffDrainStats;
  logger: Logger | undefined;
}

async function runAction(action: HandoffAction, context: Context): Promise<void> {
  // Re-read: an earlier action of the same batch may have changed this one (a task after its assign).
  const fresh = context.store.handoff.getAction(action.id);
  if (fresh === undefined || fresh.status !== 'pending' || fresh.nextAttemptAt > context.now()) return;
  try {
    switch (fresh.kind) {
      case 'assign':
        return await record(
          fresh,
          context,
          await context.hooks.assignOwner(fresh.externalId, String(fresh.payload.ownerId)),
        );
      case 'task':
        return await runTask(fresh, context);
      case 'lifecycle':
        return await record(
          fresh,
          context,
          await context.hooks.setLifecycle(
            fresh.externalId,
            String(fresh.payload.field),
            String(fresh.payload.value),
          ),
        );
      case 'webhook':
        return await runWebhook(fresh, context);
    }
  } catch (error) {
    if (error instanceof RateLimitedError) {
      context.stats.rateLimitWaits++;
      context.store.handoff.retryAction(
        fresh.id,
        { error: error.message, nextAttemptAt: error.retryAt, countAttempt: false },
        context.now(),
      );
      context.store.handoff.logAttempt({
        actionId: fresh.id,
        at: context.now(),
        outcome: 'retry',
        detail: error.message,
      });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    await record(fresh, context, { outcome: 'failed', retryable: true, message });
  }
}

async function runTask(action: HandoffAction, context: Context): Promise<void> {
  const { store, now } = context;
  const siblings = store.handoff.actionsOfCrossing(action.crossingId);
  const assign = siblings.find((sibling) => sibling.kind === 'assign');
  let payload = action.payload;
  if (assign?.status === 'pending') {
    // The task goes to the owner the assign writes: wait for it, without spending an attempt.
    store.handoff.retryAction(
      action.id,
      {
        error: 'waiting for the owner assignment',
        nextAttemptAt: Math.max(now(), assign.nextAttemptAt),
        countAttempt: false,
      },
      now(),
    );
    return;
  }
  if (assign?.status === 'dead' && payload.ownerId !== undefined) {
    const { ownerId, ...rest } = payload;
    payload = rest;
    store.handoff.updatePayload(action.id, payload, now());
    store.handoff.logAttempt({
      actionId: action.id,
      at: now(),
      outcome: 'skipped',
      detail: `the assignment of owner ${String(ownerId)} failed: the task is created without an owner`,
    });
  }
  const spec = taskSpec(action.externalId, payload);
  if (action.inflightAt !== null || action.attempts > 0) {
    // An earlier attempt may have made the task and lost the answer: look before making another.
    const existing = await context.hooks.findTask(spec);
    if (existing !== undefined) {
      return record(action, context, {
        outcome: 'done',
        result: existing,
        detail: 'found the task an interrupted attempt made',
      });
    }
  }
  store.handoff.markInflight(action.id, now());
  const outcome = await context.hooks.createTask(spec);
  if (outcome.outcome === 'failed' && outcome.invalidOwner && spec.ownerId !== undefined) {
    const { ownerId, ...rest } = payload;
    store.handoff.updatePayload(action.id, rest, now());
    store.handoff.retryAction(
      action.id,
      { error: outcome.message, nextAttemptAt: now(), countAttempt: true },
      now(),
    );
    store.handoff.logAttempt({
      actionId: action.id,
      at: now(),
      outcome: 'retry',
      ...(outcome.status !== undefined ? { httpStatus: outcome.status } : {}),
      detail: `${context.hooks.target} refused owner ${String(ownerId)} (${outcome.message}): retrying without an owner`,
    });
    context.logger?.warn(
      { record: action.externalId, owner: ownerId, error: outcome.message },
      'task owner refused',
    );
    context.stats.retried++;
    return;
  }
  return record(action, context, outcome);
}

function taskSpec(externalId: string, payload: Record<string, unknown>): TaskSpec {
  return {
    externalId,
    ...(typeof payload.ownerId === 'string' ? { ownerId: payload.ownerId } : {}),
    subject: String(payload.subject),
    body: String(payload.body),
    dueAt: Number(payload.dueAt),
    priority: payload.priority as TaskSpec['priority'],
    marker: String(payload.marker),
  };
}

async function runWebhook(action: HandoffAction, context: Context): Promise<void> {
  const hook = context.settings.webhooks.find((candidate) => candidate.name === action.target);
  if (hook === undefined) {
    return record(action, context, {
      outcome: 'failed',
      retryable: false,
      message: `webhook "${action.target}" is no longer configured`,
    });
  }
  context.store.handoff.markInflight(action.id, context.now());
  const result = await deliver(hook, action.idempotencyKey, action.payload, context.now);
  if (result.ok) {
    return record(
      action,
      context,
      { outcome: 'done', result: String(result.status), status: result.status } as HookOutcome,
      result.durationMs,
    );
  }
  return record(
    action,
    context,
    {
      outcome: 'failed',
      retryable: result.retryable,
      message: result.message,
      ...(result.status !== undefined ? { status: result.status } : {}),
    },
    result.durationMs,
    result.retryAfterMs,
  );
}

/** Records an outcome: done, a retry with backoff, or a dead letter once the budget is spent or retrying cannot help. */
async function record(
  action: HandoffAction,
  context: Context,
  outcome: HookOutcome & { status?: number },
  durationMs?: number,
  retryAfterMs?: number,
): Promise<void> {
  const { store, now, stats, logger, settings } = context;
  const at = now();
  const base = {
    actionId: action.id,
    at,
    ...(outcome.status !== undefined ? { httpStatus: outcome.status } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
  };
  if (outcome.outcome === 'done') {
    store.transaction(() => {
      store.handoff.finishAction(action.id, 'done', { result: outcome.result }, at);
      store.handoff.logAttempt({
        ...base,
        outcome: 'ok',
        detail: outcome.detail ?? describeDone(action, outcome.result),
      });
    });
    stats.done++;
    if (action.kind === 'task') stats.tasks++;
    if (action.kind === 'assign') stats.assigned++;
    if (action.kind === 'webhook') stats.webhooks++;
    logger?.debug(
      { record: action.externalId, kind: action.kind, target: action.target, result: outcome.result },
      'hand-off action done',
    );
    return;
  }
  const attempt = action.attempts + 1;
  if (!outcome.retryable || attempt >= settings.maxAttempts) {
    const reason = outcome.retryable
      ? `${outcome.message} (gave up after ${attempt} attempts)`
      : outcome.message;
    store.transaction(() => {
      store.handoff.finishAction(action.id, 'dead', { error: reason, countAttempt: true }, at);
      store.handoff.logAttempt({ ...base, outcome: 'dead', detail: reason });
    });
    stats.dead++;
    logger?.warn(
      {
        record: action.externalId,
        kind: action.kind,
        target: action.target,
        stage: action.stage,
        error: reason,
      },
      'hand-off action failed for good: kept as a dead letter (`leadscore handoff retry`)',
    );
    return;
  }
  const delay = Math.max(backoffMs(attempt), retryAfterMs ?? 0);
  store.transaction(() => {
    store.handoff.retryAction(
      action.id,
      { error: outcome.message, nextAttemptAt: at + delay, countAttempt: true },
      at,
    );
    store.handoff.logAttempt({
      ...base,
      outcome: 'retry',
      detail: `${outcome.message}; next attempt in ${Math.round(delay / 1000)} s`,
    });
  });
  stats.retried++;
  logger?.info(
    { record: action.externalId, kind: action.kind, target: action.target, attempt, error: outcome.message },
    'hand-off action failed; will retry',
  );
}

function describeDone(action: HandoffAction, result: string): string {
  switch (action.kind) {
    case 'assign':
      return `owner ${result}: ${String(action.payload.reason ?? '')}`;
    case 'task':
      return `task ${result}`;
    case 'lifecycle':
      return `${String(action.payload.field)} = ${String(action.payload.value)}`;
    default:
      return `HTTP ${result}`;
  }
}

/** The hand-off as a step of a sync run: its hooks, settings and how long to wait for retries. */
export interface HandoffStep {
  hooks: HandoffHooks;
  settings: HandoffSettings;
  maxWaitMs?: number;
}

export type HandoffStepStats = HandoffStats | { error: string };

/**
 * Runs the hand-off after write-back. A failure (the owner list unreadable, a lost connection) is logged and
 * returned, not thrown: the scores are synced, and no crossing is lost (the ledger position moves only with the
 * crossings it saved, and queued actions stay queued).
 */
export async function runHandoffStep(
  store: Store,
  step: HandoffStep,
  options: HandoffOptions = {},
): Promise<HandoffStepStats> {
  try {
    const stats = await runHandoff(store, step.hooks, step.settings, {
      ...options,
      ...(step.maxWaitMs !== undefined ? { maxWaitMs: step.maxWaitMs } : {}),
    });
    options.logger?.info({ ...stats.plan, ...stats.send }, 'hand-off finished');
    return stats;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    options.logger?.warn({ error: message }, 'hand-off failed; its crossings wait for the next run');
    return { error: message };
  }
}
