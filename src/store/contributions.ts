import { LeadscoreError } from '../errors.js';
import type { RuleSet } from '../scoring/rules-schema.js';
import type { Contribution } from '../scoring/types.js';

/**
 * How a score's contributions are stored. Label, section, sub-score and base points repeat the rule they came
 * from, which the stored rule set (content-addressed by the score's ruleset hash) already holds: storing them
 * once per score made the contributions ~4x larger, and writing them was the largest cost of a full rescore.
 *
 * So each contribution is stored as an array `[ruleId, points, count, skipped, capped 0|1, decayFactor,
 * ...eventIds]` and the rest is filled in from the rule set when read. A contribution whose rule facts do not
 * match the rule set (or whose rule set is not stored) is stored whole, as an object, exactly as before; stored
 * text from before this format (all objects) reads back unchanged. Unpacking gives back the text
 * `JSON.stringify(contributions)` would have given, byte for byte.
 */

/** What every contribution of one rule repeats: the same for every score made with one rule set. */
export interface RuleFacts {
  label: string;
  section: Contribution['section'];
  subScore: Contribution['subScore'];
  basePoints: number;
  /** JSON.stringify(ruleId), made once. */
  quotedId: string;
}

export type RuleFactsById = ReadonlyMap<string, RuleFacts>;

type RuleLike = { id?: unknown; label?: unknown; points?: unknown; kind?: unknown };

/**
 * The facts per rule id of a stored rule set body (canonical JSON of a validated RuleSet), as the engine puts
 * them on contributions: fit rules and record-reading negative rules count towards fit; engagement rules,
 * negative event rules and inactivity rules towards engagement. Read leniently (a body from an older version
 * may not validate today); a rule id seen twice is left out, so its contributions are stored whole.
 */
export function ruleFactsOf(body: string): RuleFactsById {
  const rules = JSON.parse(body) as Partial<RuleSet>;
  const facts = new Map<string, RuleFacts>();
  const repeated = new Set<string>();
  const add = (rule: RuleLike, section: RuleFacts['section'], subScore: RuleFacts['subScore']) => {
    if (typeof rule.id !== 'string' || typeof rule.label !== 'string' || typeof rule.points !== 'number')
      return;
    if (facts.has(rule.id)) repeated.add(rule.id);
    facts.set(rule.id, {
      label: rule.label,
      section,
      subScore,
      basePoints: rule.points,
      quotedId: JSON.stringify(rule.id),
    });
  };
  for (const rule of (rules.fit?.rules ?? []) as RuleLike[]) add(rule, 'fit', 'fit');
  for (const rule of (rules.engagement?.rules ?? []) as RuleLike[]) add(rule, 'engagement', 'engagement');
  for (const rule of (rules.negative?.rules ?? []) as RuleLike[]) {
    const readsEvents = rule.kind === 'event' || rule.kind === 'inactivity';
    add(rule, 'negative', readsEvents ? 'engagement' : 'fit');
  }
  for (const id of repeated) facts.delete(id);
  return facts;
}

/** A number as JSON.stringify writes it (String() differs only for NaN and the infinities). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}

function packable(contribution: Contribution, facts: RuleFacts | undefined): facts is RuleFacts {
  return (
    facts !== undefined &&
    contribution.label === facts.label &&
    contribution.section === facts.section &&
    contribution.subScore === facts.subScore &&
    contribution.basePoints === facts.basePoints &&
    typeof contribution.points === 'number' &&
    typeof contribution.count === 'number' &&
    typeof contribution.skipped === 'number' &&
    typeof contribution.capped === 'boolean' &&
    typeof contribution.decayFactor === 'number' &&
    Array.isArray(contribution.eventIds)
  );
}

/** The stored text of a score's contributions; `facts` undefined (rule set not stored) stores them whole. */
export function packContributions(
  contributions: readonly Contribution[],
  facts: RuleFactsById | undefined,
): string {
  if (facts === undefined) return JSON.stringify(contributions);
  let text = '[';
  for (let index = 0; index < contributions.length; index++) {
    const contribution = contributions[index]!;
    if (index > 0) text += ',';
    const rule = facts.get(contribution.ruleId);
    if (!packable(contribution, rule)) {
      text += JSON.stringify(contribution);
      continue;
    }
    text += `[${rule.quotedId},${jsonNumber(contribution.points)},${jsonNumber(contribution.count)},${jsonNumber(contribution.skipped)},${contribution.capped ? 1 : 0},${jsonNumber(contribution.decayFactor)}`;
    const { eventIds } = contribution;
    for (let e = 0; e < eventIds.length; e++) text += `,${JSON.stringify(eventIds[e])}`;
    text += ']';
  }
  return `${text}]`;
}

type PackedContribution = [string, number, number, number, 0 | 1, number, ...string[]];

/**
 * The contributions JSON text as `JSON.stringify(contributions)` gave it. `facts` are those of the score's rule
 * set; undefined only when nothing was packed (the rule set was not stored when the score was saved).
 */
export function unpackContributions(text: string, facts: RuleFactsById | undefined): string {
  // Whole objects only (the earlier format, or nothing packable): the text is already the answer.
  if (!text.startsWith('[[') && !text.includes(',[')) return text;
  const stored = JSON.parse(text) as Array<PackedContribution | Contribution>;
  const contributions = stored.map((item): Contribution => {
    if (!Array.isArray(item)) return item;
    const [ruleId, points, count, skipped, capped, decayFactor] = item;
    const rule = facts?.get(ruleId);
    if (rule === undefined) {
      throw new LeadscoreError(
        'ERR_STORE_CORRUPT',
        `a stored score names rule "${ruleId}", which its stored rule set does not hold`,
      );
    }
    return {
      ruleId,
      label: rule.label,
      section: rule.section,
      subScore: rule.subScore,
      points,
      basePoints: rule.basePoints,
      count,
      skipped,
      capped: capped === 1,
      decayFactor,
      eventIds: item.slice(6) as string[],
    };
  });
  return JSON.stringify(contributions);
}
