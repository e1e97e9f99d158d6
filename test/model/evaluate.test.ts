import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LeadscoreError } from '../../src/errors.js';
import { evaluateCsv, stratifiedFolds } from '../../src/model/evaluate.js';
import { createRandom } from '../../src/model/random.js';

function csvOf(count: number, seed: number, edit?: (row: string[], index: number) => void): string {
  const random = createRandom(seed);
  const lines = ['Lead Number;Source;Visits;Converted'];
  for (let index = 0; index < count; index++) {
    const source = random() < 0.5 ? 'Reference' : 'Google';
    const visits = Math.floor(random() * 10);
    const converted = random() < (source === 'Reference' ? 0.7 : 0.2) + visits * 0.02 ? 1 : 0;
    const row = [String(1000 + index), source, String(visits), String(converted)];
    edit?.(row, index);
    lines.push(row.join(';'));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function errorOf(run: () => unknown): LeadscoreError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LeadscoreError);
    return error as LeadscoreError;
  }
  throw new Error('expected an error');
}

describe('evaluateCsv', () => {
  it('given a small semicolon CSV, when evaluated with a time order, then CV and out-of-time figures are reported', () => {
    const report = evaluateCsv({
      csv: csvOf(600, 1),
      target: 'Converted',
      timeOrder: 'Lead Number',
      folds: 3,
      repeats: 1,
      model: { gbt: { maxIterations: 60 } },
    });
    expect(report.rows).toBe(600);
    expect(report.featureNames).toEqual(['Source', 'Visits']);
    expect(report.cv.folds).toBe(3);
    expect(report.cv.auc.mean).toBeGreaterThan(0.65);
    expect(report.outOfTime?.auc).toBeGreaterThan(0.6);
    expect(report.reference.outOfTime).not.toBeNull();
    expect(report.cv.ece).toBeGreaterThanOrEqual(0);
  });

  it('given no target column, when evaluated, then the error names the column', () => {
    const error = errorOf(() => evaluateCsv({ csv: csvOf(50, 2), target: 'Won' }));
    expect(error.code).toBe('ERR_MODEL_INPUT');
    expect(error.message).toMatch(/target column "Won" is not in the CSV header/);
  });

  it('given a target with one class, when evaluated, then the error says so', () => {
    const csv = csvOf(50, 3, (row) => {
      row[3] = '0';
    });
    expect(errorOf(() => evaluateCsv({ csv, target: 'Converted' })).message).toMatch(
      /"Converted" has one class only/,
    );
  });

  it('given an empty target cell, when evaluated, then the error names the column and row', () => {
    const csv = csvOf(50, 4, (row, index) => {
      if (index === 6) row[3] = '';
    });
    expect(errorOf(() => evaluateCsv({ csv, target: 'Converted' })).message).toMatch(
      /target column "Converted" is empty at row 7 \(line 8\)/,
    );
  });

  it('given a time-order cell that is not a number, when evaluated, then the error names the column and row', () => {
    const csv = csvOf(50, 5, (row, index) => {
      if (index === 9) row[0] = 'yesterday';
    });
    const error = errorOf(() => evaluateCsv({ csv, target: 'Converted', timeOrder: 'Lead Number' }));
    expect(error.message).toBe(
      'time-order column "Lead Number" has "yesterday", not a number, at row 10 (line 11)',
    );
  });

  it('given a declared numeric column with text, when evaluated, then the error names the column and row', () => {
    const csv = csvOf(50, 6, (row, index) => {
      if (index === 2) row[2] = 'lots';
    });
    expect(errorOf(() => evaluateCsv({ csv, target: 'Converted', numeric: ['Visits'] })).message).toMatch(
      /numeric column "Visits" has "lots", not a number, at row 3 \(line 4\)/,
    );
  });

  it('given labels, when folds are dealt, then every fold keeps the class balance', () => {
    const labels = Array.from({ length: 100 }, (_, index) => (index < 30 ? 1 : 0));
    const folds = stratifiedFolds(labels, 5, 1);
    for (let fold = 0; fold < 5; fold++) {
      const members = labels.filter((_, index) => folds[index] === fold);
      expect(members.length).toBe(20);
      expect(members.filter((label) => label === 1).length).toBe(6);
    }
  });
});

const leads = new URL('../../../shared/datasets/x-education-leads/Leads.csv', import.meta.url);

describe('the X Education leads (reduced protocol)', () => {
  it.skipIf(!existsSync(fileURLToPath(leads)))(
    'given the honest set C, when 1 x 3-fold CV runs, then AUC exceeds 0.88 and the leaky columns stay out',
    () => {
      const report = evaluateCsv({
        csv: fileURLToPath(leads),
        target: 'Converted',
        exclude: [
          'Prospect ID',
          'Tags',
          'Lead Quality',
          'Lead Profile',
          'Last Notable Activity',
          'Asymmetrique Activity Index',
          'Asymmetrique Profile Index',
          'Asymmetrique Activity Score',
          'Asymmetrique Profile Score',
          'Lead Number',
        ],
        folds: 3,
        repeats: 1,
      });
      expect(report.rows).toBe(9240);
      expect(report.positives).toBe(3561);
      expect(report.cv.auc.mean).toBeGreaterThan(0.88);
      expect(report.cv.auc.mean).toBeLessThan(0.95); // a leak would show as ~0.98
    },
    60_000,
  );
});
