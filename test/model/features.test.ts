import { describe, expect, it } from 'vitest';
import {
  binRows,
  cleanValue,
  compilePipeline,
  describeValue,
  encodeCell,
  fitPipeline,
  inferColumnKinds,
  linearRows,
} from '../../src/model/features.js';

describe('the feature pipeline', () => {
  it.each(['Select', 'select', 'unknown', '', '  ', 'N/A', 'n/a', null, undefined, Number.NaN])(
    'given the placeholder %j, when cleaned, then it is missing',
    (value) => {
      expect(cleanValue(value)).toBeNull();
    },
  );

  it('given a real value, when cleaned, then it is kept (trimmed)', () => {
    expect(cleanValue(' Google ')).toBe('Google');
    expect(cleanValue(0)).toBe(0);
  });

  it('given columns of numbers, text and placeholders, when kinds are inferred, then any real text makes a column categorical', () => {
    const rows = [
      { a: '1', b: 'x', c: '2.5', d: 'Select' },
      { a: 'Select', b: '3', c: 'lots', d: '' },
      { a: '', b: '4', c: '1e3', d: 'unknown' },
    ];
    expect(inferColumnKinds(rows, ['a', 'b', 'c', 'd'])).toEqual({
      a: 'numeric',
      b: 'categorical',
      c: 'categorical',
      d: 'categorical',
    });
  });

  it('given case variants of a category, when fitted, then they are one category shown in its commonest spelling', () => {
    const rows = [
      ...Array.from({ length: 12 }, () => ({ source: 'Google' })),
      ...Array.from({ length: 3 }, () => ({ source: 'google' })),
      ...Array.from({ length: 10 }, () => ({ source: 'Direct' })),
    ];
    const pipeline = fitPipeline(rows, { columns: ['source'] });
    const encoder = pipeline.columns[0]!;
    expect(encoder.kind === 'categorical' && encoder.keys).toEqual(['google', 'direct']);
    const compiled = compilePipeline(pipeline);
    expect(encodeCell(compiled, 0, 'google')).toBe(encodeCell(compiled, 0, 'GOOGLE'));
    expect(describeValue(encoder, 'google')).toBe('Google');
  });

  it('given a category first seen in the test fold, when encoded, then it maps to the unseen/other code and is not learnt', () => {
    const train = [
      ...Array.from({ length: 10 }, () => ({ city: 'Mumbai', visits: '1' })),
      ...Array.from({ length: 10 }, () => ({ city: 'Pune', visits: '3' })),
    ];
    const test = [{ city: 'Chennai', visits: '1000' }];
    const pipeline = fitPipeline(train, { columns: ['city', 'visits'] });
    const city = pipeline.columns[0]!;
    expect(city.kind === 'categorical' && city.keys).toEqual(['mumbai', 'pune']);
    const compiled = compilePipeline(pipeline);
    expect(encodeCell(compiled, 0, 'Chennai')).toBe(3); // 0 missing, 1-2 kept, 3 other/unseen
    const visits = pipeline.columns[1]!;
    // the scaler saw only the training rows: the mean of 1 and 3, not pulled up by the test's 1000
    expect(visits.kind === 'numeric' && visits.center).toBe(2);
    const binned = binRows(compiled, test);
    expect(binned.bins[1]![0]).toBe(2); // above the last training edge: the top bin
  });

  it('given rare categories, when fitted, then they are pooled into "other" with unseen ones', () => {
    const rows = [
      ...Array.from({ length: 20 }, () => ({ c: 'common' })),
      ...Array.from({ length: 20 }, () => ({ c: 'usual' })),
      { c: 'rare1' },
      { c: 'rare2' },
    ];
    const pipeline = fitPipeline(rows, { columns: ['c'], minCategoryCount: 5 });
    const compiled = compilePipeline(pipeline);
    expect(encodeCell(compiled, 0, 'rare1')).toBe(encodeCell(compiled, 0, 'never seen'));
  });

  it('given missing cells, when encoded, then missingness is its own bin, category and linear indicator', () => {
    const rows = [
      { n: '1', c: 'a' },
      { n: '2', c: 'b' },
      { n: 'Select', c: 'Select' },
    ];
    const pipeline = fitPipeline(rows, { columns: ['n', 'c'], minCategoryCount: 1 });
    const compiled = compilePipeline(pipeline);
    expect(encodeCell(compiled, 0, 'Select')).toBe(0);
    expect(encodeCell(compiled, 1, '')).toBe(0);
    const design = linearRows(compiled, [{ n: null, c: 'a' }]);
    // slots: intercept, n z-score, n missing indicator, c one-hot
    expect(Array.from(design.value)).toEqual([1, 0, 1, 1]);
  });

  it('given a constant column, when fitted, then it is dropped with its reason', () => {
    const pipeline = fitPipeline(
      [
        { k: 'No', v: '1' },
        { k: 'No', v: '2' },
      ],
      { columns: ['k', 'v'], minCategoryCount: 1 },
    );
    expect(pipeline.columns.map((column) => column.name)).toEqual(['v']);
    expect(pipeline.dropped).toEqual([{ name: 'k', reason: 'constant after pooling' }]);
  });
});
