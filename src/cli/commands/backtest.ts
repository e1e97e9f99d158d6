import type { Command } from 'commander';
import { BANDS, type BacktestResult, runBacktest } from '../../backtest/backtest.js';
import { activeRules, storedHistory } from '../../backtest/history.js';
import { loadRulesFile } from '../../config/load.js';
import { LeadscoreError } from '../../errors.js';
import { resolveAsOf } from '../../sync/rescore.js';
import { type GlobalOptions, withContext } from '../context.js';
import { formatDate, printJson, printLine, renderTable } from '../output.js';

function percent(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}

/** The side-by-side text report `leadscore backtest` prints. */
export function formatBacktest(result: BacktestResult): string {
  const { candidate, baseline } = result;
  const lines: string[] = [];
  lines.push(
    `Backtest as of ${formatDate(result.asOf)} on ${result.records} records ` +
      `(${result.labelled.converted} converted, ${result.labelled.notConverted} not converted, the rest unknown).`,
  );
  lines.push(
    `Candidate "${candidate.name}" vs active "${baseline.name}": ${result.bandChanges} records change band.`,
  );
  lines.push('');
  lines.push(
    renderTable(
      ['band', 'active', 'candidate', 'conv. active', 'conv. candidate'],
      BANDS.map((band, index) => [
        band,
        baseline.bands[band] ?? 0,
        candidate.bands[band] ?? 0,
        percent(baseline.conversion[index]?.rate ?? null),
        percent(candidate.conversion[index]?.rate ?? null),
      ]),
      ['left', 'right', 'right', 'right', 'right'],
    ),
  );
  lines.push('');
  const stageNames = [...new Set([...Object.keys(baseline.stages), ...Object.keys(candidate.stages)])];
  lines.push(
    renderTable(
      ['stage', 'active', 'candidate'],
      stageNames.map((name) => [name, baseline.stages[name] ?? 0, candidate.stages[name] ?? 0]),
    ),
  );
  lines.push('');
  const crossingStages = [
    ...new Set([
      ...Object.keys(baseline.crossings[0]?.counts ?? {}),
      ...Object.keys(candidate.crossings[0]?.counts ?? {}),
    ]),
  ];
  lines.push(
    renderTable(
      ['week from', ...crossingStages.flatMap((name) => [`${name} active`, `${name} candidate`])],
      candidate.crossings.map((week, index) => [
        formatDate(week.weekStart).slice(0, 10),
        ...crossingStages.flatMap((name) => [
          baseline.crossings[index]?.counts[name] ?? 0,
          week.counts[name] ?? 0,
        ]),
      ]),
    ),
  );
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

export function registerBacktestCommand(program: Command): void {
  program
    .command('backtest')
    .description('score the stored history with a rules file and compare it with the active rules')
    .requiredOption('--rules <file>', 'the candidate rules file (YAML)')
    .option('--weeks <n>', 'weeks of MQL/SQL crossings to count', '8')
    .option('--as-of <date>', 'backtest as of this instant (ISO 8601); default: now')
    .action(async (options: { rules: string; weeks: string; asOf?: string }, command: Command) => {
      const global: GlobalOptions = command.optsWithGlobals();
      const weeks = Number(options.weeks);
      if (!Number.isInteger(weeks) || weeks < 1 || weeks > 104) {
        throw new LeadscoreError(
          'ERR_USAGE',
          `--weeks "${options.weeks}" is not a whole number from 1 to 104.`,
        );
      }
      const candidate = loadRulesFile(options.rules);
      await withContext(global, ({ config, store, json, now }) => {
        let asOf = resolveAsOf(now, config.scoring.asOfResolution);
        if (options.asOf !== undefined) {
          asOf = Date.parse(options.asOf);
          if (Number.isNaN(asOf)) {
            throw new LeadscoreError(
              'ERR_USAGE',
              `--as-of "${options.asOf}" is not a date such as 2026-11-25.`,
            );
          }
        }
        const baseline = activeRules(store)?.rules ?? config.rules;
        const result = runBacktest(storedHistory(store), { candidate, baseline, asOf, weeks });
        if (json) printJson(result);
        else printLine(formatBacktest(result));
      });
    });
}
