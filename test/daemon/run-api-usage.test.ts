import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CrmReader, PulledPage } from '../../src/crm/ports.js';
import { Leases, processIdentity } from '../../src/daemon/lease.js';
import { DaemonMetrics } from '../../src/daemon/metrics.js';
import { CrmRunner } from '../../src/daemon/runner.js';
import { createLogger } from '../../src/logger.js';
import { openStore, type Store } from '../../src/store/index.js';
import { rules } from '../scoring/helpers.js';
import { until } from './helpers.js';

const EMPTY: Omit<PulledPage, 'cursor' | 'done'> = { records: [], events: [], archived: [], merges: [] };

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('daemon runs record their API usage', () => {
  it('given process-wide counters that only grow, then each run stores the calls and 429s it added', async () => {
    // Counters as a CRM client keeps them: cumulative for the process, already past zero before the daemon.
    const counters = { calls: 1_000, rateLimited: 7 };
    const reader: CrmReader = {
      source: 'fake',
      streams: () => {
        let page = 0;
        return [
          {
            name: 'contacts',
            pull: async () => {
              page++;
              counters.calls += 3; // say one 429, retried, then the page
              counters.rateLimited += 1;
              return { ...EMPTY, cursor: `page-${page}`, done: page === 2 };
            },
          },
        ];
      },
      readRecords: async () => [],
    };
    const path = join(mkdtempSync(join(tmpdir(), 'leadscore-usage-')), 'leadscore.db');
    const store: Store = openStore(path);
    const leases = Leases.open(path);
    const runner = new CrmRunner({
      crm: { source: 'fake', reader, counters },
      jobs: [{ name: 'incremental', mode: 'incremental', cron: '* * * * * *' }],
      timezone: 'UTC',
      store,
      leases,
      identity: processIdentity(),
      rules: rules(),
      asOfResolution: 'exact',
      timing: { leaseTtlMs: 5_000, heartbeatMs: 100, graceMs: 2_000 },
      metrics: new DaemonMetrics(),
      logger: createLogger({ level: 'silent' }),
      wait: true,
    });
    cleanup.push(() => {
      store.close();
      leases.close();
    });
    cleanup.push(() => runner.stop('test over'));
    runner.start();
    const succeeded = () => store.listRuns(10).filter((run) => run.status === 'succeeded');
    await until(() => succeeded().length >= 2, 'two finished runs', 15_000);
    await runner.stop('enough runs');
    for (const run of succeeded()) {
      expect(run.stats).toMatchObject({ apiCalls: 6, rateLimited: 2 });
    }
  }, 30_000);
});
