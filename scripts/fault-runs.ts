/**
 * The full crash-run proof of issue #5: `npx tsx scripts/fault-runs.ts --runs 20 [--seed 1] [--contacts 250]`.
 * Each run SIGKILLs a real daemon at a seeded random point of its pull, scoring or write-back, restarts it, and
 * compares the end state with an uninterrupted run (test/daemon/crash-harness.ts). Exits 1 on any difference.
 * CI runs three of these in test/daemon/crash.test.ts.
 */
import { parseArgs } from 'node:util';
import { crashRuns, DEFAULT_CRASH_OPTIONS, problemsOf, summarize } from '../test/daemon/crash-harness.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    contacts: { type: 'string', default: String(DEFAULT_CRASH_OPTIONS.contacts) },
    json: { type: 'boolean', default: false },
  },
});
const count = Number(values.runs);
const firstSeed = Number(values.seed);
const contacts = Number(values.contacts);
if (![count, firstSeed, contacts].every((n) => Number.isInteger(n) && n >= 1)) {
  console.error('--runs, --seed and --contacts take whole numbers of at least 1, e.g. --runs 20 --seed 1');
  process.exit(2);
}

const started = Date.now();
const { reference, results } = await crashRuns(
  count,
  firstSeed,
  { ...DEFAULT_CRASH_OPTIONS, contacts },
  (result) => {
    const problems = problemsOf(result);
    console.error(
      `seed ${result.seed}: killed in ${result.aimed} (${result.trigger}, landed in ${result.landed}); ` +
        `${result.duplicateWrites} duplicate writes; ${problems.length === 0 ? 'end state equal' : problems.join('; ')} ` +
        `(${(result.wallMs / 1000).toFixed(1)} s)`,
    );
  },
);
const summary = summarize(results);
const report = {
  ...summary,
  dataset: {
    contacts,
    records: Object.keys(reference.snapshot.records).length,
    events: Object.keys(reference.snapshot.events).length,
  },
  wallSeconds: Math.round((Date.now() - started) / 1000),
};
if (values.json) console.log(JSON.stringify({ ...report, results }, null, 2));
else {
  console.log(
    `${summary.survived}/${summary.runs} crash runs survived (landed: ${JSON.stringify(summary.byStage)}); ` +
      `events lost ${summary.eventsLost}, scores lost ${summary.scoresLost}; duplicate writes ${summary.duplicateWrites} ` +
      `in all, at most ${summary.maxDuplicatesInOneRun} in one run; ${report.dataset.records} records, ` +
      `${report.dataset.events} events; ${report.wallSeconds} s.`,
  );
  for (const failure of summary.failures) console.log(`  ${failure}`);
}
process.exit(summary.failures.length === 0 ? 0 : 1);
