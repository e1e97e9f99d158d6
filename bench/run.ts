import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTable } from '../src/cli/output.js';
import { mkdirResults, runCoreBench } from './core.js';

/** `npm run bench [-- --quick]`: prints a table and writes bench/results/core.json. */
const quick = process.argv.includes('--quick');
const size = quick ? { records: 10_000, eventsPerRecord: 10 } : { records: 100_000, eventsPerRecord: 10 };
const result = await runCoreBench(size);
const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
process.stdout.write(
  `${renderTable(
    ['measure', 'value', 'target'],
    [
      ['records', result.records, ''],
      ['events', result.events, ''],
      ['import (s)', result.importSeconds, ''],
      ['import events/s', result.importEventsPerSecond, ''],
      ['full rescore (s)', result.fullRescoreSeconds, `< 5 ${mark(result.targets.fullRescoreUnder5s)}`],
      ['full rescore records/s', result.fullRescoreRecordsPerSecond, ''],
      ['full rescore events/s', result.fullRescoreEventsPerSecond, ''],
      ['second full rescore: scores changed', result.secondFullRescoreChanged, '0 (deterministic)'],
      [`incremental rescore of ${result.incrementalRecords} records (ms)`, result.incrementalMs, `< 100 ${mark(result.targets.incrementalUnder100ms)}`],
      ['peak RSS (MiB)', result.peakRssMiB, `< 300 ${mark(result.targets.peakRssUnder300MiB)}`],
    ],
    ['left', 'right', 'left'],
  )}\n`,
);
const out = join(mkdirResults(), quick ? 'core-quick.json' : 'core.json');
writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), quick, ...result }, null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
