import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import { BANDS, type BacktestResult, runBacktest } from '../../backtest/backtest.js';
import { activeRules, storedHistory } from '../../backtest/history.js';
import { type RuleSet, ruleSetSchema } from '../../scoring/rules-schema.js';
import { resolveAsOf } from '../../sync/rescore.js';
import { barChart, percent } from '../charts.js';
import { type ConsoleContext, describeError, sendPage } from '../context.js';
import { field, type Html, html, select, table } from '../html.js';

export function renderBacktest(result: BacktestResult): Html {
  const { candidate, baseline } = result;
  const stageNames = [...new Set([...Object.keys(baseline.stages), ...Object.keys(candidate.stages)])];
  const crossingStages = Object.keys(candidate.crossings[0]?.counts ?? {});
  const weekLabels = candidate.crossings.map((week) => new Date(week.weekStart).toISOString().slice(5, 10));
  return html`<section aria-labelledby="h-result"><h2 id="h-result">Result</h2>
<p id="backtest-summary">${result.records} records as of ${new Date(result.asOf).toISOString().slice(0, 10)}:
${result.bandChanges} change band. Outcome known for ${result.labelled.converted + result.labelled.notConverted}
(${result.labelled.converted} converted). Mean score: active ${baseline.meanScore}, candidate ${candidate.meanScore}.</p>
${result.warnings.map((warning) => html`<p class="flash error" role="alert">Warning: ${warning}</p>`)}
<div class="grid">
<section>${barChart({
    title: 'Band distribution',
    labels: [...BANDS],
    series: [
      { name: `active (${baseline.name})`, values: BANDS.map((band) => baseline.bands[band] ?? 0) },
      {
        name: `candidate (${candidate.name})`,
        values: BANDS.map((band) => candidate.bands[band] ?? 0),
        alt: true,
      },
    ],
  })}</section>
<section>${barChart({
    title: 'Conversion rate per band (known outcomes)',
    labels: [...BANDS],
    series: [
      { name: 'active', values: baseline.conversion.map((row) => row.rate ?? 0) },
      { name: 'candidate', values: candidate.conversion.map((row) => row.rate ?? 0), alt: true },
    ],
    format: percent,
  })}</section>
${crossingStages.map(
  (stage) =>
    html`<section>${barChart({
      title: `Leads crossing ${stage} per week`,
      labels: weekLabels,
      series: [
        { name: 'active', values: baseline.crossings.map((week) => week.counts[stage] ?? 0) },
        { name: 'candidate', values: candidate.crossings.map((week) => week.counts[stage] ?? 0), alt: true },
      ],
    })}</section>`,
)}</div>
${table(
  ['stage', 'active', 'candidate'],
  stageNames.map((name) => [name, baseline.stages[name] ?? 0, candidate.stages[name] ?? 0]),
  'Leads per stage today',
)}
${table(
  ['band', 'known', 'converted (active)', 'rate (active)', 'known (candidate)', 'rate (candidate)'],
  BANDS.map((band, index) => {
    const a = baseline.conversion[index];
    const b = candidate.conversion[index];
    return [
      band,
      a?.known ?? 0,
      a?.converted ?? 0,
      a?.rate === null || a === undefined ? '-' : percent(a.rate),
      b?.known ?? 0,
      b?.rate === null || b === undefined ? '-' : percent(b.rate),
    ];
  }),
  'Conversion per band',
)}</section>`;
}

/** The candidate rules: the rules file as saved now, or a saved version. */
export function candidateRules(ctx: ConsoleContext, choice: string): RuleSet {
  if (choice === 'file' || choice === '') return ctx.config().rules;
  const version = ctx.store.console.getRuleVersion(Number(choice));
  if (!version) throw new Error(`There is no rules version ${choice}.`);
  return ruleSetSchema.parse(parse(version.yaml));
}

export function registerBacktestPages(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/backtest', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const choice = query.candidate ?? 'file';
    const weeksText = query.weeks ?? '8';
    const versions = ctx.store.console.listRuleVersions(20);
    let result: Html | string = '';
    let weeksError: string | undefined;
    const weeks = Number(weeksText);
    if (!Number.isInteger(weeks) || weeks < 1 || weeks > 52)
      weeksError = 'expected a whole number of weeks from 1 to 52';
    if (query.run && !weeksError) {
      try {
        const config = ctx.config();
        const candidate = candidateRules(ctx, choice);
        const baseline = activeRules(ctx.store)?.rules ?? config.rules;
        const asOf = resolveAsOf(ctx.now(), config.scoring.asOfResolution);
        result = renderBacktest(runBacktest(storedHistory(ctx.store), { candidate, baseline, asOf, weeks }));
      } catch (error) {
        result = html`<p class="flash error" role="alert">The backtest could not run: ${describeError(error)}</p>`;
      }
    }
    const active = activeRules(ctx.store);
    return sendPage(
      request,
      reply,
      { title: 'Backtest', path: '/backtest' },
      html`<p>Scores the stored history with a candidate rule set and, side by side, with the active rules
${active ? html`(<code>${active.hash}</code>, the ones the current scores use)` : '(none active yet: the rules file)'}. Nothing is written.</p>
<form method="get" action="/backtest" class="card"><input type="hidden" name="run" value="1"><div class="fields">
${select({
  name: 'candidate',
  label: 'Candidate rules',
  value: choice,
  choices: [
    ['file', 'the rules file as saved now'],
    ...versions.map((version) => [String(version.id), `version ${version.id}: ${version.note}`] as const),
  ],
})}
${field({ name: 'weeks', label: 'Weeks of crossings', type: 'number', value: weeksText, error: weeksError, step: '1' })}
</div><p><button type="submit">Run backtest</button></p></form>${result}`,
    );
  });
}
