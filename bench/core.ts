import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { importFiles } from '../src/cli/commands/import.js';
import type { EngagementEvent } from '../src/crm/vocabulary.js';
import { writeSyntheticFiles } from '../src/sample/synthetic.js';
import { ruleSetSchema } from '../src/scoring/rules-schema.js';
import { openStore } from '../src/store/index.js';
import { rescore, resolveAsOf } from '../src/sync/rescore.js';

/**
 * The core benchmark (issue: scoring core): import, full rescore and incremental rescore on a synthetic
 * population. Targets: full rescore of 100k records / 1M events < 5 s, incremental rescore of 1,000 changed
 * records < 100 ms, peak RSS < 300 MiB.
 *
 * Each step runs in a child process of its own, as `leadscore import` and `leadscore score` do: generating the
 * synthetic files (test data, not leadscore) and importing them leave a heap that would otherwise be counted
 * in the scoring's peak RSS. Each child reports its own peak; the target is on the import and scoring steps.
 */
export interface CoreBenchResult {
  records: number;
  events: number;
  importSeconds: number;
  importEventsPerSecond: number;
  fullRescoreSeconds: number;
  fullRescoreRecordsPerSecond: number;
  fullRescoreEventsPerSecond: number;
  secondFullRescoreChanged: number;
  incrementalRecords: number;
  incrementalMs: number;
  /** CPU time (user + system) of the same steps: steadier than wall time on a shared machine. */
  cpu: {
    importSeconds: number;
    fullRescoreSeconds: number;
    secondFullRescoreSeconds: number;
    incrementalMs: number;
    idleIncrementalMs: number;
  };
  /** A 'changed' rescore with nothing to do, right after the incremental one. */
  idleIncrementalMs: number;
  /** The larger of the import's and the scoring's peak RSS. */
  peakRssMiB: number;
  /** Each step's process peak RSS; `generate` makes the synthetic files and is not leadscore's. */
  peakRssMiBByStep: { generate: number; import: number; rescore: number };
  targets: { fullRescoreUnder5s: boolean; incrementalUnder100ms: boolean; peakRssUnder300MiB: boolean };
}

const NOW = Date.UTC(2026, 10, 25, 12);
const SELF = fileURLToPath(import.meta.url);

const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const peakRssMiB = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

/** What each step's child prints (one JSON line on stdout). */
interface GenerateOutput {
  records: number;
  events: number;
  peakRssMiB: number;
}
interface ImportOutput {
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
}
interface RescoreOutput {
  records: number;
  events: number;
  fullSeconds: number;
  fullCpuSeconds: number;
  secondFullCpuSeconds: number;
  secondFullChanged: number;
  incrementalRecords: number;
  incrementalMs: number;
  incrementalCpuMs: number;
  idleIncrementalMs: number;
  idleIncrementalCpuMs: number;
  peakRssMiB: number;
}

function files(folder: string) {
  return {
    records: join(folder, 'records.jsonl'),
    events: join(folder, 'events.jsonl'),
    store: join(folder, 'bench.db'),
  };
}

function generateStep(folder: string, records: number, eventsPerRecord: number): GenerateOutput {
  const generated = writeSyntheticFiles({ seed: 7, records, eventsPerRecord, now: NOW }, files(folder));
  return { records: generated.records, events: generated.events, peakRssMiB: peakRssMiB() };
}

async function importStep(folder: string): Promise<ImportOutput> {
  const paths = files(folder);
  const store = openStore(paths.store);
  try {
    const started = performance.now();
    const cpuStarted = cpuMs();
    await importFiles(
      store,
      { records: [paths.records], events: [paths.events] },
      { source: 'file', now: NOW },
    );
    return {
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: (cpuMs() - cpuStarted) / 1000,
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    store.close();
  }
}

function rescoreStep(folder: string, recordCount: number): RescoreOutput {
  const rules = ruleSetSchema.parse(
    parse(readFileSync(new URL('../config/rules.default.yaml', import.meta.url), 'utf8')),
  );
  const asOf = resolveAsOf(NOW, 'day');
  const store = openStore(files(folder).store);
  try {
    let started = performance.now();
    let cpuStarted = cpuMs();
    const full = rescore(store, rules, { mode: 'all', asOf, now: NOW });
    const fullSeconds = (performance.now() - started) / 1000;
    const fullCpuSeconds = (cpuMs() - cpuStarted) / 1000;
    cpuStarted = cpuMs();
    const again = rescore(store, rules, { mode: 'all', asOf, now: NOW });
    const secondFullCpuSeconds = (cpuMs() - cpuStarted) / 1000;

    // 1% of records get new events, then only they are rescored.
    const changed = Math.max(1, Math.floor(recordCount / 100));
    const fresh: EngagementEvent[] = [];
    for (let index = 0; index < changed; index++) {
      const recordExternalId = `lead-${index * 100}`;
      fresh.push(
        {
          source: 'file',
          sourceId: `bench-new-${index}-a`,
          recordExternalId,
          type: 'page_view',
          occurredAt: NOW - 60_000,
          attributes: { url: 'https://www.example.com/pricing' },
        },
        {
          source: 'file',
          sourceId: `bench-new-${index}-b`,
          recordExternalId,
          type: 'email_click',
          occurredAt: NOW - 30_000,
          attributes: { campaignId: 'campaign-1' },
        },
      );
    }
    store.insertEvents(fresh);
    started = performance.now();
    cpuStarted = cpuMs();
    const incremental = rescore(store, rules, { mode: 'changed', asOf, now: NOW });
    const incrementalMs = performance.now() - started;
    const incrementalCpuMs = cpuMs() - cpuStarted;
    started = performance.now();
    cpuStarted = cpuMs();
    rescore(store, rules, { mode: 'changed', asOf, now: NOW });
    return {
      records: full.records,
      events: full.events,
      fullSeconds,
      fullCpuSeconds,
      secondFullCpuSeconds,
      secondFullChanged: again.changed,
      incrementalRecords: incremental.records,
      incrementalMs,
      incrementalCpuMs,
      idleIncrementalMs: performance.now() - started,
      idleIncrementalCpuMs: cpuMs() - cpuStarted,
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    store.close();
  }
}

/** Runs one step in a child process and returns what it printed. */
function runStep<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      out += text;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`core bench step "${args[0]}" exited with ${code}`));
      else resolve(JSON.parse(out) as T);
    });
  });
}

export async function runCoreBench(size: {
  records: number;
  eventsPerRecord: number;
}): Promise<CoreBenchResult> {
  const folder = mkdtempSync(join(tmpdir(), 'leadscore-bench-'));
  try {
    const generated = await runStep<GenerateOutput>([
      'generate',
      folder,
      String(size.records),
      String(size.eventsPerRecord),
    ]);
    const imported = await runStep<ImportOutput>(['import', folder]);
    const scored = await runStep<RescoreOutput>(['rescore', folder, String(generated.records)]);
    const peak = Math.max(imported.peakRssMiB, scored.peakRssMiB);
    return {
      records: generated.records,
      events: generated.events,
      importSeconds: round(imported.seconds),
      importEventsPerSecond: Math.round(generated.events / imported.seconds),
      fullRescoreSeconds: round(scored.fullSeconds),
      fullRescoreRecordsPerSecond: Math.round(scored.records / scored.fullSeconds),
      fullRescoreEventsPerSecond: Math.round(scored.events / scored.fullSeconds),
      secondFullRescoreChanged: scored.secondFullChanged,
      incrementalRecords: scored.incrementalRecords,
      incrementalMs: round(scored.incrementalMs, 1),
      idleIncrementalMs: round(scored.idleIncrementalMs, 1),
      cpu: {
        importSeconds: round(imported.cpuSeconds),
        fullRescoreSeconds: round(scored.fullCpuSeconds),
        secondFullRescoreSeconds: round(scored.secondFullCpuSeconds),
        incrementalMs: round(scored.incrementalCpuMs, 1),
        idleIncrementalMs: round(scored.idleIncrementalCpuMs, 1),
      },
      peakRssMiB: peak,
      peakRssMiBByStep: {
        generate: generated.peakRssMiB,
        import: imported.peakRssMiB,
        rescore: scored.peakRssMiB,
      },
      targets: {
        fullRescoreUnder5s: scored.fullSeconds < 5,
        incrementalUnder100ms: scored.incrementalMs < 100,
        peakRssUnder300MiB: peak < 300,
      },
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function round(value: number, decimals = 2): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export function mkdirResults(): string {
  const folder = new URL('./results/', import.meta.url).pathname;
  mkdirSync(folder, { recursive: true });
  return folder;
}

// --- child entry: `tsx bench/core.ts generate|import|rescore <folder> ...` (run by runCoreBench) --------------

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [step, folder, ...rest] = process.argv.slice(2);
  const steps: Record<string, () => unknown> = {
    generate: () => generateStep(folder!, Number(rest[0]), Number(rest[1])),
    import: () => importStep(folder!),
    rescore: () => rescoreStep(folder!, Number(rest[0])),
  };
  const run = steps[step ?? ''];
  if (run === undefined || folder === undefined) {
    process.stderr.write(
      'usage: bench/core.ts generate|import|rescore <folder> ... (run by `npm run bench`)\n',
    );
    process.exit(2);
  }
  Promise.resolve(run()).then(
    (output) => writeFileSync(1, `${JSON.stringify(output)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
