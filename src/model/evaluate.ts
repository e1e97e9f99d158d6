import { existsSync, readFileSync } from 'node:fs';
import { LeadscoreError } from '../errors.js';
import { readCsv } from './csv.js';
import { type ColumnKind, categoryKey, cleanValue, numericValue, type RawRow } from './features.js';
import {
  expectedCalibrationError,
  logLoss,
  mean,
  precisionAtTop,
  rocAuc,
  standardDeviation,
} from './metrics.js';
import { type LeadModel, predictProbabilities, type TrainOptions, trainLeadModel } from './model.js';
import { createRandom, shuffleInPlace } from './random.js';

export interface Figures {
  auc: number;
  logLoss: number;
  ece: number;
  precisionTop20: number;
}

export interface CvFigures {
  auc: { mean: number; sd: number };
  logLoss: number;
  ece: number;
  precisionTop20: number;
  folds: number;
}

export interface ModelFigures {
  cv: CvFigures;
  outOfTime: Figures | null;
}

export interface EvaluationReport extends ModelFigures {
  rows: number;
  positives: number;
  /** Number of columns offered to the model, and their names. */
  features: number;
  featureNames: string[];
  /** The plain L2 logistic regression (one-hot, log/z-scored numerics) on the same folds and split. */
  reference: ModelFigures;
  /** What the out-of-time model (or the last CV model) chose: the GBT blend weight, the calibrator, rounds. */
  chosen: { gbtWeight: number; calibration: string; gbtIterations: number | null };
  seconds: number;
}

export interface EvaluateOptions {
  /** Columns to exclude from the features (the target and the time-order column are always excluded). */
  exclude?: string[];
  /** Only these columns (before `exclude`); default every column. */
  include?: string[];
  /** Column giving time (larger = later, e.g. an increasing lead number): adds the out-of-time test. */
  timeOrder?: string;
  /** Columns that must be numeric; a non-number there is an error naming the row. */
  numeric?: string[];
  folds?: number;
  repeats?: number;
  seed?: number;
  /** Share of the newest rows for the out-of-time test (default 0.2). */
  outOfTimeFraction?: number;
  model?: Partial<Omit<TrainOptions, 'columns' | 'timeOrder' | 'seed'>>;
  labels?: Record<string, string>;
}

export interface EvaluateCsvOptions extends EvaluateOptions {
  /** The CSV text, or a path to a .csv file. */
  csv: string;
  target: string;
  /** The target value meaning "converted"; default 1 / true / yes. */
  positive?: string;
}

export function figures(probabilities: ArrayLike<number>, labels: ArrayLike<number>): Figures {
  return {
    auc: rocAuc(probabilities, labels),
    logLoss: logLoss(probabilities, labels),
    ece: expectedCalibrationError(probabilities, labels, 10),
    precisionTop20: precisionAtTop(probabilities, labels, 0.2),
  };
}

/** Repeated stratified k-fold: per repeat, each class is shuffled by seed and dealt round-robin into folds. */
export function stratifiedFolds(labels: ArrayLike<number>, folds: number, seed: number): number[] {
  const random = createRandom(seed);
  const assignment = new Array<number>(labels.length).fill(0);
  let dealt = 0;
  for (const label of [0, 1]) {
    const group: number[] = [];
    for (let row = 0; row < labels.length; row++) if ((labels[row] === 1 ? 1 : 0) === label) group.push(row);
    shuffleInPlace(group, random);
    for (const row of group) assignment[row] = dealt++ % folds;
  }
  return assignment;
}

function positiveTest(
  values: readonly (string | number | null)[],
  positive: string | undefined,
  target: string,
) {
  if (positive !== undefined) {
    const key = categoryKey(positive);
    return (value: string | number) => categoryKey(value) === key;
  }
  const keys = new Set(values.filter((value) => value !== null).map((value) => categoryKey(value!)));
  for (const yes of ['1', 'true', 'yes', 'converted']) {
    if (keys.has(yes)) return (value: string | number) => categoryKey(value) === yes;
  }
  if ([...keys].every((key) => ['0', 'false', 'no'].includes(key))) return () => false;
  throw new LeadscoreError(
    'ERR_MODEL_INPUT',
    `target column "${target}" has values ${[...keys].slice(0, 5).join(', ')}; say which one is positive`,
    { hint: 'Pass `positive` (the value that means converted), e.g. positive: "Won".' },
  );
}

/** Evaluates rows already in memory; `evaluateCsv` reads and checks a file, then calls this. */
export function evaluateRows(
  rows: readonly RawRow[],
  labels: readonly number[],
  columns: readonly string[],
  options: EvaluateOptions & { time?: readonly number[] },
): EvaluationReport {
  const started = performance.now();
  const folds = options.folds ?? 5;
  const repeats = options.repeats ?? 5;
  const seed = options.seed ?? 1;
  const modelOptions: TrainOptions = { ...options.model, columns, labels: options.labels, seed };
  const referenceOptions: TrainOptions = { ...modelOptions, blend: 0, calibration: 'none' };
  const model: Figures[] = [];
  const reference: Figures[] = [];
  let last: LeadModel | null = null;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const assignment = stratifiedFolds(labels, folds, seed * 1000 + repeat);
    for (let fold = 0; fold < folds; fold++) {
      const train: number[] = [];
      const test: number[] = [];
      assignment.forEach((value, row) => {
        (value === fold ? test : train).push(row);
      });
      const trainRows = train.map((row) => rows[row]!);
      const trainLabels = train.map((row) => labels[row]!);
      const testRows = test.map((row) => rows[row]!);
      const testLabels = test.map((row) => labels[row]!);
      const time = options.time;
      last = trainLeadModel(trainRows, trainLabels, {
        ...modelOptions,
        timeOrder: time ? train.map((row) => time[row]!) : undefined,
      });
      model.push(figures(predictProbabilities(last, testRows), testLabels));
      const plain = trainLeadModel(trainRows, trainLabels, referenceOptions);
      reference.push(figures(predictProbabilities(plain, testRows), testLabels));
    }
  }
  let outOfTime: Figures | null = null;
  let referenceOutOfTime: Figures | null = null;
  if (options.time) {
    const time = options.time;
    const order = Array.from({ length: rows.length }, (_, row) => row).sort(
      (a, b) => time[a]! - time[b]! || a - b,
    );
    const cut = rows.length - Math.round(rows.length * (options.outOfTimeFraction ?? 0.2));
    const train = order.slice(0, cut);
    const test = order.slice(cut);
    const trainRows = train.map((row) => rows[row]!);
    const trainLabels = train.map((row) => labels[row]!);
    const testRows = test.map((row) => rows[row]!);
    const testLabels = test.map((row) => labels[row]!);
    last = trainLeadModel(trainRows, trainLabels, {
      ...modelOptions,
      timeOrder: train.map((row) => time[row]!),
    });
    outOfTime = figures(predictProbabilities(last, testRows), testLabels);
    const plain = trainLeadModel(trainRows, trainLabels, referenceOptions);
    referenceOutOfTime = figures(predictProbabilities(plain, testRows), testLabels);
  }
  const summarise = (list: Figures[]): CvFigures => ({
    auc: {
      mean: mean(list.map((entry) => entry.auc)),
      sd: standardDeviation(list.map((entry) => entry.auc)),
    },
    logLoss: mean(list.map((entry) => entry.logLoss)),
    ece: mean(list.map((entry) => entry.ece)),
    precisionTop20: mean(list.map((entry) => entry.precisionTop20)),
    folds: list.length,
  });
  return {
    cv: summarise(model),
    outOfTime,
    rows: rows.length,
    positives: labels.filter((label) => label === 1).length,
    features: columns.length,
    featureNames: [...columns],
    reference: { cv: summarise(reference), outOfTime: referenceOutOfTime },
    chosen: {
      gbtWeight: last?.gbtWeight ?? 0,
      calibration: last?.calibrator.kind ?? 'none',
      gbtIterations: last?.gbt?.iterations ?? null,
    },
    seconds: (performance.now() - started) / 1000,
  };
}

/** Rows of a CSV as records keyed by header, checked for the target, time order and declared numeric columns. */
export function prepareCsv(options: EvaluateCsvOptions): {
  rows: RawRow[];
  labels: number[];
  columns: string[];
  time?: number[];
  kinds: Record<string, ColumnKind>;
} {
  const text =
    !/[\r\n]/.test(options.csv) && existsSync(options.csv) ? readFileSync(options.csv, 'utf8') : options.csv;
  const table = readCsv(text);
  const { header } = table;
  const where = (index: number) => `row ${index + 1} (line ${table.lines[index]})`;
  const columnIndex = (name: string, role: string) => {
    const position = header.indexOf(name);
    if (position < 0) {
      throw new LeadscoreError(
        'ERR_MODEL_INPUT',
        `${role} column "${name}" is not in the CSV header (${header.slice(0, 8).join(', ')}${header.length > 8 ? ', ...' : ''})`,
      );
    }
    return position;
  };
  const targetAt = columnIndex(options.target, 'target');
  const targetValues = table.rows.map((row) => cleanValue(row[targetAt]));
  targetValues.forEach((value, index) => {
    if (value === null) {
      throw new LeadscoreError(
        'ERR_MODEL_INPUT',
        `target column "${options.target}" is empty at ${where(index)}`,
      );
    }
  });
  const isPositive = positiveTest(targetValues, options.positive, options.target);
  const labels = targetValues.map((value) => (isPositive(value!) ? 1 : 0));
  const positives = labels.filter((label) => label === 1).length;
  if (positives === 0 || positives === labels.length) {
    throw new LeadscoreError(
      'ERR_MODEL_INPUT',
      `target column "${options.target}" has one class only (${positives === 0 ? 'no' : 'every'} row is positive, ${labels.length} rows)`,
      { hint: 'A model needs both converted and unconverted leads; check the target column and `positive`.' },
    );
  }
  const numericCheck = (name: string, role: string) => {
    const at = columnIndex(name, role);
    return table.rows.map((row, index) => {
      const value = numericValue(row[at]);
      if (typeof value !== 'number') {
        throw new LeadscoreError(
          'ERR_MODEL_INPUT',
          `${role} column "${name}" has ${value === null ? 'no value' : `"${row[at]}", not a number,`} at ${where(index)}`,
        );
      }
      return value;
    });
  };
  const time = options.timeOrder === undefined ? undefined : numericCheck(options.timeOrder, 'time-order');
  const kinds: Record<string, ColumnKind> = {};
  for (const name of options.numeric ?? []) {
    const at = columnIndex(name, 'numeric');
    table.rows.forEach((row, index) => {
      if (numericValue(row[at]) === undefined) {
        throw new LeadscoreError(
          'ERR_MODEL_INPUT',
          `numeric column "${name}" has "${row[at]}", not a number, at ${where(index)}`,
        );
      }
    });
    kinds[name] = 'numeric';
  }
  const excluded = new Set([
    options.target,
    ...(options.timeOrder ? [options.timeOrder] : []),
    ...(options.exclude ?? []),
  ]);
  for (const name of options.include ?? []) columnIndex(name, 'included');
  const columns = (options.include ?? header).filter((name) => !excluded.has(name));
  const rows = table.rows.map((row) => {
    const record: Record<string, string> = {};
    header.forEach((name, at) => {
      record[name] = row[at]!;
    });
    return record;
  });
  return { rows, labels, columns, time, kinds };
}

/**
 * The evaluation protocol on a CSV: repeated stratified k-fold (5 x 5 by default) and, with `timeOrder`, an
 * out-of-time test (train on the oldest 80%, test on the newest 20%), for the model and the reference logistic.
 */
export function evaluateCsv(options: EvaluateCsvOptions): EvaluationReport {
  const prepared = prepareCsv(options);
  return evaluateRows(prepared.rows, prepared.labels, prepared.columns, {
    ...options,
    model: { ...options.model, kinds: { ...prepared.kinds, ...options.model?.kinds } },
    time: prepared.time,
  });
}
