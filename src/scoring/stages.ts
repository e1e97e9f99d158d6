import type { RuleSet } from './rules-schema.js';
import type { EngagementGrade, FitGrade } from './types.js';

export type Bands = RuleSet['bands'];
export type Stage = RuleSet['stages'][number];

export function fitGrade(fit: number, bands: Bands): FitGrade {
  if (fit >= bands.fit.A) return 'A';
  if (fit >= bands.fit.B) return 'B';
  if (fit >= bands.fit.C) return 'C';
  return 'D';
}

export function engagementGrade(engagement: number, bands: Bands): EngagementGrade {
  if (engagement >= bands.engagement['1']) return 1;
  if (engagement >= bands.engagement['2']) return 2;
  return 3;
}

/** HubSpot's A1-D3 grid: fit letter, engagement digit. */
export function band(fit: FitGrade, engagement: EngagementGrade): string {
  return `${fit}${engagement}`;
}

/**
 * The highest stage held. Stage k is held when the score reaches its minScore, or, for a stage at or below the
 * one held before, when the score is within its hysteresis below minScore: a lead hovering at the threshold
 * does not flip-flop (and trigger CRM writes) on every rescore. Idempotent: feeding the result back as
 * `previousStage` with the same score returns it again. An unknown `previousStage` counts as none.
 */
export function resolveStage(
  stages: readonly Stage[],
  score: number,
  previousStage: string | null,
): string | null {
  let previousIndex = -1;
  if (previousStage !== null) previousIndex = stages.findIndex((stage) => stage.name === previousStage);
  for (let index = stages.length - 1; index >= 0; index--) {
    const stage = stages[index]!;
    if (score >= stage.minScore) return stage.name;
    if (index <= previousIndex && score >= stage.minScore - stage.hysteresis) return stage.name;
  }
  return null;
}
