import { describe, expect, it } from 'vitest';
import { calibrate, chooseCalibrator, fitIsotonic, fitPlatt } from '../../src/model/calibration.js';
import { binRows, compilePipeline, fitPipeline, type RawRow } from '../../src/model/features.js';
import { compileTree, gbtLogits, trainGbt } from '../../src/model/gbt.js';
import { expectedCalibrationError, logit, rocAuc } from '../../src/model/metrics.js';
import {
  explainPrediction,
  predictLogits,
  predictProbabilities,
  trainLeadModel,
} from '../../src/model/model.js';
import { createRandom } from '../../src/model/random.js';
import { deserializeModel, serializeModel } from '../../src/model/serialize.js';
import { SYNTHETIC_COLUMNS, synthesizeLeads } from '../../src/model/synthetic.js';

function xorData(count: number, seed: number): { rows: RawRow[]; labels: number[] } {
  const random = createRandom(seed);
  const rows: RawRow[] = [];
  const labels: number[] = [];
  for (let index = 0; index < count; index++) {
    const a = random();
    const b = random();
    rows.push({ a, b, plan: random() < 0.5 ? 'Pro' : 'Free' });
    const truth = a > 0.5 !== b > 0.5 ? 1 : 0;
    labels.push(random() < 0.9 ? truth : 1 - truth);
  }
  return { rows, labels };
}

describe('the lead model', () => {
  it('given an XOR interaction, when both models are trained, then the trees learn it and the logistic cannot', () => {
    const train = xorData(2000, 1);
    const test = xorData(1000, 2);
    const options = { columns: ['a', 'b', 'plan'], calibration: 'none' as const };
    const gbt = trainLeadModel(train.rows, train.labels, { ...options, blend: 1 });
    const logistic = trainLeadModel(train.rows, train.labels, { ...options, blend: 0 });
    expect(rocAuc(predictProbabilities(gbt, test.rows), test.labels)).toBeGreaterThan(0.85);
    expect(rocAuc(predictProbabilities(logistic, test.rows), test.labels)).toBeLessThan(0.6);
  });

  it('given an XOR interaction and blend auto, when trained, then validation puts the weight on the trees', () => {
    const train = xorData(2000, 3);
    const model = trainLeadModel(train.rows, train.labels, { columns: ['a', 'b', 'plan'] });
    expect(model.gbtWeight).toBeGreaterThanOrEqual(0.8);
  });

  it('given a category that decides the label, when split natively, then one split separates it from many others', () => {
    const random = createRandom(5);
    const cities = Array.from({ length: 12 }, (_, index) => `City ${index}`);
    const rows = Array.from({ length: 1200 }, () => ({ city: cities[Math.floor(random() * 12)]! }));
    // odd-numbered cities convert: no ordering of codes separates them, sorting by gradient does
    const labels = rows.map((row) => (Number(row.city.split(' ')[1]) % 2 === 1 ? 1 : 0));
    const compiled = compilePipeline(fitPipeline(rows, { columns: ['city'] }));
    const data = binRows(compiled, rows);
    const model = trainGbt(data, labels, {
      maxLeafNodes: 2,
      maxIterations: 1,
      learningRate: 1,
      categoricalL2: 0,
    });
    const scores = gbtLogits(
      model.trees.map((tree) => compileTree(tree, model.nBins)),
      model.init,
      data,
    );
    expect(rocAuc(scores, labels)).toBe(1);
  });

  it('given the same rows and seed, when trained twice, then the serialized models are byte-identical', () => {
    const data = synthesizeLeads(1500, 11);
    const options = { columns: SYNTHETIC_COLUMNS, timeOrder: data.time, seed: 42 };
    const first = serializeModel(trainLeadModel(data.rows, data.labels, options));
    const second = serializeModel(trainLeadModel(data.rows, data.labels, options));
    expect(second).toBe(first);
    const other = serializeModel(
      trainLeadModel(data.rows, data.labels, { ...options, seed: 43, timeOrder: undefined }),
    );
    expect(other).not.toBe(first);
  });

  it('given rows with missing and unseen values, when scored in batches, then the packed forest matches tree-by-tree scoring', () => {
    const data = synthesizeLeads(3000, 14);
    const model = trainLeadModel(data.rows, data.labels, {
      columns: SYNTHETIC_COLUMNS,
      blend: 1,
      calibration: 'none',
    });
    const rows: RawRow[] = [
      ...synthesizeLeads(1500, 15).rows,
      { 'Lead Source': 'Carrier pigeon', TotalVisits: 'Select', Country: null },
      {},
    ];
    const gbt = model.gbt!;
    const expected = gbtLogits(
      gbt.trees.map((tree) => compileTree(tree, gbt.nBins)),
      gbt.init,
      binRows(compilePipeline(model.pipeline), rows),
    );
    const actual = predictLogits(model, rows);
    expect(Math.max(...actual.map((value, row) => Math.abs(value - expected[row]!)))).toBeLessThan(1e-9);
  });

  it('given a serialized model, when read back, then it scores exactly as the original', () => {
    const data = synthesizeLeads(1500, 12);
    const model = trainLeadModel(data.rows, data.labels, { columns: SYNTHETIC_COLUMNS });
    const copy = deserializeModel(serializeModel(model));
    expect(Array.from(predictLogits(copy, data.rows.slice(0, 50)))).toEqual(
      Array.from(predictLogits(model, data.rows.slice(0, 50))),
    );
  });

  it.each([
    ['not json', /not JSON/],
    ['{"format":"other"}', /not a leadscore-model/],
    ['{"format":"leadscore-model","version":99}', /version 99/],
    ['{"format":"leadscore-model","version":1}', /lacks or garbles/],
  ])(
    'given the saved text %s, when deserialized, then ERR_MODEL_FORMAT says what is wrong',
    (text, message) => {
      expect(() => deserializeModel(text)).toThrow(message);
      try {
        deserializeModel(text);
      } catch (error) {
        expect((error as { code: string }).code).toBe('ERR_MODEL_FORMAT');
      }
    },
  );

  it('given a lead from a strongly converting source, when explained, then the top reason names that source', () => {
    const data = synthesizeLeads(4000, 13);
    const model = trainLeadModel(data.rows, data.labels, { columns: SYNTHETIC_COLUMNS, seed: 1 });
    const lead = {
      'Lead Source': 'Reference',
      'Last Activity': 'Email Bounced',
      Occupation: 'Unemployed',
      Country: 'India',
      'Do Not Email': 'No',
      TotalVisits: 2,
      'Total Time Spent on Website': 300,
      'Page Views Per Visit': 2,
    };
    const explanation = explainPrediction(model, lead, 3);
    expect(explanation.positive[0]?.text).toBe('Lead Source: Reference (+)');
    expect(explanation.negative[0]?.text).toBe('Last Activity: Email Bounced (-)');
    const sum = explanation.baseline + Object.values(explanation.contributions).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(predictLogits(model, [lead])[0]!, 9);
    expect(explanation.probability).toBeCloseTo(predictProbabilities(model, [lead])[0]!, 12);
  });
});

describe('calibration', () => {
  function overconfident(count: number, seed: number) {
    const random = createRandom(seed);
    const scores: number[] = [];
    const labels: number[] = [];
    for (let index = 0; index < count; index++) {
      const p = 0.05 + 0.9 * random();
      scores.push(3 * logit(p)); // a model three times too sure of itself
      labels.push(random() < p ? 1 : 0);
    }
    return { scores, labels };
  }

  it('given overconfident scores with known probabilities, when Platt-calibrated on held-out rows, then ECE becomes small', () => {
    const fit = overconfident(4000, 1);
    const test = overconfident(4000, 2);
    const raw = expectedCalibrationError(
      test.scores.map((score) => calibrate({ kind: 'none' }, score)),
      test.labels,
    );
    const platt = fitPlatt(fit.scores, fit.labels);
    const calibrated = expectedCalibrationError(
      test.scores.map((score) => calibrate(platt, score)),
      test.labels,
    );
    expect(raw).toBeGreaterThan(0.08);
    expect(calibrated).toBeLessThan(0.025);
    expect(platt.kind === 'platt' && platt.a).toBeCloseTo(1 / 3, 1);
  });

  it('given the same data, when isotonic-calibrated, then ECE is small and the map is monotone', () => {
    const fit = overconfident(4000, 3);
    const test = overconfident(4000, 4);
    const isotonic = fitIsotonic(fit.scores, fit.labels);
    const probabilities = test.scores.map((score) => calibrate(isotonic, score));
    expect(expectedCalibrationError(probabilities, test.labels)).toBeLessThan(0.03);
    const grid = [-10, -5, -1, 0, 1, 5, 10].map((score) => calibrate(isotonic, score));
    expect([...grid].sort((a, b) => a - b)).toEqual(grid);
  });

  it('given miscalibrated scores, when the calibrator is chosen out of sample, then "none" is not chosen', () => {
    const fit = overconfident(3000, 5);
    const chosen = chooseCalibrator(fit.scores, fit.labels, 1);
    expect(chosen.calibrator.kind).not.toBe('none');
    expect(chosen.ece.none).toBeGreaterThan(chosen.ece.platt!);
  });
});
