import type { EngagementEvent, EventType, LeadRecord } from '../crm/vocabulary.js';
import { EVENT_TYPES } from '../crm/vocabulary.js';
import type { RawRow } from './features.js';
import { explainPrediction, type LeadModel, predictProbabilities } from './model.js';

/** What the features read of an event: its type and time (a stored ScoringEvent or a pulled EngagementEvent). */
export type FeatureEvent = Pick<EngagementEvent, 'type' | 'occurredAt'>;

/**
 * The CRM-facing side of the model as pure functions over arrays (no store, no connector): features of a lead
 * as of a moment, a training set from labelled leads, and the likelihood fields to write back.
 */
export interface LabelledLead {
  record: LeadRecord;
  events: readonly FeatureEvent[];
  /** 1 (or true) when the lead converted. */
  label: number | boolean;
  /** Epoch ms when the outcome became known (converted, or closed as lost). */
  labelAt: number;
}

export interface CrmFeatureOptions {
  /** Event-count windows in days (default 7, 30, 90). */
  windowsDays?: readonly number[];
  /** Record properties (by their CRM names) to use as features; none by default, since many are set by sales. */
  properties?: readonly string[];
  /**
   * Features are taken this many days before `labelAt` (default 0): events at or after the cutoff never count,
   * so activity caused by the outcome (the signed contract, the sales call after conversion) cannot leak in.
   */
  leadTimeDays?: number;
}

const DAY = 86_400_000;

/**
 * Record fields used as features. Left out on purpose: ownerId and lifecycleStage (sales' later judgement,
 * like the Tags column of the X Education data), updatedAt, names and ids.
 */
export const RECORD_FEATURES = [
  'industry',
  'title',
  'companySize',
  'country',
  'emailDomain',
  'leadAgeDays',
] as const;

export function crmFeatureColumns(options: CrmFeatureOptions = {}): string[] {
  const windows = options.windowsDays ?? [7, 30, 90];
  return [
    ...RECORD_FEATURES,
    ...(options.properties ?? []).map((name) => `property:${name}`),
    ...EVENT_TYPES.flatMap((type) => windows.map((days) => `${type} in ${days}d`)),
    'days since last event',
  ];
}

/** One lead's features as of `asOf` (epoch ms): only events strictly before `asOf` count. */
export function leadFeatures(
  record: LeadRecord,
  events: readonly FeatureEvent[],
  asOf: number,
  options: CrmFeatureOptions = {},
): RawRow {
  const windows = options.windowsDays ?? [7, 30, 90];
  const row: Record<string, string | number | null> = {
    industry: record.industry ?? null,
    title: record.title ?? null,
    companySize: record.companySize ?? null,
    country: record.country ?? null,
    emailDomain: record.email?.split('@')[1]?.toLowerCase() ?? null,
    leadAgeDays:
      record.createdAt === undefined ? null : Math.max(0, Math.floor((asOf - record.createdAt) / DAY)),
  };
  for (const name of options.properties ?? []) {
    const value = record.properties[name];
    row[`property:${name}`] =
      value === undefined || value === null ? null : typeof value === 'boolean' ? String(value) : value;
  }
  const counts = new Map<string, number>();
  let last = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    if (event.occurredAt >= asOf) continue;
    last = Math.max(last, event.occurredAt);
    for (const days of windows) {
      if (event.occurredAt >= asOf - days * DAY) {
        const key = `${event.type} in ${days}d`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  for (const type of EVENT_TYPES as readonly EventType[]) {
    for (const days of windows) row[`${type} in ${days}d`] = counts.get(`${type} in ${days}d`) ?? 0;
  }
  row['days since last event'] = Number.isFinite(last) ? Math.floor((asOf - last) / DAY) : null;
  return row;
}

/** Rows, labels and times (the feature cutoff, for time-ordered validation) from labelled leads. */
export function buildTrainingSet(
  leads: readonly LabelledLead[],
  options: CrmFeatureOptions = {},
): { rows: RawRow[]; labels: number[]; time: number[]; columns: string[] } {
  const lead = (options.leadTimeDays ?? 0) * DAY;
  const rows: RawRow[] = [];
  const labels: number[] = [];
  const time: number[] = [];
  for (const entry of leads) {
    const asOf = entry.labelAt - lead;
    rows.push(leadFeatures(entry.record, entry.events, asOf, options));
    labels.push(entry.label === true || entry.label === 1 ? 1 : 0);
    time.push(asOf);
  }
  return { rows, labels, time, columns: crmFeatureColumns(options) };
}

/** What to write back to a CRM record: the likelihood in percent and the top reasons in at most `maxLength` chars. */
export interface LikelihoodFields {
  externalId: string;
  /** Calibrated conversion probability, 0-100, one decimal. */
  likelihood: number;
  reasons: string;
}

export function likelihoodFields(
  model: LeadModel,
  leads: ReadonlyArray<{ record: LeadRecord; events: readonly FeatureEvent[] }>,
  asOf: number,
  options: CrmFeatureOptions & { maxLength?: number; top?: number } = {},
): LikelihoodFields[] {
  const rows = leads.map((lead) => leadFeatures(lead.record, lead.events, asOf, options));
  const probabilities = predictProbabilities(model, rows);
  return leads.map((lead, index) => {
    const explanation = explainPrediction(model, rows[index]!, options.top ?? 2);
    const parts = [...explanation.positive, ...explanation.negative].map((reason) => reason.text);
    let reasons = '';
    for (const part of parts) {
      const next = reasons === '' ? part : `${reasons}; ${part}`;
      if (next.length > (options.maxLength ?? 255)) break;
      reasons = next;
    }
    return {
      externalId: lead.record.externalId,
      likelihood: Math.round(probabilities[index]! * 1000) / 10,
      reasons,
    };
  });
}
