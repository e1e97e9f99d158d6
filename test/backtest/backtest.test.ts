import { describe, expect, it } from 'vitest';
import { runBacktest, weekPoints } from '../../src/backtest/backtest.js';
import { storedHistory } from '../../src/backtest/history.js';
import { openStore } from '../../src/store/index.js';
import { AS_OF, DAY, smallHistory, smallRules } from './fixture.js';

function historyStore() {
  const store = openStore(':memory:');
  const { records, events } = smallHistory();
  store.upsertRecords(records, AS_OF - 400 * DAY);
  store.insertEvents(events);
  return store;
}

describe('runBacktest on three hand-scored leads', () => {
  const store = historyStore();
  const result = runBacktest(storedHistory(store), {
    candidate: smallRules(60),
    baseline: smallRules(40),
    asOf: AS_OF,
    weeks: 4,
  });

  it('given demo 40 vs 60 points, then the bands are those worked out by hand', () => {
    // baseline: r1 30+40=70 A2, r2 30 A3, r3 0+40 D2; candidate: r1 90 A1, r2 A3, r3 60 D1.
    expect(result.records).toBe(3);
    expect(Object.entries(result.baseline.bands).filter(([, n]) => n > 0)).toEqual([
      ['A2', 1],
      ['A3', 1],
      ['D2', 1],
    ]);
    expect(Object.entries(result.candidate.bands).filter(([, n]) => n > 0)).toEqual([
      ['A1', 1],
      ['A3', 1],
      ['D1', 1],
    ]);
    expect(result.bandChanges).toBe(2);
    expect(result.baseline.stages).toEqual({ MQL: 1, SQL: 0, '(none)': 2 });
    expect(result.candidate.stages).toEqual({ MQL: 1, SQL: 1, '(none)': 1 });
    expect(result.candidate.meanScore).toBe(60);
    expect(result.baseline.meanScore).toBeCloseTo(46.7, 5);
  });

  it('given demos 10 and 3 days ago, then each crossing lands in the week it happened', () => {
    expect(result.baseline.crossings.map((week) => week.counts)).toEqual([
      { MQL: 0, SQL: 0 },
      { MQL: 0, SQL: 0 },
      { MQL: 1, SQL: 0 },
      { MQL: 0, SQL: 0 },
    ]);
    // r1 jumps straight to SQL (crossing MQL too) in week 3; r3 becomes MQL in week 4.
    expect(result.candidate.crossings.map((week) => week.counts)).toEqual([
      { MQL: 0, SQL: 0 },
      { MQL: 0, SQL: 0 },
      { MQL: 1, SQL: 1 },
      { MQL: 1, SQL: 0 },
    ]);
    expect(result.candidate.crossings.map((week) => week.weekStart)).toEqual(
      weekPoints(AS_OF, 4).slice(0, 4),
    );
  });

  it('given one known conversion and one known non-conversion, then the rates per band follow; r3 is too recent', () => {
    expect(result.labelled).toEqual({ converted: 1, notConverted: 1 });
    const known = (side: typeof result.candidate) => side.conversion.filter((row) => row.known > 0);
    expect(known(result.baseline)).toEqual([
      { band: 'A2', known: 1, converted: 1, rate: 1 },
      { band: 'A3', known: 1, converted: 0, rate: 0 },
    ]);
    expect(known(result.candidate)).toEqual([
      { band: 'A1', known: 1, converted: 1, rate: 1 },
      { band: 'A3', known: 1, converted: 0, rate: 0 },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('given MQL at 0, then the result warns that every lead would be MQL', () => {
    const flood = runBacktest(storedHistory(store), {
      candidate: smallRules(40, 0),
      baseline: smallRules(40),
      asOf: AS_OF,
      weeks: 2,
    });
    expect(flood.warnings).toHaveLength(1);
    expect(flood.warnings[0]).toMatch(/every one of the 3 leads would be MQL/);
  });

  it('given a weeks count out of range, then it throws before scoring', () => {
    expect(() =>
      runBacktest([], { candidate: smallRules(1), baseline: smallRules(1), asOf: AS_OF, weeks: 0 }),
    ).toThrow(/weeks/);
  });
});
