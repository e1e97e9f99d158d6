import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  peakRssMiB: number;
  targets: { fullRescoreUnder5s: boolean; incrementalUnder100ms: boolean; peakRssUnder300MiB: boolean };
}

const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const peakRssMiB = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

export async function runCoreBench(size: {
  records: number;
  eventsPerRecord: number;
}): Promise<CoreBenchResult> {
  const folder = mkdtempSync(join(tmpdir(), 'leadscore-bench-'));
  try {
    const rules = ruleSetSchema.parse(
      parse(readFileSync(new URL('../config/rules.default.yaml', import.meta.url), 'utf8')),
    );
    const now = Date.UTC(2026, 10, 25, 12);
    const asOf = resolveAsOf(now, 'day');
    const files = { records: join(folder, 'records.jsonl'), events: join(folder, 'events.jsonl') };
    const generated = writeSyntheticFiles({ seed: 7, ...size, now }, files);
    const store = openStore(join(folder, 'bench.db'));
    try {
      let started = performance.now();
      let cpuStarted = cpuMs();
      await importFiles(store, { records: [files.records], events: [files.events] }, { source: 'file', now });
      const importSeconds = (performance.now() - started) / 1000;
      const importCpuSeconds = (cpuMs() - cpuStarted) / 1000;

      started = performance.now();
      cpuStarted = cpuMs();
      const full = rescore(store, rules, { mode: 'all', asOf, now });
      const fullRescoreSeconds = (performance.now() - started) / 1000;
      const fullRescoreCpuSeconds = (cpuMs() - cpuStarted) / 1000;
      cpuStarted = cpuMs();
      const again = rescore(store, rules, { mode: 'all', asOf, now });
      const secondFullRescoreCpuSeconds = (cpuMs() - cpuStarted) / 1000;

      // 1% of records get new events, then only they are rescored.
      const changed = Math.max(1, Math.floor(generated.records / 100));
      const fresh: EngagementEvent[] = [];
      for (let index = 0; index < changed; index++) {
        const recordExternalId = `lead-${index * 100}`;
        fresh.push(
          {
            source: 'file',
            sourceId: `bench-new-${index}-a`,
            recordExternalId,
            type: 'page_view',
            occurredAt: now - 60_000,
            attributes: { url: 'https://www.example.com/pricing' },
          },
          {
            source: 'file',
            sourceId: `bench-new-${index}-b`,
            recordExternalId,
            type: 'email_click',
            occurredAt: now - 30_000,
            attributes: { campaignId: 'campaign-1' },
          },
        );
      }
      store.insertEvents(fresh);
      started = performance.now();
      cpuStarted = cpuMs();
      const incremental = rescore(store, rules, { mode: 'changed', asOf, now });
      const incrementalMs = performance.now() - started;
      const incrementalCpuMs = cpuMs() - cpuStarted;
      started = performance.now();
      cpuStarted = cpuMs();
      rescore(store, rules, { mode: 'changed', asOf, now });
      const idleIncrementalMs = performance.now() - started;
      const idleIncrementalCpuMs = cpuMs() - cpuStarted;

      const peak = peakRssMiB();
      return {
        records: generated.records,
        events: generated.events,
        importSeconds: round(importSeconds),
        importEventsPerSecond: Math.round(generated.events / importSeconds),
        fullRescoreSeconds: round(fullRescoreSeconds),
        fullRescoreRecordsPerSecond: Math.round(full.records / fullRescoreSeconds),
        fullRescoreEventsPerSecond: Math.round(full.events / fullRescoreSeconds),
        secondFullRescoreChanged: again.changed,
        incrementalRecords: incremental.records,
        incrementalMs: round(incrementalMs, 1),
        idleIncrementalMs: round(idleIncrementalMs, 1),
        cpu: {
          importSeconds: round(importCpuSeconds),
          fullRescoreSeconds: round(fullRescoreCpuSeconds),
          secondFullRescoreSeconds: round(secondFullRescoreCpuSeconds),
          incrementalMs: round(incrementalCpuMs, 1),
          idleIncrementalMs: round(idleIncrementalCpuMs, 1),
        },
        peakRssMiB: peak,
        targets: {
          fullRescoreUnder5s: fullRescoreSeconds < 5,
          incrementalUnder100ms: incrementalMs < 100,
          peakRssUnder300MiB: peak < 300,
        },
      };
    } finally {
      store.close();
    }
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
