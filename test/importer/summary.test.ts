import { describe, expect, it } from 'vitest';
import { type ImportProblem, ProblemTally, summariseProblems } from '../../src/importer/index.js';
import { collect, fixture } from './helpers.js';

const problem = (line: number, severity: ImportProblem['severity'], kind: string): ImportProblem => ({
  file: 'f.csv',
  line,
  severity,
  kind,
  message: `line ${line}: ${kind}`,
});

describe('summariseProblems', () => {
  it('given no problems when summarised then it says so', () => {
    expect(summariseProblems([])).toBe('No problems.');
  });

  it('given more problems than the limit when summarised then it lists the first few and counts by kind', () => {
    const problems = [
      problem(2, 'error', 'type is not an event type'),
      problem(3, 'warning', 'duplicate id'),
      problem(4, 'error', 'type is not an event type'),
      problem(5, 'error', 'malformed JSON'),
    ];
    expect(summariseProblems(problems, 2)).toBe(
      [
        '3 errors (rows skipped), 1 warning.',
        'First 2:',
        '  error   f.csv line 2: type is not an event type',
        '  warning f.csv line 3: duplicate id',
        '  ... and 2 more',
        'By kind:',
        '        2  error   type is not an event type',
        '        1  error   malformed JSON',
        '        1  warning duplicate id',
      ].join('\n'),
    );
  });

  it('given problems arriving batch by batch when tallied then only the first few are kept', async () => {
    const tally = new ProblemTally(3);
    for await (const batch of (await collect(fixture('records.jsonl'), { kind: 'records', batchSize: 1 }))
      .batches) {
      tally.add(batch.problems);
    }
    expect([tally.errors, tally.warnings, tally.total, tally.first.length]).toEqual([3, 4, 7, 3]);
    expect(tally.byKind()[0]).toMatchObject({ severity: 'error', count: 1 });
  });
});
