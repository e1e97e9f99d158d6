import type { FastifyInstance } from 'fastify';
import { activeRules } from '../../backtest/history.js';
import type { LoadedConfig } from '../../config/load.js';
import { ruleSetHash } from '../../scoring/hash.js';
import type { JsonValue } from '../../store/index.js';
import { pullAll } from '../../sync/pull.js';
import { rescore, resolveAsOf } from '../../sync/rescore.js';
import { runSync } from '../../sync/run.js';
import { drainOutbox, enqueueChangedScores, writeFieldsFor } from '../../sync/writeback.js';
import { type ConsoleContext, describeError, flashFrom, redirectWith, sendPage } from '../context.js';
import { csrfInput, html } from '../html.js';
import { everyLeadReachesFirstStage } from './rules.js';

export interface ActivationStats {
  rulesetHash: string;
  pulled: number;
  rescored: number;
  changed: number;
  enqueued: number;
  /** Records whose leadscore fields a person edited in the CRM, left alone under the 'respect' policy. */
  humanOverwrites: number;
  written: number;
  parked: number;
  /** CRM API calls and 429 answers during the activation. */
  apiCalls: number;
  rateLimited: number;
  fieldsCreated: string[];
}

/**
 * Activate: pull what changed in the CRM, rescore every record with the rules file's rules now, then write back
 * only the scores whose CRM values change (the one write-back engine: enqueue the diff, drain the outbox).
 * Recorded as an 'activate' run.
 */
export async function activate(ctx: ConsoleContext, config: LoadedConfig): Promise<ActivationStats> {
  const { store, logger } = ctx;
  const now = ctx.now();
  const crm = config.connection.crm === 'none' ? undefined : ctx.connect(config);
  const runId = store.startRun('activate', crm?.source ?? null, now);
  // The client's counters are cumulative: the run stores what it added.
  const before = crm ? { ...crm.counters() } : undefined;
  const usage = () =>
    crm && before
      ? {
          apiCalls: crm.counters().calls - before.calls,
          rateLimited: crm.counters().rateLimited - before.rateLimited,
        }
      : { apiCalls: 0, rateLimited: 0 };
  try {
    // Fresh CRM values first: the write-back compares against them to leave a person's own edits alone.
    const pulled = crm
      ? await pullAll(store, crm.reader, { mode: 'incremental', now: ctx.now, logger })
      : undefined;
    const scoring = rescore(store, config.rules, {
      mode: 'all',
      asOf: resolveAsOf(now, config.scoring.asOfResolution),
      now,
    });
    const stats: ActivationStats = {
      rulesetHash: scoring.rulesetHash,
      pulled: pulled?.records ?? 0,
      rescored: scoring.records,
      changed: scoring.ledgerRows,
      enqueued: 0,
      humanOverwrites: 0,
      written: 0,
      parked: 0,
      apiCalls: 0,
      rateLimited: 0,
      fieldsCreated: [],
    };
    if (crm && config.writeBack.enabled) {
      stats.fieldsCreated = (await crm.writer.ensureFields(writeFieldsFor(crm.writeBack.fields))).created;
      const enqueued = enqueueChangedScores(store, crm.source, crm.writeBack, ctx.now(), logger);
      stats.enqueued = enqueued.enqueued;
      stats.humanOverwrites = enqueued.humanOverwrites;
      const drained = await drainOutbox(store, crm.writer, { now: ctx.now, logger });
      stats.written = drained.written;
      stats.parked = drained.parked;
    }
    Object.assign(stats, usage());
    store.finishRun(runId, {
      status: 'succeeded',
      stats: stats as unknown as Record<string, JsonValue>,
      at: ctx.now(),
    });
    return stats;
  } catch (error) {
    store.finishRun(runId, { status: 'failed', stats: usage(), error: describeError(error), at: ctx.now() });
    throw error;
  }
}

/** Runs `job` unless another long job is running; the store has one writer and the CRM one budget. */
export async function exclusive<T>(ctx: ConsoleContext, name: string, job: () => Promise<T>): Promise<T> {
  if (ctx.busy.job) throw new Error(`${ctx.busy.job} is running; try again when it has finished.`);
  ctx.busy.job = name;
  try {
    return await job();
  } finally {
    ctx.busy.job = undefined;
  }
}

export function registerActivatePages(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/activate', async (request, reply) => {
    let body = html``;
    try {
      const config = ctx.config();
      const active = activeRules(ctx.store);
      const fileHash = ruleSetHash(config.rules);
      body = html`<p>The rules file holds rule set <code id="file-hash">${fileHash}</code> ("${config.rules.name}");
the scores were computed with ${active ? html`<code id="active-hash">${active.hash}</code>` : 'no rule set yet'}.
${active?.hash === fileHash ? html`<strong>They are the same.</strong>` : html`<strong>They differ.</strong> <a href="/backtest?run=1">Backtest first</a>.`}</p>
<p>Activating rescores every record with the rules file now and writes back to
${config.connection.crm === 'none' ? 'no CRM (none is connected)' : config.connection.crm} only the scores that change.</p>
<form method="post" action="/activate" class="card">${csrfInput(reply.generateCsrf())}<button type="submit">Activate and rescore everything</button></form>`;
    } catch (error) {
      body = html`<p class="flash error" role="alert">${describeError(error)}</p>`;
    }
    return sendPage(
      request,
      reply,
      { title: 'Activate', path: '/activate', flash: flashFrom(request.query) },
      body,
    );
  });

  app.post('/activate', async (request, reply) => {
    try {
      const config = ctx.config();
      const flood = everyLeadReachesFirstStage(
        ctx.store,
        config.rules,
        resolveAsOf(ctx.now(), config.scoring.asOfResolution),
      );
      if (flood) {
        return redirectWith(reply, '/activate', {
          error: `Not activated: with these rules every one of the ${flood.records} stored leads would be ${flood.stage}. Edit the rules first.`,
        });
      }
      const stats = await exclusive(ctx, 'An activation', () => activate(ctx, config));
      request.log.info({ ...stats, who: request.session?.who }, 'rules activated from the console');
      return redirectWith(reply, '/activate', {
        ok: `Activated ${stats.rulesetHash}: ${stats.rescored} records rescored, ${stats.changed} changed, ${stats.written} written back, ${stats.parked} parked, ${stats.humanOverwrites} kept a person's edit, ${stats.apiCalls} API calls.`,
      });
    } catch (error) {
      return redirectWith(reply, '/activate', { error: `Activation failed: ${describeError(error)}` });
    }
  });

  // Sync now: the same pipeline as `leadscore sync` (pull, score what changed, write back what changed).
  app.post('/runs/sync', async (_request, reply) => {
    try {
      const config = ctx.config();
      const crm = ctx.connect(config);
      const stats = await exclusive(ctx, 'A sync', () =>
        runSync({
          store: ctx.store,
          reader: crm.reader,
          ...(config.writeBack.enabled ? { writer: crm.writer, writeBack: crm.writeBack } : {}),
          rules: config.rules,
          mode: 'incremental',
          asOf: resolveAsOf(ctx.now(), config.scoring.asOfResolution),
          logger: ctx.logger,
          apiCounters: crm.counters,
        }),
      );
      return redirectWith(reply, '/runs', {
        ok: `Sync ${stats.runId}: ${stats.pull.records} records and ${stats.pull.events} events pulled, ${stats.scoring.changed} scores changed, ${stats.writeBack?.written ?? 0} written back, ${stats.apiCalls ?? 0} API calls.`,
      });
    } catch (error) {
      return redirectWith(reply, '/runs', { error: `Sync failed: ${describeError(error)}` });
    }
  });
}
