import type { LeadRecord } from '../crm/vocabulary.js';
import { compileRuleSet, scoreRecord } from '../scoring/engine.js';
import type { RuleSet } from '../scoring/rules-schema.js';
import type { ScoringEvent } from '../scoring/types.js';

/**
 * Rule suggestions from observed outcomes (pure). For each rule, the conversion rate of labelled leads whose
 * score (as of the label's moment) the rule contributed to, against those it did not; the log odds ratio of the
 * two, turned into points with one scale: the rules with a clear effect keep their total absolute points, shared
 * out in proportion to their log odds ratios.
 * Marginal, one rule at a time: two rules firing on the same leads share one effect, so these are proposals for
 * an admin to judge, never applied.
 */

export interface SuggestLead {
  record: LeadRecord;
  events: readonly ScoringEvent[];
  label: 0 | 1;
  /** The label's moment: the rules are evaluated as of it, on events strictly before it. */
  labelAt: number;
}

export type SuggestAction = 'raise' | 'lower' | 'keep' | 'flip-sign' | 'too-little-data';

export interface RuleSuggestion {
  ruleId: string;
  label: string;
  section: 'fit' | 'engagement' | 'negative';
  points: number;
  /** Labelled leads with the rule's signal, and how many of them converted. */
  withSignal: { leads: number; conversions: number; rate: number | null };
  withoutSignal: { leads: number; conversions: number; rate: number | null };
  /** rate with / rate without; null when either is unknown or the rate without is 0. */
  lift: number | null;
  /** ln of the odds ratio (with 0.5 added to each cell), and its z value. */
  logOddsRatio: number | null;
  z: number | null;
  proposedPoints: number | null;
  action: SuggestAction;
}

export interface SuggestReport {
  leads: number;
  conversions: number;
  /** Points per unit of log odds ratio: total |points| / total |log odds ratio| over the rules with a clear effect. */
  pointsPerLogOdds: number | null;
  rules: RuleSuggestion[];
}

export interface SuggestOptions {
  /** Fewer leads than this with (or without) the signal: no proposal (default 20). */
  minSupport?: number;
  /** |z| below this: the lift is not told apart from chance, so keep (default 2). */
  minZ?: number;
  /** A change smaller than this many points, or than this share of the current points, is "keep" (default 2 / 0.2). */
  minChangePoints?: number;
  minChangeShare?: number;
}

interface Tally {
  ruleId: string;
  label: string;
  section: RuleSuggestion['section'];
  points: number;
  withLeads: number;
  withConversions: number;
}

function rulesOf(rules: RuleSet): Tally[] {
  const make = (
    rule: { id: string; label: string; points: number },
    section: RuleSuggestion['section'],
  ): Tally => ({
    ruleId: rule.id,
    label: rule.label,
    section,
    points: rule.points,
    withLeads: 0,
    withConversions: 0,
  });
  return [
    ...rules.fit.rules.map((rule) => make(rule, 'fit')),
    ...rules.engagement.rules.map((rule) => make(rule, 'engagement')),
    ...rules.negative.rules.map((rule) => make(rule, 'negative')),
  ];
}

/** Accumulates leads one at a time (so a whole store never sits in memory), then `report()`. */
export class RuleLiftCounter {
  readonly #compiled: ReturnType<typeof compileRuleSet>;
  readonly #tallies: Tally[];
  readonly #byId: Map<string, Tally>;
  #leads = 0;
  #conversions = 0;

  constructor(rules: RuleSet) {
    this.#compiled = compileRuleSet(rules);
    this.#tallies = rulesOf(rules);
    this.#byId = new Map(this.#tallies.map((tally) => [tally.ruleId, tally]));
  }

  add(lead: SuggestLead): void {
    const before = lead.events.filter((event) => event.occurredAt < lead.labelAt);
    const result = scoreRecord(this.#compiled, lead.record, before, {
      asOf: lead.labelAt,
      previousStage: null,
    });
    this.#leads++;
    this.#conversions += lead.label;
    const fired = new Set(result.contributions.map((contribution) => contribution.ruleId));
    for (const ruleId of fired) {
      const tally = this.#byId.get(ruleId);
      if (tally === undefined) continue;
      tally.withLeads++;
      tally.withConversions += lead.label;
    }
  }

  report(options: SuggestOptions = {}): SuggestReport {
    const minSupport = options.minSupport ?? 20;
    const minZ = options.minZ ?? 2;
    const rows = this.#tallies.map((tally) => {
      const withoutLeads = this.#leads - tally.withLeads;
      const withoutConversions = this.#conversions - tally.withConversions;
      const rate = (conversions: number, leads: number) => (leads === 0 ? null : conversions / leads);
      const rateWith = rate(tally.withConversions, tally.withLeads);
      const rateWithout = rate(withoutConversions, withoutLeads);
      const supported = tally.withLeads >= minSupport && withoutLeads >= minSupport;
      // Haldane-Anscombe: 0.5 in each cell keeps the odds ratio finite when a cell is empty.
      const a = tally.withConversions + 0.5;
      const b = tally.withLeads - tally.withConversions + 0.5;
      const c = withoutConversions + 0.5;
      const d = withoutLeads - withoutConversions + 0.5;
      const logOddsRatio = Math.log((a * d) / (b * c));
      const z = logOddsRatio / Math.sqrt(1 / a + 1 / b + 1 / c + 1 / d);
      return {
        tally,
        supported,
        rateWith,
        rateWithout,
        withoutLeads,
        withoutConversions,
        logOddsRatio: supported ? logOddsRatio : null,
        z: supported ? z : null,
      };
    });
    // One scale for every rule: the rules with evidence keep their total absolute points, shared out by the size
    // of their log odds ratios. (A least-squares fit through the origin was tried: one high-point rule with the
    // opposite effect turns it negative, and then nothing can be proposed.)
    let points = 0;
    let effects = 0;
    for (const row of rows) {
      if (row.logOddsRatio === null || row.z === null || Math.abs(row.z) < minZ) continue;
      points += Math.abs(row.tally.points);
      effects += Math.abs(row.logOddsRatio);
    }
    const scale = effects > 0 && points > 0 ? points / effects : null;
    const minChange = options.minChangePoints ?? 2;
    const minShare = options.minChangeShare ?? 0.2;
    const rules = rows.map((row): RuleSuggestion => {
      const { tally } = row;
      let proposed: number | null = null;
      let action: SuggestAction = 'too-little-data';
      if (row.logOddsRatio !== null && row.z !== null && scale !== null) {
        if (Math.abs(row.z) < minZ) {
          // No lift told apart from chance: the rule earns no points on this evidence.
          proposed = 0;
        } else {
          proposed = Math.round(scale * row.logOddsRatio);
        }
        const change = proposed - tally.points;
        if (Math.abs(change) < Math.max(minChange, minShare * Math.abs(tally.points))) action = 'keep';
        else if (proposed !== 0 && Math.sign(proposed) !== Math.sign(tally.points) && tally.points !== 0)
          action = 'flip-sign';
        else action = Math.abs(proposed) > Math.abs(tally.points) ? 'raise' : 'lower';
        if (action === 'keep') proposed = tally.points;
      }
      const round = (value: number | null) => (value === null ? null : Math.round(value * 10_000) / 10_000);
      return {
        ruleId: tally.ruleId,
        label: tally.label,
        section: tally.section,
        points: tally.points,
        withSignal: { leads: tally.withLeads, conversions: tally.withConversions, rate: round(row.rateWith) },
        withoutSignal: {
          leads: row.withoutLeads,
          conversions: row.withoutConversions,
          rate: round(row.rateWithout),
        },
        lift:
          row.rateWith === null || row.rateWithout === null || row.rateWithout === 0
            ? null
            : round(row.rateWith / row.rateWithout),
        logOddsRatio: round(row.logOddsRatio),
        z: round(row.z),
        proposedPoints: proposed,
        action,
      };
    });
    return {
      leads: this.#leads,
      conversions: this.#conversions,
      pointsPerLogOdds: scale === null ? null : Math.round(scale * 100) / 100,
      rules,
    };
  }
}

export function suggestRuleChanges(
  rules: RuleSet,
  leads: Iterable<SuggestLead>,
  options: SuggestOptions = {},
): SuggestReport {
  const counter = new RuleLiftCounter(rules);
  for (const lead of leads) counter.add(lead);
  return counter.report(options);
}
