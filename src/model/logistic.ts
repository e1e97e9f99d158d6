import type { LinearDesign } from './features.js';
import { sigmoid } from './metrics.js';

/** L2-regularised logistic regression: weights over the design columns, index 0 the (unpenalised) intercept. */
export interface LogisticModel {
  weights: number[];
  /** Mean of each design column over the training rows, so contributions read "relative to an average lead". */
  means: number[];
}

export interface LogisticOptions {
  /** Penalty lambda on the summed log loss: lambda/2 x |w|^2 (scikit-learn's C = 1/lambda). */
  l2: number;
  maxIterations: number;
  tolerance: number;
}

export const DEFAULT_LOGISTIC_OPTIONS: LogisticOptions = { l2: 1, maxIterations: 50, tolerance: 1e-9 };

function objective(design: LinearDesign, y: ArrayLike<number>, weights: Float64Array, l2: number): number {
  let total = 0;
  const { slots, index, value } = design;
  for (let row = 0; row < design.n; row++) {
    let z = 0;
    for (let slot = row * slots; slot < (row + 1) * slots; slot++) z += weights[index[slot]!]! * value[slot]!;
    // log(1 + e^z) - y z, computed stably
    total += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (y[row] === 1 ? z : 0);
  }
  for (let column = 1; column < weights.length; column++) total += 0.5 * l2 * weights[column]! ** 2;
  return total;
}

/** Solves A x = b in place for symmetric positive definite A (row-major, size p) by Cholesky. */
function choleskySolve(a: Float64Array, b: Float64Array, p: number): Float64Array {
  for (let j = 0; j < p; j++) {
    let diagonal = a[j * p + j]!;
    for (let k = 0; k < j; k++) diagonal -= a[j * p + k]! ** 2;
    const root = Math.sqrt(Math.max(diagonal, 1e-12));
    a[j * p + j] = root;
    for (let i = j + 1; i < p; i++) {
      let sum = a[i * p + j]!;
      for (let k = 0; k < j; k++) sum -= a[i * p + k]! * a[j * p + k]!;
      a[i * p + j] = sum / root;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < p; i++) {
    let sum = x[i]!;
    for (let k = 0; k < i; k++) sum -= a[i * p + k]! * x[k]!;
    x[i] = sum / a[i * p + i]!;
  }
  for (let i = p - 1; i >= 0; i--) {
    let sum = x[i]!;
    for (let k = i + 1; k < p; k++) sum -= a[k * p + i]! * x[k]!;
    x[i] = sum / a[i * p + i]!;
  }
  return x;
}

/**
 * Newton's method with step halving. The design is sparse with a fixed number of slots per row, so the
 * Hessian costs n x slots^2 per iteration and one Cholesky of the (small) width x width matrix.
 */
export function trainLogistic(
  design: LinearDesign,
  y: ArrayLike<number>,
  options: Partial<LogisticOptions> = {},
): LogisticModel {
  const { l2, maxIterations, tolerance } = { ...DEFAULT_LOGISTIC_OPTIONS, ...options };
  const p = design.width;
  const { slots, index, value } = design;
  const weights = new Float64Array(p);
  let positives = 0;
  for (let row = 0; row < design.n; row++) positives += y[row] === 1 ? 1 : 0;
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, positives / Math.max(1, design.n)));
  weights[0] = Math.log(rate / (1 - rate));
  let current = objective(design, y, weights, l2);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const gradient = new Float64Array(p);
    const hessian = new Float64Array(p * p);
    for (let row = 0; row < design.n; row++) {
      const start = row * slots;
      const end = start + slots;
      let z = 0;
      for (let slot = start; slot < end; slot++) z += weights[index[slot]!]! * value[slot]!;
      const probability = sigmoid(z);
      const residual = probability - (y[row] === 1 ? 1 : 0);
      const curvature = Math.max(probability * (1 - probability), 1e-12);
      for (let a = start; a < end; a++) {
        const ia = index[a]!;
        const va = value[a]!;
        if (va === 0) continue;
        gradient[ia]! += residual * va;
        const base = ia * p;
        for (let b = start; b < end; b++) {
          const vb = value[b]!;
          if (vb !== 0) hessian[base + index[b]!]! += curvature * va * vb;
        }
      }
    }
    for (let column = 1; column < p; column++) {
      gradient[column]! += l2 * weights[column]!;
      hessian[column * p + column]! += l2;
    }
    hessian[0]! += 1e-9;
    const step = choleskySolve(hessian, gradient, p);
    let scale = 1;
    let next = new Float64Array(p);
    let value2 = current;
    for (let halving = 0; halving < 30; halving++) {
      next = weights.map((weight, column) => weight - scale * step[column]!);
      value2 = objective(design, y, next, l2);
      if (value2 <= current + 1e-12) break;
      scale /= 2;
    }
    const improvement = current - value2;
    weights.set(next);
    current = value2;
    if (improvement <= tolerance * Math.max(1, Math.abs(current))) break;
  }
  const means = new Array<number>(p).fill(0);
  for (let slot = 0; slot < design.n * slots; slot++) means[index[slot]!]! += value[slot]!;
  return { weights: Array.from(weights), means: means.map((sum) => sum / Math.max(1, design.n)) };
}

/** The raw logit for each row of a design. */
export function logisticLogits(model: LogisticModel, design: LinearDesign): Float64Array {
  const out = new Float64Array(design.n);
  const { slots, index, value } = design;
  for (let row = 0; row < design.n; row++) {
    let z = 0;
    for (let slot = row * slots; slot < (row + 1) * slots; slot++)
      z += model.weights[index[slot]!]! * value[slot]!;
    out[row] = z;
  }
  return out;
}
