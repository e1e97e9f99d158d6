import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { LeadscoreError } from '../../errors.js';
import { type EvaluationReport, evaluateCsv } from '../../model/index.js';
import { printJson, printLine, renderTable } from '../output.js';

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

export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('the predictive model trained on past conversions');
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
