import { expectedCalibrationError, logLoss, sigmoid } from './metrics.js';
import { createRandom, shuffleInPlace } from './random.js';

/**
 * Maps a raw logit to a probability. Platt: sigmoid(a x + b) fitted by Newton on held-out rows. Isotonic:
 * pool-adjacent-violators on held-out rows, linear between the fitted blocks, clipped to [0.001, 0.999] so one
 * unlucky lead cannot cost an infinite log loss. None: sigmoid(x).
 */
export type Calibrator =
  | { kind: 'none' }
  | { kind: 'platt'; a: number; b: number }
  | { kind: 'isotonic'; x: number[]; y: number[] };

export type CalibrationKind = Calibrator['kind'];

function plattLoss(scores: ArrayLike<number>, labels: ArrayLike<number>, a: number, b: number): number {
  let total = 0;
  for (let row = 0; row < scores.length; row++) {
    const z = a * scores[row]! + b;
    total += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (labels[row] === 1 ? z : 0);
  }
  return total;
}

/** Newton's method on (a, b) with step halving, so a steep start cannot overshoot. */
export function fitPlatt(scores: ArrayLike<number>, labels: ArrayLike<number>): Calibrator {
  let a = 1;
  let b = 0;
  let current = plattLoss(scores, labels, a, b);
  for (let iteration = 0; iteration < 100; iteration++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (let row = 0; row < scores.length; row++) {
      const x = scores[row]!;
      const p = sigmoid(a * x + b);
      const r = p - (labels[row] === 1 ? 1 : 0);
      const w = Math.max(p * (1 - p), 1e-12);
      ga += r * x;
      gb += r;
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-18)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let scale = 1;
    let next = current;
    for (let halving = 0; halving < 40; halving++) {
      next = plattLoss(scores, labels, a - scale * da, b - scale * db);
      if (next <= current) break;
      scale /= 2;
    }
    if (next > current) break;
    a -= scale * da;
    b -= scale * db;
    const improvement = current - next;
    current = next;
    if (improvement < 1e-10 * Math.max(1, current)) break;
  }
  return { kind: 'platt', a, b };
}

export function fitIsotonic(scores: ArrayLike<number>, labels: ArrayLike<number>): Calibrator {
  const order = Array.from({ length: scores.length }, (_, index) => index).sort(
    (a, b) => scores[a]! - scores[b]! || a - b,
  );
  // Blocks of (sum of x, sum of y, count), merged while their means decrease.
  const sx: number[] = [];
  const sy: number[] = [];
  const count: number[] = [];
  for (const index of order) {
    sx.push(scores[index]!);
    sy.push(labels[index] === 1 ? 1 : 0);
    count.push(1);
    while (sy.length > 1) {
      const last = sy.length - 1;
      if (sy[last - 1]! / count[last - 1]! < sy[last]! / count[last]!) break;
      sx[last - 1]! += sx[last]!;
      sy[last - 1]! += sy[last]!;
      count[last - 1]! += count[last]!;
      sx.pop();
      sy.pop();
      count.pop();
    }
  }
  return {
    kind: 'isotonic',
    x: sx.map((sum, block) => sum / count[block]!),
    y: sy.map((sum, block) => Math.min(0.999, Math.max(0.001, sum / count[block]!))),
  };
}

export function calibrate(calibrator: Calibrator, score: number): number {
  if (calibrator.kind === 'none') return sigmoid(score);
  if (calibrator.kind === 'platt') return sigmoid(calibrator.a * score + calibrator.b);
  const { x, y } = calibrator;
  if (score <= x[0]!) return y[0]!;
  if (score >= x[x.length - 1]!) return y[y.length - 1]!;
  let lo = 0;
  let hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! <= score) lo = mid;
    else hi = mid;
  }
  const span = x[hi]! - x[lo]!;
  return span > 0 ? y[lo]! + ((y[hi]! - y[lo]!) * (score - x[lo]!)) / span : y[lo]!;
}

export function fitCalibrator(
  kind: CalibrationKind,
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
): Calibrator {
  if (kind === 'platt') return fitPlatt(scores, labels);
  if (kind === 'isotonic') return fitIsotonic(scores, labels);
  return { kind: 'none' };
}

/**
 * Chooses none, Platt or isotonic by expected calibration error measured out of sample: the held-out rows are
 * split in two (by seed), each method is fitted on one half and scored on the other, both ways round. The
 * winner is then fitted on all held-out rows.
 */
export function chooseCalibrator(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  seed: number,
  kinds: readonly CalibrationKind[] = ['none', 'platt', 'isotonic'],
  criterion: 'ece' | 'logLoss' = 'ece',
): { calibrator: Calibrator; ece: Record<string, number>; logLoss: Record<string, number> } {
  const order = shuffleInPlace(
    Array.from({ length: scores.length }, (_, index) => index),
    createRandom(seed ^ 0x5eed),
  );
  const halves = [order.filter((_, k) => k % 2 === 0), order.filter((_, k) => k % 2 === 1)];
  const ece: Record<string, number> = {};
  const loss: Record<string, number> = {};
  for (const kind of kinds) {
    let total = 0;
    let totalLoss = 0;
    for (let side = 0; side < 2; side++) {
      const fitOn = halves[side]!;
      const testOn = halves[1 - side]!;
      const calibrator = fitCalibrator(
        kind,
        fitOn.map((index) => scores[index]!),
        fitOn.map((index) => labels[index]!),
      );
      const probabilities = testOn.map((index) => calibrate(calibrator, scores[index]!));
      const truth = testOn.map((index) => labels[index]!);
      total += expectedCalibrationError(probabilities, truth);
      totalLoss += logLoss(probabilities, truth);
    }
    ece[kind] = total / 2;
    loss[kind] = totalLoss / 2;
  }
  const measure = criterion === 'ece' ? ece : loss;
  let best = kinds[0]!;
  for (const kind of kinds) if (measure[kind]! < measure[best]! - 1e-12) best = kind;
  return { calibrator: fitCalibrator(best, scores, labels), ece, logLoss: loss };
}
