import {
  type CalibrationKind,
  type Calibrator,
  calibrate,
  chooseCalibrator,
  fitCalibrator,
} from './calibration.js';
import {
  binRows,
  type ColumnKind,
  type CompiledPipeline,
  compilePipeline,
  describeValue,
  encodeCell,
  encodeFull,
  encodeLinearRow,
  type FeaturePipeline,
  fitPipeline,
  type LinearLayout,
  linearLayout,
  linearRows,
  type RawRow,
  zValue,
} from './features.js';
import {
  type CompiledForest,
  type CompiledTree,
  compileForest,
  compileTree,
  DEFAULT_GBT_OPTIONS,
  forestSums,
  type GbtModel,
  type GbtOptions,
  gbtContributions,
  gbtLogits,
  trainGbt,
} from './gbt.js';
import { type LogisticModel, type LogisticOptions, logisticLogits, trainLogistic } from './logistic.js';
import { logLoss, rocAuc, sigmoid } from './metrics.js';
import { createRandom, shuffleInPlace } from './random.js';

export const MODEL_FORMAT = 'leadscore-model';
export const MODEL_VERSION = 1;

/**
 * A trained lead model: the fitted pipeline, the boosted trees and the logistic regression, the weight that
 * blends their logits (chosen on held-out rows), and the calibrator that turns the blend into a probability.
 * Plain data only, so it serialises to JSON as is.
 */
export interface LeadModel {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  pipeline: FeaturePipeline;
  gbt: GbtModel | null;
  logistic: LogisticModel | null;
  /** Blend = gbtWeight x GBT logit + (1 - gbtWeight) x logistic logit. */
  gbtWeight: number;
  calibrator: Calibrator;
  training: TrainingSummary;
}

export interface TrainingSummary {
  rows: number;
  positives: number;
  seed: number;
  /** How the held-out rows were chosen, and what was measured on them. */
  validation: {
    by: 'time' | 'stratified' | 'none';
    rows: number;
    gbtAuc: number | null;
    logisticAuc: number | null;
    blendAuc: number | null;
    gbtIterations: number | null;
    calibrationEce: Record<string, number>;
  };
}

export interface TrainOptions {
  columns: readonly string[];
  kinds?: Readonly<Record<string, ColumnKind>>;
  labels?: Readonly<Record<string, string>>;
  /** When each row happened (larger = later): the held-out slice is then the latest rows, as under drift. */
  timeOrder?: ArrayLike<number>;
  seed?: number;
  /** Share of training rows held out to early-stop, blend and calibrate (default 0.2). */
  validationFraction?: number;
  gbt?: Partial<GbtOptions>;
  logistic?: Partial<LogisticOptions>;
  /** 'auto' picks the GBT weight in {0, 0.1, ..., 1} by held-out log loss; a number fixes it. */
  blend?: 'auto' | number;
  calibration?: 'auto' | CalibrationKind;
  /** How 'auto' compares the calibrators out of sample (default 'logLoss', the steadier of the two). */
  calibrationCriterion?: 'ece' | 'logLoss';
  /** After the choices are made on the held-out rows, refit the models on every training row (default true). */
  refit?: boolean;
  minCategoryCount?: number;
  maxBins?: number;
}

function positivesOf(labels: ArrayLike<number>): number {
  let count = 0;
  for (let row = 0; row < labels.length; row++) count += labels[row] === 1 ? 1 : 0;
  return count;
}

function take<T>(items: readonly T[], indices: readonly number[]): T[] {
  return indices.map((index) => items[index]!);
}

function holdOut(
  labels: ArrayLike<number>,
  fraction: number,
  timeOrder: ArrayLike<number> | undefined,
  seed: number,
): { fit: number[]; validation: number[] } {
  const n = labels.length;
  const count = Math.round(n * fraction);
  const all = Array.from({ length: n }, (_, index) => index);
  if (timeOrder !== undefined) {
    all.sort((a, b) => timeOrder[a]! - timeOrder[b]! || a - b);
    return { fit: all.slice(0, n - count).sort((a, b) => a - b), validation: all.slice(n - count) };
  }
  const random = createRandom(seed ^ 0x0a11);
  const validation: number[] = [];
  for (const label of [0, 1]) {
    const group = shuffleInPlace(
      all.filter((index) => (labels[index] === 1 ? 1 : 0) === label),
      random,
    );
    validation.push(...group.slice(0, Math.round(group.length * fraction)));
  }
  const held = new Set(validation);
  return { fit: all.filter((index) => !held.has(index)), validation: validation.sort((a, b) => a - b) };
}

interface Fitted {
  pipeline: FeaturePipeline;
  gbt: GbtModel | null;
  logistic: LogisticModel | null;
}

function fitModels(
  rows: readonly RawRow[],
  labels: ArrayLike<number>,
  options: TrainOptions,
  seed: number,
  want: { gbt: boolean; logistic: boolean },
  gbtSettings: Partial<GbtOptions>,
  validation?: { rows: readonly RawRow[]; labels: ArrayLike<number> },
): Fitted {
  const pipeline = fitPipeline(rows, {
    columns: options.columns,
    kinds: options.kinds,
    labels: options.labels,
    minCategoryCount: options.minCategoryCount,
    maxBins: options.maxBins,
  });
  const compiled = compilePipeline(pipeline);
  const gbt = want.gbt
    ? trainGbt(
        binRows(compiled, rows),
        labels,
        { ...gbtSettings, seed },
        validation ? { data: binRows(compiled, validation.rows), y: validation.labels } : undefined,
      )
    : null;
  const logistic = want.logistic ? trainLogistic(linearRows(compiled, rows), labels, options.logistic) : null;
  return { pipeline, gbt, logistic };
}

function blendLogits(
  fitted: Fitted,
  rows: readonly RawRow[],
  gbtWeight: number,
): {
  gbt: Float64Array | null;
  logistic: Float64Array | null;
  blend: Float64Array;
} {
  const compiled = compilePipeline(fitted.pipeline);
  const gbt =
    fitted.gbt && gbtWeight > 0
      ? gbtLogits(
          fitted.gbt.trees.map((tree) => compileTree(tree, fitted.gbt!.nBins)),
          fitted.gbt.init,
          binRows(compiled, rows),
        )
      : null;
  const logistic =
    fitted.logistic && gbtWeight < 1 ? logisticLogits(fitted.logistic, linearRows(compiled, rows)) : null;
  const blend = new Float64Array(rows.length);
  for (let row = 0; row < rows.length; row++) {
    blend[row] = (gbt ? gbtWeight * gbt[row]! : 0) + (logistic ? (1 - gbtWeight) * logistic[row]! : 0);
  }
  return { gbt, logistic, blend };
}

/**
 * Trains the lead model. The held-out slice (the latest rows when `timeOrder` is given, else a stratified
 * sample) early-stops the trees, picks the GBT/logistic blend and the calibrator; then both models are refitted
 * on all rows with those choices fixed. Same rows, options and seed give the same model, byte for byte.
 */
export function trainLeadModel(
  rows: readonly RawRow[],
  labels: ArrayLike<number>,
  options: TrainOptions,
): LeadModel {
  const seed = options.seed ?? 1;
  const blend = options.blend ?? 'auto';
  const calibration = options.calibration ?? 'auto';
  const gbtSettings = { ...DEFAULT_GBT_OPTIONS, ...options.gbt };
  const want = { gbt: blend === 'auto' || blend > 0, logistic: blend === 'auto' || blend < 1 };
  const needsHoldOut = blend === 'auto' || calibration !== 'none' || (want.gbt && gbtSettings.patience > 0);
  const summary: TrainingSummary = {
    rows: rows.length,
    positives: positivesOf(labels),
    seed,
    validation: {
      by: 'none',
      rows: 0,
      gbtAuc: null,
      logisticAuc: null,
      blendAuc: null,
      gbtIterations: null,
      calibrationEce: {},
    },
  };
  if (!needsHoldOut) {
    const fitted = fitModels(rows, labels, options, seed, want, { ...gbtSettings, patience: 0 });
    return finish(fitted, typeof blend === 'number' ? blend : 1, { kind: 'none' }, summary);
  }
  const split = holdOut(labels, options.validationFraction ?? 0.2, options.timeOrder, seed);
  const fitRows = take(rows, split.fit);
  const fitLabels = split.fit.map((index) => labels[index]!);
  const validationRows = take(rows, split.validation);
  const validationLabels = split.validation.map((index) => labels[index]!);
  const first = fitModels(fitRows, fitLabels, options, seed, want, gbtSettings, {
    rows: validationRows,
    labels: validationLabels,
  });
  const scores = blendLogits(first, validationRows, blend === 'auto' ? 0.5 : blend);
  let gbtWeight = typeof blend === 'number' ? blend : 1;
  let blended = scores.blend;
  if (blend === 'auto' && scores.gbt && scores.logistic) {
    let bestLoss = Number.POSITIVE_INFINITY;
    for (let step = 0; step <= 10; step++) {
      const weight = step / 10;
      const candidate = scores.gbt.map(
        (value, row) => weight * value + (1 - weight) * scores.logistic![row]!,
      );
      const loss = logLoss(
        candidate.map((value) => sigmoid(value)),
        validationLabels,
      );
      if (loss < bestLoss - 1e-12) {
        bestLoss = loss;
        gbtWeight = weight;
        blended = candidate;
      }
    }
  }
  summary.validation = {
    by: options.timeOrder ? 'time' : 'stratified',
    rows: validationRows.length,
    gbtAuc: scores.gbt ? rocAuc(scores.gbt, validationLabels) : null,
    logisticAuc: scores.logistic ? rocAuc(scores.logistic, validationLabels) : null,
    blendAuc: rocAuc(blended, validationLabels),
    gbtIterations: first.gbt?.iterations ?? null,
    calibrationEce: {},
  };
  let calibrator: Calibrator = { kind: 'none' };
  if (calibration === 'auto') {
    const chosen = chooseCalibrator(
      blended,
      validationLabels,
      seed,
      undefined,
      options.calibrationCriterion ?? 'logLoss',
    );
    calibrator = chosen.calibrator;
    summary.validation.calibrationEce = chosen.ece;
  } else {
    calibrator = fitCalibrator(calibration, blended, validationLabels);
  }
  const finalWant = { gbt: gbtWeight > 0, logistic: gbtWeight < 1 };
  const fitted =
    options.refit === false
      ? first
      : fitModels(rows, labels, options, seed, finalWant, {
          ...gbtSettings,
          maxIterations: first.gbt?.iterations ?? gbtSettings.maxIterations,
          patience: 0,
        });
  return finish(fitted, gbtWeight, calibrator, summary);
}

function finish(
  fitted: Fitted,
  gbtWeight: number,
  calibrator: Calibrator,
  training: TrainingSummary,
): LeadModel {
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    pipeline: fitted.pipeline,
    gbt: gbtWeight > 0 ? fitted.gbt : null,
    logistic: gbtWeight < 1 ? fitted.logistic : null,
    gbtWeight,
    calibrator,
    training,
  };
}

interface Runtime {
  compiled: CompiledPipeline;
  layout: LinearLayout;
  trees: CompiledTree[];
  forest: CompiledForest;
}

const runtimes = new WeakMap<LeadModel, Runtime>();

function runtimeOf(model: LeadModel): Runtime {
  let runtime = runtimes.get(model);
  if (runtime === undefined) {
    runtime = {
      compiled: compilePipeline(model.pipeline),
      layout: linearLayout(model.pipeline),
      trees: model.gbt ? model.gbt.trees.map((tree) => compileTree(tree, model.gbt!.nBins)) : [],
      forest: compileForest(model.gbt?.trees ?? [], model.gbt?.nBins ?? [], model.gbt?.categorical ?? []),
    };
    runtimes.set(model, runtime);
  }
  return runtime;
}

const SCORING_BATCH = 1024;

/**
 * The blended logit of each row, before calibration. Each cell is encoded once for both models; the trees
 * then run over batches of rows.
 */
export function predictLogits(model: LeadModel, rows: readonly RawRow[]): Float64Array {
  const runtime = runtimeOf(model);
  const out = new Float64Array(rows.length);
  const encoders = model.pipeline.columns;
  const width = encoders.length;
  const codes = new Uint8Array(width * SCORING_BATCH);
  const sums = new Float64Array(SCORING_BATCH);
  const weights = model.logistic?.weights;
  const offsets = runtime.layout.offsets;
  const gbtWeight = model.gbtWeight;
  for (let start = 0; start < rows.length; start += SCORING_BATCH) {
    const end = Math.min(rows.length, start + SCORING_BATCH);
    for (let row = start; row < end; row++) {
      const record = rows[row]!;
      const base = (row - start) * width;
      let linear = weights ? weights[0]! : 0;
      for (let column = 0; column < width; column++) {
        const encoder = encoders[column]!;
        const cell = encodeFull(runtime.compiled, column, record[encoder.name]);
        codes[base + column] = cell.code;
        if (weights) {
          const offset = offsets[column]!;
          if (encoder.kind === 'categorical') linear += weights[offset + cell.code]!;
          else if (cell.x === null) linear += weights[offset + 1]!;
          else linear += weights[offset]! * zValue(encoder, cell.x);
        }
      }
      out[row] = weights ? (1 - gbtWeight) * linear : 0;
    }
    if (model.gbt) {
      const batch = sums.subarray(0, end - start);
      batch.fill(model.gbt.init);
      forestSums(runtime.forest, codes, width, batch);
      for (let row = start; row < end; row++) out[row]! += gbtWeight * batch[row - start]!;
    }
  }
  return out;
}

/** Calibrated conversion probabilities. */
export function predictProbabilities(model: LeadModel, rows: readonly RawRow[]): Float64Array {
  const logits = predictLogits(model, rows);
  return logits.map((logit) => calibrate(model.calibrator, logit));
}

export interface Reason {
  column: string;
  label: string;
  /** The value as a rep reads it: the category, "not given", or low / medium / high / none for numbers. */
  value: string;
  /** Contribution to the logit, relative to an average training lead. */
  contribution: number;
  text: string;
}

export interface Explanation {
  probability: number;
  /** The logit's starting point (an average lead) and per-column contributions; they sum to the logit. */
  baseline: number;
  contributions: Record<string, number>;
  positive: Reason[];
  negative: Reason[];
}

/**
 * Why a lead scored as it did. Per column: the GBT's Saabas contributions (the change of node value at each
 * split on the lead's path) and the logistic's coefficient x (value - training mean), mixed by the blend
 * weight. The top `top` positive and negative columns become reasons like "Lead Source: Reference (+)".
 */
export function explainPrediction(model: LeadModel, row: RawRow, top = 3): Explanation {
  const runtime = runtimeOf(model);
  const columns = model.pipeline.columns;
  const totals = new Float64Array(columns.length);
  let baseline = 0;
  if (model.gbt) {
    const bins = columns.map((encoder, column) =>
      Uint8Array.of(encodeCell(runtime.compiled, column, row[encoder.name])),
    );
    const { bias, contributions } = gbtContributions(runtime.trees, bins, 0, columns.length);
    baseline += model.gbtWeight * (model.gbt.init + bias);
    contributions.forEach((value, column) => {
      totals[column]! += model.gbtWeight * value;
    });
  }
  if (model.logistic) {
    const { weights, means } = model.logistic;
    const index = new Int32Array(runtime.layout.slots);
    const value = new Float64Array(runtime.layout.slots);
    encodeLinearRow(runtime.compiled, runtime.layout, row, index, value, 0);
    let average = 0;
    for (let design = 0; design < weights.length; design++) average += weights[design]! * means[design]!;
    baseline += (1 - model.gbtWeight) * average;
    columns.forEach((encoder, column) => {
      const from = runtime.layout.offsets[column]!;
      const to = from + (encoder.kind === 'numeric' ? 2 : encoder.keys.length + 2);
      let contribution = 0;
      for (let design = from; design < to; design++) contribution -= weights[design]! * means[design]!;
      for (let slot = 0; slot < index.length; slot++) {
        if (index[slot]! >= from && index[slot]! < to) contribution += weights[index[slot]!]! * value[slot]!;
      }
      totals[column]! += (1 - model.gbtWeight) * contribution;
    });
  }
  let logit = baseline;
  const contributions: Record<string, number> = {};
  const reasons: Reason[] = columns.map((encoder, column) => {
    const contribution = totals[column]!;
    logit += contribution;
    contributions[encoder.name] = contribution;
    const value = describeValue(encoder, row[encoder.name]);
    return {
      column: encoder.name,
      label: encoder.label,
      value,
      contribution,
      text: `${encoder.label}: ${value} (${contribution >= 0 ? '+' : '-'})`,
    };
  });
  const threshold = 0.01;
  return {
    probability: calibrate(model.calibrator, logit),
    baseline,
    contributions,
    positive: reasons
      .filter((reason) => reason.contribution > threshold)
      .sort((a, b) => b.contribution - a.contribution)
      .slice(0, top),
    negative: reasons
      .filter((reason) => reason.contribution < -threshold)
      .sort((a, b) => a.contribution - b.contribution)
      .slice(0, top),
  };
}
