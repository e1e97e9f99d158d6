import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTable } from '../src/cli/output.js';
import { mkdirResults, runCoreBench } from './core.js';
import { renderHubSpotBench, runHubSpotBench } from './hubspot.js';
import { renderModelBench, runModelBench } from './model.js';
import { renderSalesforceBench, runSalesforceBench } from './salesforce.js';

/** `npm run bench [-- --quick]`: prints the tables and writes bench/results/{core,hubspot,salesforce,model}.json (-quick). */
const quick = process.argv.includes('--quick');
// `--only core|hubspot|salesforce|model` runs one part.
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : undefined;
if (only !== undefined && !['core', 'hubspot', 'salesforce', 'model'].includes(only)) {
  process.stderr.write(`--only "${only}" is not one of core, hubspot, salesforce, model\n`);
  process.exit(2);
}
const runs = (part: string) => only === undefined || only === part;
const size = quick ? { records: 10_000, eventsPerRecord: 10 } : { records: 100_000, eventsPerRecord: 10 };
if (runs('core')) {
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
        [
          `incremental rescore of ${result.incrementalRecords} records (ms)`,
          result.incrementalMs,
          `< 100 ${mark(result.targets.incrementalUnder100ms)}`,
        ],
        ['peak RSS (MiB)', result.peakRssMiB, `< 300 ${mark(result.targets.peakRssUnder300MiB)}`],
      ],
      ['left', 'right', 'left'],
    )}\n`,
  );
  const out = join(mkdirResults(), quick ? 'core-quick.json' : 'core.json');
  writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), quick, ...result }, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}

// The HubSpot benchmark: sandbox, leadscore syncs and the naive SDK user each in a child process (bench/hubspot.ts).
if (runs('hubspot')) {
  const hubspot = await runHubSpotBench({ quick });
  process.stdout.write(`\n${renderHubSpotBench(hubspot)}\n`);
  const hubspotOut = join(mkdirResults(), quick ? 'hubspot-quick.json' : 'hubspot.json');
  writeFileSync(hubspotOut, `${JSON.stringify({ at: new Date().toISOString(), ...hubspot }, null, 2)}\n`);
  process.stdout.write(`wrote ${hubspotOut}\n`);
}

// The Salesforce benchmark: sandbox and each leadscore sync in a child process (bench/salesforce.ts).
if (runs('salesforce')) {
  const salesforce = await runSalesforceBench({ quick });
  process.stdout.write(`\n${renderSalesforceBench(salesforce)}\n`);
  const salesforceOut = join(mkdirResults(), quick ? 'salesforce-quick.json' : 'salesforce.json');
  writeFileSync(
    salesforceOut,
    `${JSON.stringify({ at: new Date().toISOString(), ...salesforce }, null, 2)}\n`,
  );
  process.stdout.write(`wrote ${salesforceOut}\n`);
}

// Predictive scoring on the real labelled leads in ../shared (bench/model.ts), with the reference beside it.
if (runs('model')) {
  const model = await runModelBench({ quick });
  process.stdout.write(`\n${renderModelBench(model)}\n`);
  const modelOut = join(mkdirResults(), quick ? 'model-quick.json' : 'model.json');
  writeFileSync(modelOut, `${JSON.stringify({ at: new Date().toISOString(), ...model }, null, 2)}\n`);
  process.stdout.write(`wrote ${modelOut}\n`);
}
