import type { LeadRecord } from '../../src/crm/vocabulary.js';
import { compileRuleSet, scoreRecord } from '../../src/scoring/engine.js';
import { type RuleSet, type RuleSetInput, ruleSetSchema } from '../../src/scoring/rules-schema.js';
import type { ScoreResult, ScoringEvent } from '../../src/scoring/types.js';

export const DAY = 86_400_000;
/** Wednesday 2025-01-15 12:00 UTC. */
export const AS_OF = Date.UTC(2025, 0, 15, 12);

type Sections = Partial<Omit<RuleSetInput, 'fit' | 'engagement'>> & {
  fit?: Partial<RuleSetInput['fit']>;
  engagement?: Partial<RuleSetInput['engagement']>;
};

/** A valid rule set with no rules, unbounded sub-scores, and the given sections merged in. */
export function rules(sections: Sections = {}): RuleSet {
  return ruleSetSchema.parse({
    version: 1,
    name: 'test',
    bands: { fit: { A: 30, B: 20, C: 10 }, engagement: { '1': 40, '2': 15 } },
    ...sections,
    fit: { rules: [], ...sections.fit },
    engagement: { rules: [], ...sections.engagement },
  });
}

export function lead(fields: Partial<LeadRecord> = {}): LeadRecord {
  return { source: 'test', externalId: 'lead-1', properties: {}, ...fields };
}

let sequence = 0;

/** An event `daysAgo` days before AS_OF. */
export function event(
  type: ScoringEvent['type'],
  daysAgo: number,
  attributes: ScoringEvent['attributes'] = {},
  id?: string,
): ScoringEvent {
  sequence++;
  return {
    id: id ?? `e${String(sequence).padStart(5, '0')}`,
    type,
    occurredAt: AS_OF - daysAgo * DAY,
    attributes,
  };
}

export function score(
  ruleSet: RuleSet,
  record: LeadRecord,
  events: readonly ScoringEvent[] = [],
  ctx: { asOf?: number; previousStage?: string | null } = {},
): ScoreResult {
  return scoreRecord(compileRuleSet(ruleSet), record, events, {
    asOf: ctx.asOf ?? AS_OF,
    previousStage: ctx.previousStage ?? null,
  });
}

/** The contribution of one rule, or undefined. */
export function contributionOf(result: ScoreResult, ruleId: string) {
  return result.contributions.find((contribution) => contribution.ruleId === ruleId);
}

export const base = { label: 'Rule', points: 10 } as const;
