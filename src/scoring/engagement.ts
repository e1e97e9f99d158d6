import type { EventType } from '../crm/vocabulary.js';
import { compileValueTest, isPresent, type ValueTest } from './conditions.js';
import { compileDecay, DAY_MS, type DecayFunction } from './decay.js';
import type { Decay, EngagementRule, NegativeRule } from './rules-schema.js';
import type { ScoringEvent } from './types.js';
import { compileWindow, type WindowOf } from './windows.js';

type NegativeEventRule = Extract<NegativeRule, { kind: 'event' }>;
type InactivityRule = Extract<NegativeRule, { kind: 'inactivity' }>;

/** Event types that show a lead acting: not what we send them, nor bounces and opt-outs. */
export const DEFAULT_INACTIVITY_EVENT_TYPES: readonly EventType[] = [
  'email_open',
  'email_click',
  'email_reply',
  'form_submission',
  'page_view',
  'content_download',
  'meeting_booked',
  'meeting_held',
  'call',
  'demo_request',
];

/** Most event ids a contribution keeps, to bound what is stored per score. */
export const MAX_EVENT_IDS = 20;

const ONCE_NONE = 0;
const ONCE_NEWEST = 1;
const ONCE_BY = 2;

export interface CompiledEventRule {
  /** Position in CompiledEngagement.rules, and in the tallies. */
  index: number;
  id: string;
  label: string;
  section: 'engagement' | 'negative';
  points: number;
  cap: number | undefined;
  /** Events older than this (ms) are ignored; Infinity without expiry. */
  expireMs: number;
  decay: DecayFunction;
  /** Attribute names and tests of `where`, or null without filters (so most rules test nothing per event). */
  whereAttrs: string[] | null;
  whereTests: ValueTest[];
  once: typeof ONCE_NONE | typeof ONCE_NEWEST | typeof ONCE_BY;
  onceBy: string;
  /** 0 without a frequency limit. */
  limitCount: number;
  windowOf: WindowOf | null;
}

export interface CompiledInactivityRule {
  id: string;
  label: string;
  points: number;
  windowMs: number;
  types: ReadonlySet<EventType>;
}

export interface CompiledEngagement {
  /** Engagement rules, then negative event rules, in file order. */
  rules: CompiledEventRule[];
  /** The rules each event type can match, so an event is only tested against rules that name its type. */
  byType: ReadonlyMap<string, readonly CompiledEventRule[]>;
  inactivity: CompiledInactivityRule[];
}

/** What a rule collected from one record's events. */
export interface RuleTally {
  /** Sum of points × decay over counted events, newest first. */
  sum: number;
  count: number;
  skipped: number;
  eventIds: string[];
  groups: Set<string | number | boolean> | null;
  windows: Map<number, number> | null;
}

export function compileEngagement(
  section: { decay: Decay; expireAfterDays?: number | undefined; rules: readonly EngagementRule[] },
  negativeRules: readonly NegativeRule[],
): CompiledEngagement {
  const sectionDecay = compileDecay(section.decay);
  const rules: CompiledEventRule[] = [];
  const byType = new Map<string, CompiledEventRule[]>();
  const add = (rule: EngagementRule | NegativeEventRule, kind: 'engagement' | 'negative') => {
    const expireAfterDays = rule.expireAfterDays ?? section.expireAfterDays;
    const limit = 'limit' in rule ? rule.limit : undefined;
    const once = rule.once;
    const compiled: CompiledEventRule = {
      index: rules.length,
      id: rule.id,
      label: rule.label,
      section: kind,
      points: rule.points,
      cap: rule.cap,
      expireMs: expireAfterDays === undefined ? Number.POSITIVE_INFINITY : expireAfterDays * DAY_MS,
      decay: rule.decay ? compileDecay(rule.decay) : sectionDecay,
      whereAttrs: rule.where && rule.where.length > 0 ? rule.where.map((filter) => filter.attr) : null,
      whereTests: (rule.where ?? []).map(compileValueTest),
      once: once === undefined || once === false ? ONCE_NONE : once === true ? ONCE_NEWEST : ONCE_BY,
      onceBy: typeof once === 'object' ? once.by : '',
      limitCount: limit?.count ?? 0,
      windowOf: limit ? compileWindow(limit.per) : null,
    };
    rules.push(compiled);
    for (const type of new Set(Array.isArray(rule.event) ? rule.event : [rule.event])) {
      const list = byType.get(type);
      if (list) list.push(compiled);
      else byType.set(type, [compiled]);
    }
  };
  for (const rule of section.rules) add(rule, 'engagement');
  const inactivity: CompiledInactivityRule[] = [];
  for (const rule of negativeRules) {
    if (rule.kind === 'event') add(rule, 'negative');
    else if (rule.kind === 'inactivity') inactivity.push(compileInactivity(rule));
  }
  return { rules, byType, inactivity };
}

function compileInactivity(rule: InactivityRule): CompiledInactivityRule {
  return {
    id: rule.id,
    label: rule.label,
    points: rule.points,
    windowMs: rule.days * DAY_MS,
    types: new Set(rule.eventTypes ?? DEFAULT_INACTIVITY_EVENT_TYPES),
  };
}

/** Total order: newest first, then by id, then by type, so results do not depend on the input order. */
export function compareNewestFirst(a: ScoringEvent, b: ScoringEvent): number {
  if (a.occurredAt !== b.occurredAt) return b.occurredAt - a.occurredAt;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  return 0;
}

/**
 * One record's events, read newest first: `events[at(k)]` is the k-th newest. The store returns events oldest
 * first, so that order is read backwards rather than copied; any other order is sorted into a copy.
 */
export interface NewestFirst {
  events: readonly ScoringEvent[];
  /** True when `events` is oldest first and is read from the end. */
  reversed: boolean;
}

export function newestFirst(events: readonly ScoringEvent[]): NewestFirst {
  let isNewestFirst = true;
  let isOldestFirst = true;
  for (let index = 1; index < events.length; index++) {
    const order = compareNewestFirst(events[index - 1]!, events[index]!);
    if (order > 0) isNewestFirst = false;
    else if (order < 0) isOldestFirst = false;
    if (!isNewestFirst && !isOldestFirst)
      return { events: [...events].sort(compareNewestFirst), reversed: false };
  }
  return { events, reversed: !isNewestFirst };
}

/**
 * Runs one record's events through the event rules. Events after `asOf` or past a rule's expiry
 * are not matches; `once` is applied before `limit`, so an event skipped as a repeat does not use up a window.
 * Returns a tally per rule index, undefined for rules no event matched.
 */
export function tallyEvents(
  engagement: CompiledEngagement,
  sorted: NewestFirst,
  asOf: number,
): (RuleTally | undefined)[] {
  const tallies: (RuleTally | undefined)[] = new Array(engagement.rules.length);
  const { events, reversed } = sorted;
  const last = events.length - 1;
  for (let k = 0; k <= last; k++) {
    const event = events[reversed ? last - k : k]!;
    const ageMs = asOf - event.occurredAt;
    if (!(ageMs >= 0)) continue;
    const candidates = engagement.byType.get(event.type);
    if (candidates === undefined) continue;
    for (let r = 0; r < candidates.length; r++) {
      const rule = candidates[r]!;
      if (ageMs > rule.expireMs) continue;
      if (rule.whereAttrs !== null && !matchesWhere(rule, event.attributes)) continue;
      let tally = tallies[rule.index];
      if (tally === undefined) {
        tally = { sum: 0, count: 0, skipped: 0, eventIds: [], groups: null, windows: null };
        tallies[rule.index] = tally;
      }
      if (!admit(rule, tally, event)) {
        tally.skipped++;
        continue;
      }
      tally.count++;
      tally.sum += rule.points * rule.decay(ageMs / DAY_MS);
      if (tally.eventIds.length < MAX_EVENT_IDS) tally.eventIds.push(event.id);
    }
  }
  return tallies;
}

function matchesWhere(rule: CompiledEventRule, attributes: ScoringEvent['attributes']): boolean {
  const attrs = rule.whereAttrs!;
  for (let index = 0; index < attrs.length; index++) {
    if (!rule.whereTests[index]!(attributes[attrs[index]!])) return false;
  }
  return true;
}

/** Whether `once` and `limit` let this (older than every event admitted so far) event count. */
function admit(rule: CompiledEventRule, tally: RuleTally, event: ScoringEvent): boolean {
  if (rule.once === ONCE_NEWEST) {
    if (tally.count > 0) return false;
  } else if (rule.once === ONCE_BY) {
    const value = event.attributes[rule.onceBy];
    // Events without the attribute are each their own group.
    if (isPresent(value)) {
      tally.groups ??= new Set();
      if (tally.groups.has(value)) return false;
      tally.groups.add(value);
    }
  }
  if (rule.limitCount > 0) {
    tally.windows ??= new Map();
    const window = rule.windowOf!(event.occurredAt);
    const used = tally.windows.get(window) ?? 0;
    if (used >= rule.limitCount) return false;
    tally.windows.set(window, used + 1);
  }
  return true;
}

/**
 * True when the record had no event of the rule's types in the `days` before `asOf`. A record created less than
 * `days` ago has had no chance to be inactive, so the rule does not fire; an unknown creation date does not
 * shield it.
 */
export function isInactive(
  rule: CompiledInactivityRule,
  sorted: NewestFirst,
  createdAt: number | undefined,
  asOf: number,
): boolean {
  if (createdAt !== undefined && asOf - createdAt < rule.windowMs) return false;
  const { events, reversed } = sorted;
  const last = events.length - 1;
  for (let k = 0; k <= last; k++) {
    const event = events[reversed ? last - k : k]!;
    const ageMs = asOf - event.occurredAt;
    if (ageMs < 0) continue;
    if (ageMs > rule.windowMs) return true;
    if (rule.types.has(event.type)) return false;
  }
  return true;
}
