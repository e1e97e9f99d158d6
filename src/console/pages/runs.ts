import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { type LeaseHolder, readLeases } from '../../daemon/lease.js';
import { collectStatus } from '../../daemon/status.js';
import { openModelRegistry } from '../../model/registry.js';
import { type ConsoleContext, describeError, flashFrom, redirectWith, sendPage } from '../context.js';
import { csrfInput, formatTime, html, table } from '../html.js';

function leasesOf(path: string): LeaseHolder[] {
  if (path === ':memory:' || path === '') return [];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return readLeases(db);
  } finally {
    db.close();
  }
}

function count(stats: Record<string, unknown> | null, ...path: string[]): string {
  let value: unknown = stats;
  for (const key of path) value = (value as Record<string, unknown> | null | undefined)?.[key];
  return typeof value === 'number' ? String(value) : '-';
}

export function registerRunsPages(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/runs', async (request, reply) => {
    const now = ctx.now();
    const report = collectStatus(ctx.store, leasesOf(ctx.store.path), now, { runs: 20, parked: 20 });
    const registry = openModelRegistry(ctx.store);
    const model = registry.activeModel();
    registry.close();
    let budget = '-';
    try {
      const config = ctx.config();
      const today = report.apiToday;
      budget = `${today.calls} CRM API calls today (UTC) by leadscore's runs (CLI, daemon and console), ${today.rateLimited} of them rate-limited (429); leadscore stops at ${Math.round(config.limits.dailyBudgetShare * 100)}% of the CRM's daily allowance (limits.dailyBudgetShare).`;
    } catch (error) {
      budget = describeError(error);
    }
    const csrf = reply.generateCsrf();
    return sendPage(
      request,
      reply,
      { title: 'Runs & health', path: '/runs', flash: flashFrom(request.query) },
      html`<form method="post" action="/runs/sync" class="inline">${csrfInput(csrf)}<button type="submit">Sync now</button></form>
<h2>Recent runs</h2>${table(
        [
          'run',
          'kind',
          'crm',
          'started',
          'status',
          'records',
          'events',
          'scored',
          'written',
          'parked',
          'API calls',
          '429s',
          'error',
        ],
        report.lastRuns.map((run) => [
          run.id,
          run.kind,
          run.source ?? '-',
          formatTime(run.startedAt),
          run.status,
          count(run.stats, 'pull', 'records'),
          count(run.stats, 'pull', 'events'),
          run.kind === 'activate' ? count(run.stats, 'rescored') : count(run.stats, 'scoring', 'records'),
          run.kind === 'activate' ? count(run.stats, 'written') : count(run.stats, 'writeBack', 'written'),
          run.kind === 'activate' ? count(run.stats, 'parked') : count(run.stats, 'writeBack', 'parked'),
          count(run.stats, 'apiCalls'),
          count(run.stats, 'rateLimited'),
          run.error ?? '',
        ]),
      )}
<h2>Write-back outbox</h2>${table(
        ['pending', 'sent', 'parked', 'skipped'],
        [[report.outbox.pending, report.outbox.sent, report.outbox.parked, report.outbox.skipped]],
      )}
${
  report.parked.length > 0
    ? html`${table(
        ['record', 'crm', 'attempts', 'updated', 'reason'],
        report.parked.map((row) => [
          row.externalId,
          row.target,
          row.attempts,
          formatTime(row.updatedAt),
          row.lastError ?? '',
        ]),
        'Parked write-backs',
      )}<form method="post" action="/runs/retry-parked">${csrfInput(csrf)}<button type="submit">Retry parked write-backs</button></form>`
    : html`<p>No parked write-backs.</p>`
}
<h2>API budget</h2><p>${budget}</p>
<h2>Daemon</h2>${
        report.leases.length === 0
          ? html`<p>No daemon holds a lease on this database.</p>`
          : table(
              ['job', 'holder', 'live', 'expires'],
              report.leases.map((lease) => [
                lease.name,
                `${lease.host}:${lease.pid}`,
                lease.live ? 'yes' : 'no',
                formatTime(lease.expiresAt),
              ]),
            )
      }
<h2>Model</h2>${
        model
          ? table(
              ['model', 'trained', 'rows', 'positives', 'metrics'],
              [
                [
                  model.id,
                  formatTime(model.createdAt),
                  model.trainedOnRows,
                  model.positives,
                  Object.entries(model.metrics)
                    .filter(([, value]) => typeof value === 'number')
                    .map(([key, value]) => `${key} ${(value as number).toFixed(3)}`)
                    .join(', '),
                ],
              ],
            )
          : html`<p>No active model (train one with <code>leadscore model train</code>).</p>`
      }`,
    );
  });

  app.post('/runs/retry-parked', async (_request, reply) => {
    const now = ctx.now();
    const rows = ctx.store.listOutbox({ status: 'parked', limit: 1000 });
    const requeued = ctx.store.transaction(
      () => rows.filter((row) => ctx.store.enqueueWrite(row.recordId, row.target, row.payload, now)).length,
    );
    return redirectWith(reply, '/runs', {
      ok: `Re-queued ${requeued} parked write-backs; the next sync sends them.`,
    });
  });
}
