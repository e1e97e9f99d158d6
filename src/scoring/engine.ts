import { fitDecayFactor } from './decay.js';
import {
  type CompiledEngagement,
  type CompiledEventRule,
  compileEngagement,
  isInactive,
  newestFirst,
  type RuleTally,
  tallyEvents,
} from './engagement.js';
import { type CompiledRecordRule, compileFitRule, compileNegativeRecordRule } from './fit.js';
import { ruleSetHash } from './hash.js';
import { renderReasons } from './reasons.js';
import type { RuleSet } from './rules-schema.js';
import { band, engagementGrade, fitGrade, resolveStage } from './stages.js';

export { referencedFields } from './references.js';

import type { Contribution, LeadRecord, ScoreContext, ScoreResult, ScoringEvent } from './types.js';

/** A rule set prepared for scoring many records: regexes built, lists lower-cased, event rules indexed by type. */
export interface CompiledRuleSet {
  readonly rules: RuleSet;
  /** ruleSetHash(rules): which rules a score was computed with. */
  readonly hash: string;
  /** Fit rules, then negative record rules (field, freeMail, emailDomain), in file order. */
  readonly recordRules: readonly CompiledRecordRule[];
  readonly engagement: CompiledEngagement;
}

export function compileRuleSet(rules: RuleSet): CompiledRuleSet {
  const recordRules: CompiledRecordRule[] = rules.fit.rules.map(compileFitRule);
  for (const rule of rules.negative.rules) {
    const compiled = compileNegativeRecordRule(rule);
    if (compiled) recordRules.push(compiled);
  }
  return Object.freeze({
    rules,
    hash: ruleSetHash(rules),
    recordRules: Object.freeze(recordRules),
    engagement: compileEngagement(rules.engagement, rules.negative.rules),
  });
}

/**
 * Scores one record as of `ctx.asOf`. Pure: the same inputs (in any event order) give the same result.
 * Sub-scores are clamped and rounded before the total is formed from them, so the numbers a rep sees add up.
 */
export function scoreRecord(
  compiled: CompiledRuleSet,
  record: LeadRecord,
  events: readonly ScoringEvent[],
  ctx: ScoreContext,
): ScoreResult {
  const { rules } = compiled;
  const contributions: Contribution[] = [];
  let fitSum = 0;
  let engagementSum = 0;

  const fitDecay = fitDecayFactor(rules.fit.decay, record.updatedAt, ctx.asOf);
  for (const rule of compiled.recordRules) {
    if (!rule.matches(record)) continue;
    const factor = rule.decays ? fitDecay : 1;
    const points = round2(rule.points * factor);
    if (points === 0) continue;
    fitSum += points;
    contributions.push({
      ruleId: rule.id,
      label: rule.label,
      section: rule.section,
      subScore: 'fit',
      points,
      basePoints: rule.points,
      count: 0,
      skipped: 0,
      capped: false,
      decayFactor: round4(factor),
      eventIds: [],
    });
  }

  const sorted = newestFirst(events);
  const { engagement } = compiled;
  const tallies = tallyEvents(engagement, sorted, ctx.asOf);
  for (let index = 0; index < engagement.rules.length; index++) {
    const tally = tallies[index];
    if (tally === undefined) continue;
    const contribution = eventContribution(engagement.rules[index]!, tally);
    if (contribution === undefined) continue;
    engagementSum += contribution.points;
    contributions.push(contribution);
  }
  for (const rule of engagement.inactivity) {
    if (!isInactive(rule, sorted, record.createdAt, ctx.asOf)) continue;
    const points = round2(rule.points);
    if (points === 0) continue;
    engagementSum += points;
    contributions.push({
      ruleId: rule.id,
      label: rule.label,
      section: 'negative',
      subScore: 'engagement',
      points,
      basePoints: rule.points,
      count: 0,
      skipped: 0,
      capped: false,
      decayFactor: 1,
      eventIds: [],
    });
  }

  contributions.sort(byImpact);
  const fit = roundScore(clamp(fitSum, rules.fit.min, rules.fit.max));
  const engagementScore = roundScore(clamp(engagementSum, rules.engagement.min, rules.engagement.max));
  const score = roundScore(clamp(fit + engagementScore, rules.total.min, rules.total.max));
  const fitLetter = fitGrade(fit, rules.bands);
  const engagementDigit = engagementGrade(engagementScore, rules.bands);
  return {
    score,
    fit,
    engagement: engagementScore,
    fitGrade: fitLetter,
    engagementGrade: engagementDigit,
    band: band(fitLetter, engagementDigit),
    stage: resolveStage(rules.stages, score, ctx.previousStage),
    contributions,
    reasonsText: renderReasons(contributions, rules.reasons),
  };
}

function eventContribution(rule: CompiledEventRule, tally: RuleTally): Contribution | undefined {
  if (tally.count === 0) return undefined;
  let total = tally.sum;
  let capped = false;
  if (rule.cap !== undefined) {
    if (total > rule.cap) {
      total = rule.cap;
      capped = true;
    } else if (total < -rule.cap) {
      total = -rule.cap;
      capped = true;
    }
  }
  const points = round2(total);
  if (points === 0) return undefined;
  return {
    ruleId: rule.id,
    label: rule.label,
    section: rule.section,
    subScore: 'engagement',
    points,
    basePoints: rule.points,
    count: tally.count,
    skipped: tally.skipped,
    capped,
    decayFactor: round4(tally.sum / (rule.points * tally.count)),
    eventIds: tally.eventIds,
  };
}

/** Largest |points| first, then rule id (ids are unique), so the order never depends on the input. */
function byImpact(a: Contribution, b: Contribution): number {
  const difference = Math.abs(b.points) - Math.abs(a.points);
  if (difference !== 0) return difference;
  return a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0;
}

function clamp(value: number, min: number | undefined, max: number | undefined): number {
  if (min !== undefined && value < min) return min;
  if (max !== undefined && value > max) return max;
  return value;
}

/** Math.round, without -0 (which would print as "0" yet differ under Object.is). */
function roundScore(value: number): number {
  return Math.round(value) + 0;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100 + 0;
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000 + 0;
}
