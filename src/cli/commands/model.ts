import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { LeadscoreError } from '../../errors.js';
import { type EvaluationReport, evaluateCsv } from '../../model/index.js';
import { openModelRegistry } from '../../model/registry.js';
import { deserializeModel } from '../../model/serialize.js';
import { RuleLiftCounter, type SuggestReport } from '../../model/suggest.js';
import {
  conversionAges,
  type DriftReport,
  driftFromStore,
  featureMoment,
  featureSettingsOf,
  scanLabelledLeads,
  trainFromStore,
} from '../../model/training.js';
import type { RuleSet } from '../../scoring/rules-schema.js';
import type { Store } from '../../store/index.js';
import { type CommandContext, type GlobalOptions, withContext } from '../context.js';
import { formatDate, printJson, printLine, renderTable } from '../output.js';

function wholeNumber(value: string, flag: string, min: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    throw new LeadscoreError('ERR_USAGE', `${flag} "${value}" is not a whole number of at least ${min}.`);
  }
  return parsed;
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

/** The document `--json OUT` writes, so runs can be compared by script. */
export function evaluationJson(report: EvaluationReport) {
  const cv = report.cv;
  return {
    cv: {
      auc: { mean: round(cv.auc.mean), sd: round(cv.auc.sd) },
      logLoss: round(cv.logLoss),
      ece: round(cv.ece),
      precisionTop20: round(cv.precisionTop20),
    },
    outOfTime: report.outOfTime
      ? {
          auc: round(report.outOfTime.auc),
          logLoss: round(report.outOfTime.logLoss),
          ece: round(report.outOfTime.ece),
          precisionTop20: round(report.outOfTime.precisionTop20),
        }
      : null,
    rows: report.rows,
    positives: report.positives,
    features: report.features,
    reference: report.reference,
    chosen: report.chosen,
  };
}

function printReport(report: EvaluationReport): void {
  const row = (label: string, figures: EvaluationReport['cv'], outOfTime: EvaluationReport['outOfTime']) => [
    label,
    `${figures.auc.mean.toFixed(3)} +/- ${figures.auc.sd.toFixed(3)}`,
    outOfTime ? outOfTime.auc.toFixed(3) : '-',
    figures.precisionTop20.toFixed(3),
    figures.ece.toFixed(3),
    figures.logLoss.toFixed(3),
  ];
  printLine(
    `${report.rows} rows, ${report.positives} positive, ${report.features} feature columns, ${report.cv.folds} folds in all.`,
  );
  printLine(
    renderTable(
      ['model', 'CV ROC AUC', 'out-of-time AUC', 'precision top 20%', 'ECE', 'log loss'],
      [
        row('leadscore', report.cv, report.outOfTime),
        row('L2 logistic (reference)', report.reference.cv, report.reference.outOfTime),
      ],
    ),
  );
  printLine(
    `Chosen: GBT weight ${report.chosen.gbtWeight}, ${report.chosen.calibration} calibration` +
      (report.chosen.gbtIterations === null ? '.' : `, ${report.chosen.gbtIterations} boosting rounds.`),
  );
}

function parseTime(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw new LeadscoreError(
      'ERR_USAGE',
      `${flag} "${value}" is not a date; expected ISO 8601 such as 2026-11-25.`,
    );
  }
  return parsed;
}

function fraction(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
    throw new LeadscoreError('ERR_USAGE', `${flag} "${value}" is not a number between 0 and 1.`);
  }
  return parsed;
}

const list = (value: string | undefined): string[] =>
  value === undefined
    ? []
    : value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);

const shown = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined ? '-' : value.toFixed(digits);

export interface TrainCommandOptions {
  minPositives?: string;
  seed?: string;
  maturityDays?: string;
  leadTimeDays?: string;
  property?: string;
  source?: string;
  cutoff?: string;
}

/** `model train` without the printing: trains on the store's labelled leads, saves and activates the model. */
export function trainCommand(store: Store, options: TrainCommandOptions, now: number) {
  const trained = trainFromStore(store, {
    now,
    cutoff: parseTime(options.cutoff, '--cutoff', now),
    minPositives: wholeNumber(options.minPositives ?? '50', '--min-positives', 1),
    seed: wholeNumber(options.seed ?? '1', '--seed', 0),
    maturityDays: wholeNumber(options.maturityDays ?? '30', '--maturity-days', 0),
    leadTimeDays: wholeNumber(options.leadTimeDays ?? '0', '--lead-time-days', 0),
    properties: list(options.property),
    ...(options.source !== undefined ? { source: options.source } : {}),
  });
  const registry = openModelRegistry(store);
  try {
    const id = registry.saveModel({
      createdAt: now,
      trainedOnRows: trained.rows,
      positives: trained.positives,
      metrics: trained.metrics,
      summary: trained.summary,
      body: trained.body,
    });
    return {
      id,
      trainedAt: now,
      rows: trained.rows,
      positives: trained.positives,
      metrics: trained.metrics,
      summary: trained.summary,
    };
  } finally {
    registry.close();
  }
}

export interface StatusCommandOptions {
  maxAucDrop?: string;
  minAuc?: string;
}

export interface ModelStatus {
  active: {
    id: number;
    trainedAt: string;
    rows: number;
    positives: number;
    metrics: Record<string, unknown>;
    summary: Record<string, unknown>;
  } | null;
  drift: DriftReport | null;
  models: Array<{
    id: number;
    trainedAt: string;
    rows: number;
    positives: number;
    holdoutAuc: number | null;
    active: boolean;
  }>;
}

function holdoutAuc(metrics: Record<string, unknown>): number | null {
  const holdout = metrics.holdout as { auc?: number | null } | undefined;
  return typeof holdout?.auc === 'number' ? holdout.auc : null;
}

/** `model status` without the printing. */
export function statusCommand(store: Store, options: StatusCommandOptions, now: number): ModelStatus {
  const registry = openModelRegistry(store);
  try {
    const models = registry.listModels(10).map((saved) => ({
      id: saved.id,
      trainedAt: new Date(saved.createdAt).toISOString(),
      rows: saved.trainedOnRows,
      positives: saved.positives,
      holdoutAuc: holdoutAuc(saved.metrics),
      active: saved.active,
    }));
    const active = registry.activeModel();
    if (active === undefined) return { active: null, drift: null, models };
    const trainingAuc = holdoutAuc(active.metrics);
    const maxDrop = fraction(options.maxAucDrop ?? '0.05', '--max-auc-drop');
    const minAuc =
      options.minAuc !== undefined
        ? fraction(options.minAuc, '--min-auc')
        : Math.max(0.5, (trainingAuc ?? 0.55) - maxDrop);
    const summary = active.summary;
    const drift = driftFromStore(store, deserializeModel(active.body), {
      now,
      trainedCutoff: typeof summary.cutoff === 'number' ? summary.cutoff : active.createdAt,
      maturityDays: typeof summary.maturityDays === 'number' ? summary.maturityDays : 30,
      features: featureSettingsOf(summary),
      minAuc: Math.round(minAuc * 10_000) / 10_000,
      ...(typeof summary.source === 'string' ? { source: summary.source } : {}),
    });
    return {
      active: {
        id: active.id,
        trainedAt: new Date(active.createdAt).toISOString(),
        rows: active.trainedOnRows,
        positives: active.positives,
        metrics: active.metrics,
        summary: active.summary,
      },
      drift,
      models,
    };
  } finally {
    registry.close();
  }
}

export interface SuggestCommandOptions {
  minPositives?: string;
  maturityDays?: string;
  leadTimeDays?: string;
  minSupport?: string;
  cutoff?: string;
  source?: string;
}

/** `model suggest` without the printing: nothing is applied. */
export function suggestCommand(
  store: Store,
  rules: RuleSet,
  options: SuggestCommandOptions,
  now: number,
): SuggestReport {
  const counter = new RuleLiftCounter(rules);
  const lead = wholeNumber(options.leadTimeDays ?? '0', '--lead-time-days', 0) * 86_400_000;
  const scan = {
    cutoff: parseTime(options.cutoff, '--cutoff', now),
    maturityDays: wholeNumber(options.maturityDays ?? '30', '--maturity-days', 0),
    ...(options.source !== undefined ? { source: options.source } : {}),
  };
  // The rules are evaluated at the same moments the model's features are taken (featureMoment).
  const ages = conversionAges(store, scan);
  const counts = scanLabelledLeads(store, scan, (entry) =>
    counter.add({ ...entry, labelAt: featureMoment(entry, ages) - lead }),
  );
  const minPositives = wholeNumber(options.minPositives ?? '10', '--min-positives', 1);
  if (counts.positives < minPositives || counts.negatives < minPositives) {
    throw new LeadscoreError(
      'ERR_MODEL_TOO_FEW_LABELS',
      `not enough labelled history to compare the rules with outcomes: ${counts.positives} conversions and ` +
        `${counts.negatives} non-converted leads (at least ${minPositives} of each are needed). The rules stay as they are.`,
    );
  }
  return counter.report({ minSupport: wholeNumber(options.minSupport ?? '20', '--min-support', 1) });
}

function printTrained(result: ReturnType<typeof trainCommand>, context: CommandContext): void {
  const holdout = result.metrics.holdout as Record<string, number | null>;
  printLine(
    `Trained model #${result.id} on ${result.rows} labelled leads (${result.positives} conversions); it is now the active model.`,
  );
  printLine(
    `Holdout (the newest ${holdout.rows} leads by creation, ${holdout.positives} conversions, trained on the older ones): ` +
      `AUC ${shown(holdout.auc)}, log loss ${shown(holdout.logLoss)}, ECE ${shown(holdout.ece)}, precision in the top 20% ${shown(holdout.precisionTop20)}.`,
  );
  const field = context.config.writeBack.fields.likelihood;
  printLine(
    field === undefined
      ? 'The likelihood is not written back: name a CRM field under writeBack.fields.likelihood to write it.'
      : `The next sync writes the likelihood (0-100) to ${field}.`,
  );
  const blend = context.config.model.blend;
  if (blend.into === 'band') {
    const moves = [
      blend.raiseAt === undefined ? '' : `up at ${blend.raiseAt}% or more`,
      blend.lowerAt === undefined ? '' : `down at ${blend.lowerAt}% or less`,
    ].filter((text) => text !== '');
    printLine(
      `model.blend: the likelihood moves the ${blend.grade} grade of the band one step ${moves.join(', ')}.`,
    );
  }
}

/** The drift verdict as `model status` prints it. */
export function driftLine(drift: DriftReport): string {
  if (drift.auc === null) return `Drift: no verdict yet: ${drift.note}.`;
  const measured = `AUC ${drift.auc.toFixed(3)} on ${drift.recentRows} outcomes since training (${drift.recentPositives} conversions)`;
  return drift.drifted
    ? `Drift: ${measured} is below ${drift.minAuc.toFixed(3)}: retrain with \`leadscore model train\`.`
    : `Drift: none: ${measured}, threshold ${drift.minAuc.toFixed(3)}.`;
}

function printStatus(status: ModelStatus): void {
  if (status.active === null) {
    printLine('No model is active: scoring is rule-only. Train one with `leadscore model train`.');
    return;
  }
  const active = status.active;
  const holdout = active.metrics.holdout as Record<string, number | null> | undefined;
  printLine(
    `Active model #${active.id}, trained ${formatDate(Date.parse(active.trainedAt))} on ${active.rows} leads (${active.positives} conversions).`,
  );
  printLine(
    `Holdout AUC ${shown(holdout?.auc)}, log loss ${shown(holdout?.logLoss)}, ECE ${shown(holdout?.ece)} (${holdout?.rows ?? 0} leads, ${holdout?.positives ?? 0} conversions).`,
  );
  if (status.drift !== null) printLine(driftLine(status.drift));
  if (status.models.length > 1) {
    printLine();
    printLine(
      renderTable(
        ['model', 'trained', 'leads', 'conversions', 'holdout AUC', 'active'],
        status.models.map((model) => [
          `#${model.id}`,
          formatDate(Date.parse(model.trainedAt)),
          model.rows,
          model.positives,
          shown(model.holdoutAuc),
          model.active ? 'yes' : '',
        ]),
      ),
    );
  }
}

function printSuggestions(report: SuggestReport): void {
  printLine(
    `${report.leads} labelled leads, ${report.conversions} conversions; each rule as of the lead's outcome. Nothing is applied: edit the rules file to accept a proposal.`,
  );
  const pct = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);
  printLine(
    renderTable(
      ['rule', 'points', 'leads with', 'rate with', 'rate without', 'lift', 'proposed', 'action'],
      report.rules.map((rule) => [
        rule.ruleId,
        rule.points,
        rule.withSignal.leads,
        pct(rule.withSignal.rate),
        pct(rule.withoutSignal.rate),
        rule.lift === null ? '-' : `${rule.lift.toFixed(2)}x`,
        rule.proposedPoints === null ? '-' : rule.proposedPoints,
        rule.action,
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
  );
  printLine(
    report.pointsPerLogOdds === null
      ? 'No scale between points and lift could be fitted (too few rules with a clear effect); no point changes proposed.'
      : `Scale: ${report.pointsPerLogOdds} points per unit of log odds ratio, fitted to the current rules. Lifts are one rule at a time: rules that fire together share their effect.`,
  );
}

export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('the predictive model trained on past conversions');
  model
    .command('train')
    .description(
      "train the likelihood model on the CRM's conversions in the store, save it and make it active",
    )
    .option('--min-positives <n>', 'refuse to train below this many conversions', '50')
    .option('--seed <n>', 'random seed (same store and seed: the same model)', '1')
    .option('--maturity-days <n>', 'leave out non-converted leads younger than this', '30')
    .option('--lead-time-days <n>', 'take features this many days before each outcome', '0')
    .option(
      '--property <names>',
      'comma-separated CRM properties to use as features (opt-in: many are set by sales)',
    )
    .option('--source <name>', 'only records of this source (hubspot, salesforce, ...)')
    .option('--cutoff <date>', 'treat this moment as now for labels (default: now)')
    .action(async (options: TrainCommandOptions, command: Command) => {
      await withContext(command.optsWithGlobals() as GlobalOptions, (context) => {
        const result = trainCommand(context.store, options, context.now);
        context.logger.info(
          { model: result.id, rows: result.rows, positives: result.positives },
          'model trained',
        );
        if (context.json) printJson(result);
        else printTrained(result, context);
      });
    });
  model
    .command('status')
    .description('the active model: when trained, on what, its figures, and drift on outcomes since')
    .option(
      '--max-auc-drop <x>',
      'flag drift when AUC on recent outcomes falls this far below the holdout AUC',
      '0.05',
    )
    .option('--min-auc <x>', 'flag drift below this AUC instead')
    .action(async (options: StatusCommandOptions, command: Command) => {
      await withContext(command.optsWithGlobals() as GlobalOptions, (context) => {
        const status = statusCommand(context.store, options, context.now);
        if (context.json) printJson(status);
        else printStatus(status);
      });
    });
  model
    .command('suggest')
    .description(
      "compare each rule's points with the observed conversion lift of its signal; proposes, applies nothing",
    )
    .option('--min-positives <n>', 'refuse below this many conversions', '10')
    .option('--min-support <n>', 'no proposal for a rule with fewer leads with (or without) its signal', '20')
    .option('--maturity-days <n>', 'leave out non-converted leads younger than this', '30')
    .option('--lead-time-days <n>', 'evaluate the rules this many days before each outcome', '0')
    .option('--source <name>', 'only records of this source')
    .option('--cutoff <date>', 'treat this moment as now for labels (default: now)')
    .action(async (options: SuggestCommandOptions, command: Command) => {
      await withContext(command.optsWithGlobals() as GlobalOptions, (context) => {
        const report = suggestCommand(context.store, context.config.rules, options, context.now);
        if (context.json) printJson(report);
        else printSuggestions(report);
      });
    });
  model
    .command('evaluate')
    .description(
      'cross-validate the model pipeline on any labelled CSV (stratified k-fold, optional out-of-time test)',
    )
    .requiredOption('--csv <file>', 'the labelled CSV (delimiter , or ; detected)')
    .requiredOption('--target <column>', 'the label column')
    .option('--positive <value>', 'the target value meaning converted (default 1, true or yes)')
    .option('--exclude <columns>', 'comma-separated columns to leave out (leaky or identifier columns)')
    .option(
      '--time-order <column>',
      'a column that orders rows in time: adds an out-of-time test on the newest 20%',
    )
    .option('--folds <n>', 'folds per repeat', '5')
    .option('--repeats <n>', 'repeats of the k-fold split', '5')
    .option('--seed <n>', 'random seed', '1')
    // `--json OUT`: --json is the global flag, so commander hands OUT over as this optional argument.
    .argument('[out]', 'with --json: write the figures as JSON to this file instead of stdout')
    .addHelpText(
      'after',
      '\nWith --json OUT the figures go to OUT as JSON ({cv, outOfTime, rows, positives, features}).',
    )
    .action((out: string | undefined, options, command: Command) => {
      const json = command.optsWithGlobals().json === true;
      if (out !== undefined && !json) {
        throw new LeadscoreError(
          'ERR_USAGE',
          `Unexpected argument "${out}"; to write JSON to a file use --json ${out}.`,
        );
      }
      const report = evaluateCsv({
        csv: options.csv,
        target: options.target,
        ...(options.positive !== undefined ? { positive: options.positive } : {}),
        ...(options.exclude
          ? {
              exclude: String(options.exclude)
                .split(',')
                .map((c: string) => c.trim())
                .filter(Boolean),
            }
          : {}),
        ...(options.timeOrder ? { timeOrder: options.timeOrder } : {}),
        folds: wholeNumber(options.folds, '--folds', 2),
        repeats: wholeNumber(options.repeats, '--repeats', 1),
        seed: wholeNumber(options.seed, '--seed', 0),
      });
      const figures = evaluationJson(report);
      if (json && out !== undefined) {
        writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
        printReport(report);
        printLine(`Wrote ${out}.`);
      } else if (json) printJson(figures);
      else printReport(report);
    });
}
