import { describe, expect, it } from 'vitest';
import { expectedCalibrationError, logLoss, precisionAtTop, rocAuc } from '../../src/model/metrics.js';

describe('metric functions', () => {
  it('given four scored leads, when AUC is computed, then it is the share of correctly ordered pairs', () => {
    // pairs (pos, neg): (0.35,0.1) ok, (0.35,0.4) wrong, (0.8,0.1) ok, (0.8,0.4) ok -> 3/4
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
  });

  it('given tied scores, when AUC is computed, then a tied pair counts one half', () => {
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBeCloseTo(0.5, 12);
    // pos 0.5 vs neg 0.5 tie (0.5), pos 0.5 vs neg 0.2 ok, pos 0.9 beats both -> (0.5 + 1 + 1 + 1) / 4
    expect(rocAuc([0.2, 0.5, 0.5, 0.9], [0, 0, 1, 1])).toBeCloseTo(0.875, 12);
  });

  it('given one class only, when AUC is computed, then it is NaN', () => {
    expect(rocAuc([0.2, 0.3], [1, 1])).toBeNaN();
  });

  it('given hand-made bins, when ECE is computed, then it weights each bin gap by its size', () => {
    // bin [0.1,0.2): p 0.15, 0.15 -> mean 0.15, observed 0.5 (gap 0.35, weight 2/5)
    // bin [0.9,1.0]: p 0.95, 0.95, 1.0 -> mean 0.9667, observed 2/3 (gap 0.3, weight 3/5)
    const ece = expectedCalibrationError([0.15, 0.15, 0.95, 0.95, 1], [0, 1, 1, 1, 0]);
    expect(ece).toBeCloseTo((2 / 5) * 0.35 + (3 / 5) * (2.9 / 3 - 2 / 3), 12);
  });

  it('given perfectly calibrated bins, when ECE is computed, then it is zero', () => {
    expect(expectedCalibrationError([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0])).toBeCloseTo(0, 12);
  });

  it('given ten leads, when precision in the top 20% is computed, then it counts positives among the best two', () => {
    const scores = [0.9, 0.1, 0.8, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.05];
    const labels = [1, 0, 0, 0, 0, 0, 0, 0, 1, 0];
    expect(precisionAtTop(scores, labels, 0.2)).toBe(0.5);
    // 0.2 x 11 = 2.2 -> the top three
    expect(precisionAtTop([...scores, 0], [...labels, 0], 0.2)).toBeCloseTo(2 / 3, 12);
  });

  it('given probabilities, when log loss is computed, then it is the mean negative log-likelihood', () => {
    expect(logLoss([0.8, 0.4], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(Number.isFinite(logLoss([0, 1], [1, 0]))).toBe(true);
  });
});
