import type { FastifyInstance } from 'fastify';
import { BANDS, WEEK_MS } from '../../backtest/backtest.js';
import { apiUsagePerDay } from '../../daemon/status.js';
import { labelRecord } from '../../model/labels.js';
import type { Store } from '../../store/index.js';
import { barChart, percent } from '../charts.js';
import { type ConsoleContext, describeError, flashFrom, sendPage } from '../context.js';
import { type Html, html } from '../html.js';

const DAY_MS = 86_400_000;

export function conversionByBand(
  store: Store,
  cutoff: number,
): Array<{ band: string; known: number; converted: number }> {
  const counts = new Map<string, { known: number; converted: number }>(
    BANDS.map((band) => [band, { known: 0, converted: 0 }]),
  );
  for (const { record, band } of store.console.scoredRecords()) {
    const label = labelRecord(record, { cutoff });
    if (label.kind === 'excluded') continue;
    const entry = counts.get(band);
    if (!entry) continue;
    entry.known++;
    if (label.kind === 'positive') entry.converted++;
  }
  return [...counts].map(([band, entry]) => ({ band, ...entry }));
}

export function registerOverviewPage(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/', async (request, reply) => {
    const { store } = ctx;
    const now = ctx.now();
    let stageNames: string[] = ['MQL', 'SQL'];
    let configProblem: string | undefined;
    try {
      stageNames = ctx.config().rules.stages.map((stage) => stage.name);
    } catch (error) {
      configProblem = describeError(error);
    }
    const histogram = store.console.scoreHistogram(10);
    const buckets = Array.from({ length: 11 }, (_, index) => index * 10);
    const bands = new Map(store.scoreDistribution().map((row) => [row.band, row.count]));
    const weeks = 8;
    const since = Math.floor(now / DAY_MS) * DAY_MS - weeks * WEEK_MS;
    const weekLabels = Array.from({ length: weeks + 1 }, (_, index) =>
      new Date(since + index * WEEK_MS).toISOString().slice(5, 10),
    );
    const crossings = stageNames.map((stage) => {
      const values = new Array<number>(weeks + 1).fill(0);
      for (const row of store.console.stageEntriesPerWeek(stage, since)) {
        if (row.week <= weeks) values[row.week] = row.count;
      }
      return { name: stage, values };
    });
    const conversion = conversionByBand(store, now);
    const api = apiUsagePerDay(store, now, 14);
    const records = store.countRecords();
    const charts: Html[] = [
      barChart({
        title: 'Score distribution (records per 10 points)',
        labels: buckets.map((bucket) => (bucket === 100 ? '100' : `${bucket}-${bucket + 9}`)),
        series: [
          {
            name: 'records',
            values: buckets.map((bucket) => histogram.find((row) => row.bucket === bucket)?.count ?? 0),
          },
        ],
      }),
      barChart({
        title: 'Records per band',
        labels: [...BANDS],
        series: [{ name: 'records', values: BANDS.map((band) => bands.get(band) ?? 0) }],
      }),
      barChart({
        title: 'Conversion rate by band (records with a known outcome)',
        labels: [...BANDS],
        series: [
          {
            name: 'converted',
            values: conversion.map((row) => (row.known === 0 ? 0 : row.converted / row.known)),
          },
        ],
        format: percent,
      }),
      barChart({
        title: `Leads entering ${stageNames.join(' / ')} per week`,
        labels: weekLabels,
        series: crossings.map((series, index) => ({ ...series, alt: index % 2 === 1 })),
      }),
      barChart({
        title: 'CRM API calls per day (all runs: CLI, daemon and console)',
        labels: api.map((row) => row.day),
        series: [
          { name: 'calls', values: api.map((row) => row.calls) },
          { name: 'rate-limited (429)', values: api.map((row) => row.rateLimited), alt: true },
        ],
      }),
    ];
    return sendPage(
      request,
      reply,
      { title: 'Overview', path: '/', flash: flashFrom(request.query) },
      html`${configProblem ? html`<p class="flash error" role="alert">The config has a problem: ${configProblem}</p>` : ''}
<p>${records} records, ${store.countEvents()} events. Start with <a href="/connect">Connect</a>, tune the
<a href="/rules">Rules</a>, <a href="/backtest">backtest</a> them, then <a href="/activate">activate</a>.</p>
<div class="grid">${charts.map((chart) => html`<section>${chart}</section>`)}</div>`,
    );
  });
}
