/**
 * Metric functions over (probability, label) pairs. Labels are 0/1. All are pure and deterministic.
 */
export type Labels = ArrayLike<number>;
export type Scores = ArrayLike<number>;

/** ROC AUC by the rank-sum (Mann-Whitney) statistic; tied scores share their mean rank, i.e. count one half. */
export function rocAuc(scores: Scores, labels: Labels): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, index) => index).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  let start = 0;
  while (start < n) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const meanRank = (start + end) / 2 + 1;
    for (let index = start; index <= end; index++) {
      if (labels[order[index]!] === 1) {
        positives++;
        rankSum += meanRank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean binary cross-entropy (natural log); probabilities are clipped to [1e-15, 1 - 1e-15]. */
export function logLoss(probabilities: Scores, labels: Labels): number {
  let total = 0;
  for (let index = 0; index < probabilities.length; index++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, probabilities[index]!));
    total -= labels[index] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return total / probabilities.length;
}

/**
 * Expected calibration error with `bins` equal-width bins over [0, 1] (bin i holds p in [i/bins, (i+1)/bins),
 * the last bin includes 1): the sum over bins of (bin size / n) x |mean predicted - observed positive rate|.
 */
export function expectedCalibrationError(probabilities: Scores, labels: Labels, bins = 10): number {
  const count = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const observed = new Float64Array(bins);
  for (let index = 0; index < probabilities.length; index++) {
    const p = probabilities[index]!;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[bin]!++;
    predicted[bin]! += p;
    observed[bin]! += labels[index] === 1 ? 1 : 0;
  }
  let total = 0;
  for (let bin = 0; bin < bins; bin++) {
    if (count[bin]! > 0) total += Math.abs(predicted[bin]! - observed[bin]!);
  }
  return total / probabilities.length;
}

/**
 * Precision among the top `fraction` of scored rows: the share of positives among the ceil(fraction x n)
 * highest scores. Ties at the cut are broken by row order (earlier row first), so the figure is deterministic.
 */
export function precisionAtTop(scores: Scores, labels: Labels, fraction = 0.2): number {
  const n = scores.length;
  const take = Math.ceil(fraction * n - 1e-9);
  if (take === 0) return Number.NaN;
  const order = Array.from({ length: n }, (_, index) => index).sort(
    (a, b) => scores[b]! - scores[a]! || a - b,
  );
  let hits = 0;
  for (let index = 0; index < take; index++) hits += labels[order[index]!] === 1 ? 1 : 0;
  return hits / take;
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Sample standard deviation (n - 1); 0 for fewer than two values. */
export function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - m) ** 2, 0) / (values.length - 1));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export function logit(p: number): number {
  const clipped = Math.min(1 - 1e-12, Math.max(1e-12, p));
  return Math.log(clipped / (1 - clipped));
}
