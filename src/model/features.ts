/**
 * The feature pipeline for mixed tabular data. `fitPipeline(rows)` learns every statistic (column kinds,
 * kept categories, bin edges, log/z scaling) from the rows it is given, which must be training rows only;
 * the encode functions then apply it to any rows, so nothing about a test fold leaks into the model.
 */
export type RawValue = string | number | boolean | null | undefined;
export type RawRow = Readonly<Record<string, RawValue>>;
export type ColumnKind = 'numeric' | 'categorical';

/** Web-form defaults and spellings of "nothing" that mean missing, compared case-insensitively after trim. */
export const PLACEHOLDER_VALUES: readonly string[] = [
  '',
  'select',
  'unknown',
  'n/a',
  'null',
  'nan',
  'none given',
];
const placeholders = new Set(PLACEHOLDER_VALUES);

/** A cleaned cell: null when missing (absent, empty, a placeholder, NaN), else a trimmed string or a number. */
export function cleanValue(value: RawValue): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const trimmed = value.trim();
  return placeholders.has(trimmed.toLowerCase()) ? null : trimmed;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** The number in a cleaned cell, null when missing, undefined when the cell is present but not a number. */
export function numericValue(value: RawValue): number | null | undefined {
  const cleaned = cleanValue(value);
  if (cleaned === null) return null;
  if (typeof cleaned === 'number') return cleaned;
  return NUMBER.test(cleaned) ? Number(cleaned) : undefined;
}

/** Categories compare case- and space-insensitively: `google` and ` Google` are one category. */
export function categoryKey(value: string | number): string {
  return String(value).toLowerCase().replace(/\s+/g, ' ');
}

/**
 * A column is numeric when it has at least one value and every non-missing value parses as a number;
 * any other text makes it categorical (so a stray "lots" turns a column categorical rather than failing).
 */
export function inferColumnKinds(
  rows: readonly RawRow[],
  columns: readonly string[],
): Record<string, ColumnKind> {
  const kinds: Record<string, ColumnKind> = {};
  for (const column of columns) {
    let seen = 0;
    let numeric = true;
    for (const row of rows) {
      const value = numericValue(row[column]);
      if (value === null) continue;
      seen++;
      if (value === undefined) {
        numeric = false;
        break;
      }
    }
    kinds[column] = numeric && seen > 0 ? 'numeric' : 'categorical';
  }
  return kinds;
}

export interface NumericEncoder {
  kind: 'numeric';
  name: string;
  label: string;
  /** Bin upper edges on the raw scale: bin 0 is missing, bin k (1-based) holds edges[k-2] < x <= edges[k-1]. */
  edges: number[];
  /** log1p before z-scoring (chosen for non-negative, right-skewed columns). */
  log: boolean;
  center: number;
  scale: number;
  /** Quartiles of the training values, for words: low / medium / high. */
  low: number;
  high: number;
  min: number;
}

export interface CategoricalEncoder {
  kind: 'categorical';
  name: string;
  label: string;
  /** Case-folded kept categories; code 0 is missing, 1..n these, n+1 "other" (pooled rare and unseen). */
  keys: string[];
  /** The most frequent training spelling of each kept category. */
  display: string[];
}

export type ColumnEncoder = NumericEncoder | CategoricalEncoder;

export interface FeaturePipeline {
  columns: ColumnEncoder[];
  dropped: Array<{ name: string; reason: string }>;
}

export interface PipelineOptions {
  columns: readonly string[];
  /** Kinds to force; the rest are inferred from the training rows. */
  kinds?: Readonly<Record<string, ColumnKind>>;
  /** Names a rep understands, by column; defaults to the column name. */
  labels?: Readonly<Record<string, string>>;
  /** At most this many bins per numeric column, the missing bin included (<= 256). */
  maxBins?: number;
  /** Categories seen fewer times in training are pooled into "other". */
  minCategoryCount?: number;
  maxCategories?: number;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

function fitNumeric(name: string, label: string, values: number[], maxBins: number): NumericEncoder | string {
  if (values.length === 0) return 'no values in training';
  const sorted = Float64Array.from(values).sort();
  const distinct: number[] = [];
  for (const value of sorted)
    if (distinct.length === 0 || distinct[distinct.length - 1] !== value) distinct.push(value);
  const realBins = maxBins - 1;
  let edges: number[];
  if (distinct.length <= realBins) {
    edges = distinct.slice(0, -1).map((value, index) => (value + distinct[index + 1]!) / 2);
  } else {
    const cut = new Set<number>();
    for (let bin = 1; bin < realBins; bin++) cut.add(sorted[Math.floor((bin * sorted.length) / realBins)]!);
    edges = [...cut].sort((a, b) => a - b).filter((edge) => edge < distinct[distinct.length - 1]!);
  }
  const min = sorted[0]!;
  const n = sorted.length;
  const mean0 = values.reduce((sum, value) => sum + value, 0) / n;
  const sd0 = Math.sqrt(values.reduce((sum, value) => sum + (value - mean0) ** 2, 0) / n);
  const skew = sd0 > 0 ? values.reduce((sum, value) => sum + ((value - mean0) / sd0) ** 3, 0) / n : 0;
  const log = min >= 0 && skew > 1;
  const transformed = log ? values.map((value) => Math.log1p(value)) : values;
  const center = transformed.reduce((sum, value) => sum + value, 0) / n;
  const sd = Math.sqrt(transformed.reduce((sum, value) => sum + (value - center) ** 2, 0) / n);
  return {
    kind: 'numeric',
    name,
    label,
    edges,
    log,
    center,
    scale: sd > 0 ? sd : 1,
    low: quantile(sorted, 0.25),
    high: quantile(sorted, 0.75),
    min,
  };
}

function fitCategorical(
  name: string,
  label: string,
  values: Array<string | number>,
  minCount: number,
  maxCategories: number,
): CategoricalEncoder {
  const counts = new Map<string, { count: number; spellings: Map<string, number> }>();
  for (const value of values) {
    const key = categoryKey(value);
    let entry = counts.get(key);
    if (entry === undefined) {
      entry = { count: 0, spellings: new Map() };
      counts.set(key, entry);
    }
    entry.count++;
    const spelling = String(value);
    entry.spellings.set(spelling, (entry.spellings.get(spelling) ?? 0) + 1);
  }
  const kept = [...counts.entries()]
    .filter(([, entry]) => entry.count >= minCount)
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxCategories);
  const display = kept.map(
    ([, entry]) =>
      [...entry.spellings.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0],
  );
  return { kind: 'categorical', name, label, keys: kept.map(([key]) => key), display };
}

/** Learns the pipeline from training rows only. Columns without usable variation are dropped, with the reason. */
export function fitPipeline(rows: readonly RawRow[], options: PipelineOptions): FeaturePipeline {
  const maxBins = Math.min(256, options.maxBins ?? 256);
  const minCount = options.minCategoryCount ?? 10;
  const maxCategories = Math.min(maxBins - 2, options.maxCategories ?? 250);
  const inferred = inferColumnKinds(rows, options.columns);
  const columns: ColumnEncoder[] = [];
  const dropped: FeaturePipeline['dropped'] = [];
  for (const name of options.columns) {
    const label = options.labels?.[name] ?? name;
    const kind = options.kinds?.[name] ?? inferred[name]!;
    let missing = 0;
    if (kind === 'numeric') {
      const values: number[] = [];
      for (const row of rows) {
        const value = numericValue(row[name]);
        if (typeof value === 'number') values.push(value);
        else missing++;
      }
      const encoder = fitNumeric(name, label, values, maxBins);
      if (typeof encoder === 'string') dropped.push({ name, reason: encoder });
      else if (encoder.edges.length === 0 && missing === 0) dropped.push({ name, reason: 'constant' });
      else columns.push(encoder);
    } else {
      const values: Array<string | number> = [];
      for (const row of rows) {
        const value = cleanValue(row[name]);
        if (value === null) missing++;
        else values.push(value);
      }
      const encoder = fitCategorical(name, label, values, minCount, maxCategories);
      const other = values.length - countKept(encoder, values);
      const levels = encoder.keys.length + (missing > 0 ? 1 : 0) + (other > 0 ? 1 : 0);
      if (levels < 2)
        dropped.push({ name, reason: values.length === 0 ? 'always missing' : 'constant after pooling' });
      else columns.push(encoder);
    }
  }
  return { columns, dropped };
}

function countKept(encoder: CategoricalEncoder, values: Array<string | number>): number {
  const keys = new Set(encoder.keys);
  return values.filter((value) => keys.has(categoryKey(value))).length;
}

/** Histogram-binned columns (column-major) for the trees. */
export interface BinnedData {
  n: number;
  bins: Uint8Array[];
  nBins: number[];
  categorical: boolean[];
}

/** Bin lookup for a numeric encoder: 0 missing (or not a number), else 1 + the number of edges below x. */
export function numericBin(encoder: NumericEncoder, x: number | null | undefined): number {
  if (typeof x !== 'number') return 0;
  const edges = encoder.edges;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

export function nBinsOf(encoder: ColumnEncoder): number {
  return encoder.kind === 'numeric' ? encoder.edges.length + 2 : encoder.keys.length + 2;
}

/** A compiled encoder: maps hold category codes, and a per-column cache of parsed text cells speeds scoring. */
export interface CompiledPipeline {
  pipeline: FeaturePipeline;
  codes: Array<Map<string, number> | null>;
  cache: Array<Map<string, EncodedCell>>;
}

/** One cell as both models read it: the bin or category code, and for numeric columns the number. */
export interface EncodedCell {
  code: number;
  x: number | null;
}

const CACHE_LIMIT = 20_000;

export function compilePipeline(pipeline: FeaturePipeline): CompiledPipeline {
  return {
    pipeline,
    codes: pipeline.columns.map((encoder) =>
      encoder.kind === 'categorical' ? new Map(encoder.keys.map((key, index) => [key, index + 1])) : null,
    ),
    cache: pipeline.columns.map(() => new Map()),
  };
}

function encodeUncached(compiled: CompiledPipeline, column: number, value: RawValue): EncodedCell {
  const encoder = compiled.pipeline.columns[column]!;
  if (encoder.kind === 'numeric') {
    const x = numericValue(value);
    return typeof x === 'number' ? { code: numericBin(encoder, x), x } : { code: 0, x: null };
  }
  const cleaned = cleanValue(value);
  if (cleaned === null) return { code: 0, x: null };
  return { code: compiled.codes[column]!.get(categoryKey(cleaned)) ?? encoder.keys.length + 1, x: null };
}

/** The bin (numeric) or code (categorical) of one cell, and the number for a numeric column. */
export function encodeFull(compiled: CompiledPipeline, column: number, value: RawValue): EncodedCell {
  if (typeof value !== 'string') return encodeUncached(compiled, column, value);
  const cache = compiled.cache[column]!;
  let cell = cache.get(value);
  if (cell === undefined) {
    cell = encodeUncached(compiled, column, value);
    if (cache.size < CACHE_LIMIT) cache.set(value, cell);
  }
  return cell;
}

/** The bin (numeric) or code (categorical) of one cell: 0 is missing; a non-number in a numeric column is missing. */
export function encodeCell(compiled: CompiledPipeline, column: number, value: RawValue): number {
  return encodeFull(compiled, column, value).code;
}

export function binRows(compiled: CompiledPipeline, rows: readonly RawRow[]): BinnedData {
  const columns = compiled.pipeline.columns;
  const bins = columns.map(() => new Uint8Array(rows.length));
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]!;
    for (let column = 0; column < columns.length; column++) {
      bins[column]![index] = encodeCell(compiled, column, row[columns[column]!.name]);
    }
  }
  return {
    n: rows.length,
    bins,
    nBins: columns.map(nBinsOf),
    categorical: columns.map((encoder) => encoder.kind === 'categorical'),
  };
}

/**
 * The linear model's design: a fixed number of (index, value) slots per row. Slot 0 is the intercept; a
 * numeric column has a z-score slot (0 when missing) and a missing-indicator slot; a categorical column has
 * one one-hot slot over missing, its kept categories and "other".
 */
export interface LinearDesign {
  n: number;
  slots: number;
  width: number;
  index: Int32Array;
  value: Float64Array;
}

export interface LinearLayout {
  /** Design index of each column's first slot. */
  offsets: number[];
  width: number;
  slots: number;
}

export function linearLayout(pipeline: FeaturePipeline): LinearLayout {
  const offsets: number[] = [];
  let width = 1;
  let slots = 1;
  for (const encoder of pipeline.columns) {
    offsets.push(width);
    if (encoder.kind === 'numeric') {
      width += 2;
      slots += 2;
    } else {
      width += encoder.keys.length + 2;
      slots += 1;
    }
  }
  return { offsets, width, slots };
}

export function zValue(encoder: NumericEncoder, x: number): number {
  return ((encoder.log ? Math.log1p(Math.max(0, x)) : x) - encoder.center) / encoder.scale;
}

/** Writes one row's slots into `index`/`value` at `at`. */
export function encodeLinearRow(
  compiled: CompiledPipeline,
  layout: LinearLayout,
  row: RawRow,
  index: Int32Array,
  value: Float64Array,
  at: number,
): void {
  index[at] = 0;
  value[at] = 1;
  let slot = at + 1;
  const columns = compiled.pipeline.columns;
  for (let column = 0; column < columns.length; column++) {
    const encoder = columns[column]!;
    const offset = layout.offsets[column]!;
    const cell = encodeFull(compiled, column, row[encoder.name]);
    if (encoder.kind === 'numeric') {
      const x = cell.x;
      index[slot] = offset;
      value[slot] = typeof x === 'number' ? zValue(encoder, x) : 0;
      index[slot + 1] = offset + 1;
      value[slot + 1] = typeof x === 'number' ? 0 : 1;
      slot += 2;
    } else {
      index[slot] = offset + cell.code;
      value[slot] = 1;
      slot += 1;
    }
  }
}

export function linearRows(compiled: CompiledPipeline, rows: readonly RawRow[]): LinearDesign {
  const layout = linearLayout(compiled.pipeline);
  const index = new Int32Array(rows.length * layout.slots);
  const value = new Float64Array(rows.length * layout.slots);
  rows.forEach((row, at) => {
    encodeLinearRow(compiled, layout, row, index, value, at * layout.slots);
  });
  return { n: rows.length, slots: layout.slots, width: layout.width, index, value };
}

/** How a rep reads a cell: the category's spelling, "missing", "other", or low / medium / high for numbers. */
export function describeValue(encoder: ColumnEncoder, value: RawValue): string {
  if (encoder.kind === 'categorical') {
    const cleaned = cleanValue(value);
    if (cleaned === null) return 'not given';
    const position = encoder.keys.indexOf(categoryKey(cleaned));
    return position >= 0 ? encoder.display[position]! : `${String(cleaned)} (rare)`;
  }
  const x = numericValue(value);
  if (typeof x !== 'number') return 'not given';
  if (x === 0 && encoder.min === 0) return 'none';
  if (x < encoder.low) return 'low';
  if (x > encoder.high) return 'high';
  return 'medium';
}
