import type { AttributeValue, EventType, LeadRecord } from '../crm/vocabulary.js';

/** An event as the engine sees it. `id` is the event's source id, quoted in reasons. */
export interface ScoringEvent {
  id: string;
  type: EventType;
  /** Epoch milliseconds. */
  occurredAt: number;
  /** May be a getter that parses stored JSON on first read (the store's LazyEvent): read it, do not spread it. */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

export type SubScore = 'fit' | 'engagement';
export type FitGrade = 'A' | 'B' | 'C' | 'D';
export type EngagementGrade = 1 | 2 | 3;

/** One rule's part in a score: what a rep reads in "why". */
export interface Contribution {
  ruleId: string;
  label: string;
  /** The rules-file section the rule came from. */
  section: 'fit' | 'engagement' | 'negative';
  /** Which sub-score it counts towards. */
  subScore: SubScore;
  /** Points after decay, frequency limits and cap, rounded to 2 decimals. */
  points: number;
  /** The rule's points for one occurrence before decay. */
  basePoints: number;
  /** Events counted (0 for property rules). */
  count: number;
  /** Matching events not counted because of `limit` or `once`. */
  skipped: number;
  /** True when the rule's cap cut its points. */
  capped: boolean;
  /**
   * Weight left after decay: points before the cap / (basePoints * count), 1 for undecayed; rounded to 4
   * decimals. For fit rules, the fit decay factor.
   */
  decayFactor: number;
  /** Source ids of the counted events, newest first; at most 20 (MAX_EVENT_IDS) to bound storage. */
  eventIds: string[];
}

export interface ScoreResult {
  /** Total, clamped, rounded to an integer. */
  score: number;
  fit: number;
  engagement: number;
  fitGrade: FitGrade;
  engagementGrade: EngagementGrade;
  /** e.g. "A1": fit letter and engagement digit. */
  band: string;
  /** The highest stage held (with hysteresis), or null. */
  stage: string | null;
  /** Every rule that contributed non-zero points, in a deterministic order (largest |points| first, then rule id). */
  contributions: Contribution[];
  /** The top reasons rendered for a CRM text field, at most `reasons.maxLength` characters. */
  reasonsText: string;
}

export interface ScoreContext {
  /** The instant the score is computed as of (epoch ms); events after it are ignored. */
  asOf: number;
  /** The stage the record held before this scoring, for hysteresis. */
  previousStage: string | null;
}

export type { LeadRecord };
