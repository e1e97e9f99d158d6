import type { LeadRecord } from '../crm/vocabulary.js';
import { LeadscoreError } from '../errors.js';
import type { ScoringEvent } from '../scoring/types.js';
import type { JsonValue, Store } from '../store/index.js';
import { type CrmFeatureOptions, crmFeatureColumns, leadFeatures } from './crm.js';
import { figures } from './evaluate.js';
import type { RawRow } from './features.js';
import { countLabel, emptyLabelCounts, type LabelCounts, labelProperties, labelRecord } from './labels.js';
import { rocAuc } from './metrics.js';
import { type LeadModel, predictProbabilities, trainLeadModel } from './model.js';
import { serializeModel } from './serialize.js';

/**
 * Training data read from the store (records, their events and labels from the CRM), training with a
 * time-ordered holdout, and drift on outcomes that became known after training.
 */

const DAY = 86_400_000;

/**
 * Left out of the columns the model sees: a negative's age is taken at the cut-off, a positive's at its
 * conversion, so age would mostly tell the two kinds of row apart rather than predict anything.
 */
export const TRAINING_EXCLUDED_COLUMNS: readonly string[] = ['leadAgeDays'];

export interface LabelScanOptions {
  /** Conversions up to here are known; non-converted records are negatives as of here. */
  cutoff: number;
  maturityDays?: number;
  /** Only records of this source (default: every source). */
  source?: string;
}

export interface ScannedLead {
  recordId: number;
  record: LeadRecord;
  events: readonly ScoringEvent[];
  label: 0 | 1;
  labelAt: number;
}

/**
 * Visits every live record with its label as of the cut-off (excluded ones are only counted), in record id
 * order, a chunk at a time so the events of the whole store are never held at once.
 */
export function scanLabelledLeads(
  store: Store,
  options: LabelScanOptions,
  visit: (lead: ScannedLead) => void,
): LabelCounts {
  const counts = emptyLabelCounts();
  let afterId = 0;
  for (;;) {
    const rows = store.loadScoringChunk({ afterId, limit: 500 });
    if (rows.length === 0) return counts;
    for (const row of rows) {
      if (options.source !== undefined && row.record.source !== options.source) continue;
      const label = labelRecord(row.record, {
        cutoff: options.cutoff,
        ...(options.maturityDays !== undefined ? { maturityDays: options.maturityDays } : {}),
      });
      countLabel(counts, label);
      if (label.kind === 'excluded') continue;
      visit({
        recordId: row.recordId,
        record: row.record,
        events: row.events,
        label: label.kind === 'positive' ? 1 : 0,
        labelAt: label.labelAt,
      });
    }
    afterId = rows[rows.length - 1]!.recordId;
  }
}

/**
 * How old each converted lead was at its conversion (ms from createdAt), sorted: the distribution a non-converted
 * lead's feature moment is drawn from (see `featureMoment`).
 */
export function conversionAges(store: Store, options: LabelScanOptions): number[] {
  const ages: number[] = [];
  scanLabelledLeads(store, options, (entry) => {
    if (entry.label === 1 && entry.record.createdAt !== undefined) {
      ages.push(Math.max(0, entry.labelAt - entry.record.createdAt));
    }
  });
  return ages.sort((a, b) => a - b);
}

/** A number in [0, 1) from the record's identity and the seed: the same lead always draws the same moment. */
function unitHash(text: string, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}

/**
 * The moment a labelled lead's features (and the rules, for suggest) are taken. A conversion: its own moment.
 * A lead that did not convert is labelled as of the cut-off, but featured at an age drawn from the conversions'
 * ages (by a hash of its id, so deterministic), never after the cut-off. Featuring it at the cut-off instead
 * makes "inactive for months" tell the classes apart: a converted lead is always seen right after its activity,
 * an old open lead long after it (on synthetic data that alone gave an AUC of 0.98 and an inactivity rule that
 * never fired for a conversion).
 */
export function featureMoment(entry: ScannedLead, ages: readonly number[], seed = 1): number {
  if (entry.label === 1 || entry.record.createdAt === undefined || ages.length === 0) return entry.labelAt;
  const age =
    ages[Math.floor(unitHash(`${entry.record.source}:${entry.record.externalId}`, seed) * ages.length)]!;
  return Math.min(entry.labelAt, entry.record.createdAt + age);
}

/** What a model needs to rebuild its features when scoring: kept in the registry's summary. */
export interface FeatureSettings {
  properties: string[];
  windowsDays: number[];
  leadTimeDays: number;
  columns: string[];
}

export function featureOptions(settings: FeatureSettings): CrmFeatureOptions {
  return {
    properties: settings.properties,
    windowsDays: settings.windowsDays,
    leadTimeDays: settings.leadTimeDays,
  };
}

/** Reads FeatureSettings back from a saved summary (older or hand-made summaries get the defaults). */
export function featureSettingsOf(summary: Readonly<Record<string, JsonValue>>): FeatureSettings {
  const features = (summary.features ?? {}) as Record<string, JsonValue>;
  const strings = (value: JsonValue | undefined) =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
  const numbers = (value: JsonValue | undefined) =>
    Array.isArray(value) ? value.filter((item): item is number => typeof item === 'number') : undefined;
  const properties = strings(features.properties) ?? [];
  const windowsDays = numbers(features.windowsDays) ?? [7, 30, 90];
  const leadTimeDays = typeof features.leadTimeDays === 'number' ? features.leadTimeDays : 0;
  return {
    properties,
    windowsDays,
    leadTimeDays,
    columns: strings(features.columns) ?? trainingColumns({ properties, windowsDays }),
  };
}

function trainingColumns(options: CrmFeatureOptions): string[] {
  return crmFeatureColumns(options).filter((column) => !TRAINING_EXCLUDED_COLUMNS.includes(column));
}

export interface TrainFromStoreOptions {
  /** The cut-off (default `now`). */
  cutoff?: number;
  now: number;
  /** Refuse below this many conversions (default 50). */
  minPositives?: number;
  /** Non-converted records younger than this at the cut-off are left out (default 30). */
  maturityDays?: number;
  /** Features are taken this many days before each label's moment (default 0). */
  leadTimeDays?: number;
  /** Record properties the admin opts in as features (none by default: many are set by sales). */
  properties?: readonly string[];
  windowsDays?: readonly number[];
  seed?: number;
  /** Share of rows, the latest by the lead's creation, held out to measure the model (default 0.2). */
  holdoutFraction?: number;
  source?: string;
}

export interface HoldoutFigures {
  rows: number;
  positives: number;
  auc: number | null;
  logLoss: number | null;
  ece: number | null;
  precisionTop20: number | null;
}

export interface TrainedFromStore {
  model: LeadModel;
  /** serializeModel(model): byte-identical for the same store, options and seed. */
  body: string;
  rows: number;
  positives: number;
  labels: LabelCounts;
  holdout: HoldoutFigures;
  metrics: Record<string, JsonValue>;
  summary: Record<string, JsonValue>;
}

interface TrainingRows {
  rows: RawRow[];
  labels: number[];
  /** The lead's arrival (createdAt, else the label's moment): the time order of the holdout. */
  time: number[];
  labelAt: number[];
  counts: LabelCounts;
}

function readTrainingRows(
  store: Store,
  options: TrainFromStoreOptions,
  features: CrmFeatureOptions,
): TrainingRows {
  const cutoff = options.cutoff ?? options.now;
  const lead = (options.leadTimeDays ?? 0) * DAY;
  const result: TrainingRows = { rows: [], labels: [], time: [], labelAt: [], counts: emptyLabelCounts() };
  const scan: LabelScanOptions = {
    cutoff,
    ...(options.maturityDays !== undefined ? { maturityDays: options.maturityDays } : {}),
    ...(options.source !== undefined ? { source: options.source } : {}),
  };
  const ages = conversionAges(store, scan);
  result.counts = scanLabelledLeads(store, scan, (entry) => {
    // leadFeatures counts only events strictly before its asOf: nothing at or after the label's moment.
    result.rows.push(leadFeatures(entry.record, entry.events, featureMoment(entry, ages) - lead, features));
    result.labels.push(entry.label);
    result.time.push(entry.record.createdAt ?? entry.labelAt);
    result.labelAt.push(entry.labelAt);
  });
  return result;
}

function tooFewError(counts: LabelCounts, minPositives: number): LeadscoreError {
  const excluded = counts.excluded['converted-without-date'];
  return new LeadscoreError(
    'ERR_MODEL_TOO_FEW_LABELS',
    `not enough labelled history to train: ${counts.positives} conversions and ${counts.negatives} non-converted leads ` +
      `(at least ${minPositives} conversions and as many non-converted leads are needed)` +
      (excluded > 0
        ? `; ${excluded} converted records were left out because the CRM gives no conversion date`
        : '') +
      '. No model was trained; scoring stays rule-only.',
  );
}

const round4 = (value: number | null) =>
  value === null || !Number.isFinite(value) ? null : Math.round(value * 10_000) / 10_000;

/**
 * Trains on the store's labelled leads. First a model is trained on the oldest (by the lead's creation) 80% and
 * measured on the newest 20% (the holdout figures); then the model that is kept is trained on every row. Throws
 * ERR_MODEL_TOO_FEW_LABELS below `minPositives` conversions (or non-converted leads).
 */
export function trainFromStore(store: Store, options: TrainFromStoreOptions): TrainedFromStore {
  const minPositives = options.minPositives ?? 50;
  const seed = options.seed ?? 1;
  const leaky = (options.properties ?? []).filter((name) => labelProperties().has(name));
  if (leaky.length > 0) {
    throw new LeadscoreError(
      'ERR_MODEL_INPUT',
      `${leaky.join(', ')} ${leaky.length === 1 ? 'is' : 'are'} where conversions are read from, so as a feature it ` +
        'would give the model the answer: leave it out of --property. No model was trained.',
    );
  }
  const featureOpts: CrmFeatureOptions = {
    properties: [...(options.properties ?? [])],
    windowsDays: [...(options.windowsDays ?? [7, 30, 90])],
    leadTimeDays: options.leadTimeDays ?? 0,
  };
  const columns = trainingColumns(featureOpts);
  const data = readTrainingRows(store, options, featureOpts);
  const { counts } = data;
  if (counts.positives < minPositives || counts.negatives < minPositives)
    throw tooFewError(counts, minPositives);

  const n = data.rows.length;
  const order = Array.from({ length: n }, (_, index) => index).sort(
    (a, b) => data.time[a]! - data.time[b]! || a - b,
  );
  const holdCount = Math.round(n * (options.holdoutFraction ?? 0.2));
  const fitIdx = order.slice(0, n - holdCount).sort((a, b) => a - b);
  const holdIdx = order.slice(n - holdCount);
  const pick = <T>(items: readonly T[], indices: readonly number[]) => indices.map((index) => items[index]!);
  const holdLabels = pick(data.labels, holdIdx);
  const holdPositives = holdLabels.filter((label) => label === 1).length;
  let holdout: HoldoutFigures = {
    rows: holdIdx.length,
    positives: holdPositives,
    auc: null,
    logLoss: null,
    ece: null,
    precisionTop20: null,
  };
  const fitLabels = pick(data.labels, fitIdx);
  const fitPositives = fitLabels.filter((label) => label === 1).length;
  if (
    holdPositives > 0 &&
    holdPositives < holdIdx.length &&
    fitPositives > 1 &&
    fitPositives < fitIdx.length - 1
  ) {
    const probe = trainLeadModel(pick(data.rows, fitIdx), fitLabels, {
      columns,
      timeOrder: pick(data.time, fitIdx),
      seed,
    });
    const measured = figures(predictProbabilities(probe, pick(data.rows, holdIdx)), holdLabels);
    holdout = {
      ...holdout,
      auc: round4(measured.auc),
      logLoss: round4(measured.logLoss),
      ece: round4(measured.ece),
      precisionTop20: round4(measured.precisionTop20),
    };
  }

  const model = trainLeadModel(data.rows, data.labels, { columns, timeOrder: data.time, seed });
  const validation = model.training.validation;
  const metrics: Record<string, JsonValue> = {
    holdout: { ...holdout },
    validation: {
      by: validation.by,
      rows: validation.rows,
      blendAuc: round4(validation.blendAuc),
      gbtAuc: round4(validation.gbtAuc),
      logisticAuc: round4(validation.logisticAuc),
    },
    gbtWeight: model.gbtWeight,
    calibration: model.calibrator.kind,
  };
  const cutoff = options.cutoff ?? options.now;
  const summary: Record<string, JsonValue> = {
    cutoff,
    maturityDays: options.maturityDays ?? 30,
    source: options.source ?? null,
    seed,
    labels: {
      positives: counts.positives,
      negatives: counts.negatives,
      excluded: { ...counts.excluded },
    },
    positiveRate: round4(counts.positives / n),
    timeOrder: 'createdAt',
    negativesFeaturedAt: "an age drawn from the conversions' ages",
    firstLabelAt: Math.min(...data.labelAt),
    lastLabelAt: Math.max(...data.labelAt),
    features: {
      properties: [...(featureOpts.properties ?? [])],
      windowsDays: [...(featureOpts.windowsDays ?? [])],
      leadTimeDays: featureOpts.leadTimeDays ?? 0,
      columns,
    },
  };
  return {
    model,
    body: serializeModel(model),
    rows: n,
    positives: counts.positives,
    labels: counts,
    holdout,
    metrics,
    summary,
  };
}

export interface DriftOptions {
  now: number;
  /** The training cut-off: outcomes known after it are "recent". */
  trainedCutoff: number;
  maturityDays?: number;
  features: FeatureSettings;
  /** AUC below this is flagged. */
  minAuc: number;
  /** Fewer recent conversions than this: no verdict (default 10). */
  minRecentPositives?: number;
  source?: string;
}

export interface DriftReport {
  recentRows: number;
  recentPositives: number;
  auc: number | null;
  minAuc: number;
  drifted: boolean;
  /** Why there is no verdict, when there is none. */
  note: string | null;
}

/**
 * The active model's AUC on outcomes that became known after training: conversions after the training cut-off,
 * and leads that matured (reached `maturityDays` without converting) after it. Each is featured as of its
 * label's moment, as in training.
 */
export function driftFromStore(store: Store, model: LeadModel, options: DriftOptions): DriftReport {
  const maturity = (options.maturityDays ?? 30) * DAY;
  const lead = options.features.leadTimeDays * DAY;
  const features = featureOptions(options.features);
  const rows: RawRow[] = [];
  const labels: number[] = [];
  const scan: LabelScanOptions = {
    cutoff: options.now,
    maturityDays: options.maturityDays ?? 30,
    ...(options.source !== undefined ? { source: options.source } : {}),
  };
  const ages = conversionAges(store, scan);
  scanLabelledLeads(store, scan, (entry) => {
    const recent =
      entry.label === 1
        ? entry.labelAt > options.trainedCutoff
        : (entry.record.createdAt ?? Number.NEGATIVE_INFINITY) + maturity > options.trainedCutoff;
    if (!recent) return;
    rows.push(leadFeatures(entry.record, entry.events, featureMoment(entry, ages) - lead, features));
    labels.push(entry.label);
  });
  const positives = labels.filter((label) => label === 1).length;
  const minPositives = options.minRecentPositives ?? 10;
  const base = { recentRows: rows.length, recentPositives: positives, minAuc: options.minAuc };
  if (positives < minPositives || rows.length - positives < minPositives) {
    return {
      ...base,
      auc: null,
      drifted: false,
      note: `not enough outcomes since training to judge drift (${positives} conversions, ${rows.length - positives} non-converted; ${minPositives} of each needed)`,
    };
  }
  const auc = rocAuc(predictProbabilities(model, rows), labels);
  return { ...base, auc: round4(auc), drifted: auc < options.minAuc, note: null };
}
