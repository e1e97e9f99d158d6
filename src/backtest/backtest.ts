import type { LeadRecord } from '../crm/vocabulary.js';
import { type LabelOptions, labelRecord } from '../model/labels.js';
import { type CompiledRuleSet, compileRuleSet, scoreRecord } from '../scoring/engine.js';
import type { RuleSet } from '../scoring/rules-schema.js';
import type { ScoringEvent } from '../scoring/types.js';

/**
 * A backtest (pure): score the stored history with a candidate rule set and with the baseline (the active
 * rules), and compare what each would have done. Nothing is written anywhere.
 *
 * - bands and stages: every record scored as of `asOf`;
 * - crossings: the record is scored as of the end of each of the last `weeks` weeks (stage hysteresis carried
 *   from one week to the next, as the daily rescoring would), and a week counts a lead once when its stage
 *   rises to or past a stage it was below the week before (a jump straight to SQL crosses MQL too);
 * - conversion: on records whose outcome is known at `asOf` (src/model/labels.ts), converted / known per band.
 */

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
const NO_STAGE = '(none)';

export interface HistoryRow {
  record: LeadRecord;
  events: readonly ScoringEvent[];
}

export interface BacktestOptions {
  candidate: RuleSet;
  baseline: RuleSet;
  asOf: number;
  /** How many weeks back the crossings are counted (default 8). */
  weeks?: number;
  labels?: Omit<LabelOptions, 'cutoff'>;
}

export interface BandConversion {
  band: string;
  known: number;
  converted: number;
  /** converted / known; null when no outcome is known in the band. */
  rate: number | null;
}

export interface SideResult {
  /** Rule set name. */
  name: string;
  /** Records per band, A1..D3 (every band listed, zeros included). */
  bands: Record<string, number>;
  /** Records per stage as of asOf, lowest stage first, then "(none)". */
  stages: Record<string, number>;
  /** Per week (oldest first): leads whose stage rose to or past each stage during that week. */
  crossings: Array<{ weekStart: number; counts: Record<string, number> }>;
  conversion: BandConversion[];
  meanScore: number;
}

export interface BacktestResult {
  asOf: number;
  weeks: number;
  records: number;
  /** Records with a known outcome (converted or not). */
  labelled: { converted: number; notConverted: number };
  candidate: SideResult;
  baseline: SideResult;
  /** Records whose band differs between the two. */
  bandChanges: number;
  /** Things an admin should see before activating, e.g. every lead would be MQL. */
  warnings: string[];
}

export const BANDS = ['A1', 'A2', 'A3', 'B1', 'B2', 'B3', 'C1', 'C2', 'C3', 'D1', 'D2', 'D3'] as const;

class Side {
  readonly compiled: CompiledRuleSet;
  readonly stageNames: string[];
  readonly bands: Record<string, number> = Object.fromEntries(BANDS.map((band) => [band, 0]));
  readonly stages: Record<string, number>;
  readonly crossings: Array<Record<string, number>>;
  readonly conversion = new Map<string, { known: number; converted: number }>();
  scoreSum = 0;

  constructor(
    readonly rules: RuleSet,
    weeks: number,
  ) {
    this.compiled = compileRuleSet(rules);
    this.stageNames = rules.stages.map((stage) => stage.name);
    this.stages = Object.fromEntries([...this.stageNames, NO_STAGE].map((name) => [name, 0]));
    this.crossings = Array.from({ length: weeks }, () =>
      Object.fromEntries(this.stageNames.map((name) => [name, 0])),
    );
  }

  stageIndex(stage: string | null): number {
    return stage === null ? -1 : this.stageNames.indexOf(stage);
  }

  /** Scores one record at each week end and at asOf; returns its band at asOf. */
  add(row: HistoryRow, points: readonly number[], label: 'converted' | 'notConverted' | undefined): string {
    let previousStage: string | null = null;
    let previousIndex = -1;
    let last: ReturnType<typeof scoreRecord> | undefined;
    points.forEach((asOf, index) => {
      last = scoreRecord(this.compiled, row.record, row.events, { asOf, previousStage });
      const stageIndex = this.stageIndex(last.stage);
      // Point 0 is the start of the window: it sets where the lead stood, it is not a week of its own.
      const week = this.crossings[index - 1];
      if (week !== undefined) {
        for (let k = previousIndex + 1; k <= stageIndex; k++) {
          const name = this.stageNames[k]!;
          week[name] = (week[name] ?? 0) + 1;
        }
      }
      previousStage = last.stage;
      previousIndex = stageIndex;
    });
    const result = last!;
    this.bands[result.band] = (this.bands[result.band] ?? 0) + 1;
    const stage = result.stage ?? NO_STAGE;
    this.stages[stage] = (this.stages[stage] ?? 0) + 1;
    this.scoreSum += result.score;
    if (label !== undefined) {
      const entry = this.conversion.get(result.band) ?? { known: 0, converted: 0 };
      entry.known++;
      if (label === 'converted') entry.converted++;
      this.conversion.set(result.band, entry);
    }
    return result.band;
  }

  result(points: readonly number[], records: number): SideResult {
    return {
      name: this.rules.name,
      bands: this.bands,
      stages: this.stages,
      crossings: this.crossings.map((counts, index) => ({ weekStart: points[index]!, counts })),
      conversion: BANDS.map((band) => {
        const entry = this.conversion.get(band) ?? { known: 0, converted: 0 };
        return { band, ...entry, rate: entry.known === 0 ? null : entry.converted / entry.known };
      }),
      meanScore: records === 0 ? 0 : Math.round((this.scoreSum / records) * 10) / 10,
    };
  }
}

/** The instants each record is scored at: the window's start, each week's end, asOf last. */
export function weekPoints(asOf: number, weeks: number): number[] {
  return Array.from({ length: weeks + 1 }, (_, index) => asOf - (weeks - index) * WEEK_MS);
}

export function runBacktest(history: Iterable<HistoryRow>, options: BacktestOptions): BacktestResult {
  const weeks = options.weeks ?? 8;
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 104) {
    throw new RangeError(`weeks must be a whole number from 1 to 104, got ${weeks}`);
  }
  const points = weekPoints(options.asOf, weeks);
  const candidate = new Side(options.candidate, weeks);
  const baseline = new Side(options.baseline, weeks);
  const labelled = { converted: 0, notConverted: 0 };
  let records = 0;
  let bandChanges = 0;
  for (const row of history) {
    records++;
    const label = labelRecord(row.record, { ...options.labels, cutoff: options.asOf });
    const outcome =
      label.kind === 'positive' ? 'converted' : label.kind === 'negative' ? 'notConverted' : undefined;
    if (outcome !== undefined) labelled[outcome]++;
    const a = candidate.add(row, points, outcome);
    const b = baseline.add(row, points, outcome);
    if (a !== b) bandChanges++;
  }
  const candidateResult = candidate.result(points, records);
  return {
    asOf: options.asOf,
    weeks,
    records,
    labelled,
    candidate: candidateResult,
    baseline: baseline.result(points, records),
    bandChanges,
    warnings: backtestWarnings(candidateResult, options.candidate, records),
  };
}

/** How many records reach a stage or a higher one. */
export function reachingStage(side: SideResult, rules: RuleSet, stage: string): number {
  const names = rules.stages.map((entry) => entry.name);
  const from = names.indexOf(stage);
  if (from < 0) return 0;
  return names.slice(from).reduce((sum, name) => sum + (side.stages[name] ?? 0), 0);
}

/** A rule set that puts every lead in its first stage (usually MQL) would flood sales: say so. */
export function backtestWarnings(side: SideResult, rules: RuleSet, records: number): string[] {
  const first = rules.stages[0];
  if (first === undefined || records === 0) return [];
  const reaching = reachingStage(side, rules, first.name);
  if (reaching < records) return [];
  return [
    `every one of the ${records} leads would be ${first.name} or higher: raise ${first.name}'s minimum score (now ${first.minScore}) or lower the points`,
  ];
}
