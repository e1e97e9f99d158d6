import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/util/random.js';
import { runCli } from './helpers.js';

/** A small labelled CSV where `source` and `visits` carry signal, `;`-delimited with quoted fields. */
function labelledCsv(rows: number): string {
  const random = seededRandom(3);
  const lines = ['id;source;visits;note;converted'];
  for (let index = 0; index < rows; index++) {
    const source = random() < 0.5 ? 'Referral' : 'Ads';
    const visits = Math.floor(random() * 10);
    const chance = (source === 'Referral' ? 0.5 : 0.1) + visits * 0.04;
    lines.push(`${index};${source};${visits};"a; quoted note";${random() < chance ? 1 : 0}`);
  }
  return lines.join('\n');
}

describe('leadscore model evaluate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-model-'));
  const csv = join(dir, 'leads.csv');
  writeFileSync(csv, labelledCsv(400));

  it('given a labelled CSV, when evaluated with --json OUT, then OUT holds the comparable figures', () => {
    const out = join(dir, 'figures.json');
    const result = runCli([
      'model',
      'evaluate',
      '--csv',
      csv,
      '--target',
      'converted',
      '--exclude',
      'id,note',
      '--time-order',
      'id',
      '--folds',
      '3',
      '--repeats',
      '1',
      '--json',
      out,
    ]);
    expect(result.status, result.stderr).toBe(0);
    const figures = JSON.parse(readFileSync(out, 'utf8'));
    expect(figures.rows).toBe(400);
    expect(figures.cv.auc.mean).toBeGreaterThan(0.6);
    expect(figures.outOfTime.auc).toBeGreaterThan(0.5);
    for (const key of ['logLoss', 'ece', 'precisionTop20']) expect(figures.cv[key]).toBeTypeOf('number');
  });

  it('given a target column that does not exist, when evaluated, then the error names it and nothing is written', () => {
    const out = join(dir, 'never.json');
    const result = runCli(['model', 'evaluate', '--csv', csv, '--target', 'won', '--json', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('won');
    expect(() => readFileSync(out)).toThrow();
  });
});
