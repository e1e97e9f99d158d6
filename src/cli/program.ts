import { Command } from 'commander';
import { registerBacktestCommand } from './commands/backtest.js';
import { registerDaemonCommands } from './commands/daemon.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerHandoffCommands } from './commands/handoff.js';
import { registerImportCommand } from './commands/import.js';
import { registerModelCommands } from './commands/model.js';
import { registerReadCommands } from './commands/read.js';
import { registerScoreCommands } from './commands/score.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSetupCommands } from './commands/setup.js';
import { registerSyncCommands } from './commands/sync.js';

export function createProgram(): Command {
  const program = new Command('leadscore')
    .description('Explainable lead scores inside the CRM your sales team already uses')
    .option(
      '-c, --config <path>',
      'config file (default: $LEADSCORE_CONFIG, ./leadscore.yaml, ./config/leadscore.yaml)',
    )
    .option('--json', 'print JSON instead of text')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace (logs go to stderr)')
    .showHelpAfterError()
    .exitOverride();
  registerSetupCommands(program);
  registerImportCommand(program);
  registerScoreCommands(program);
  registerReadCommands(program);
  registerSyncCommands(program);
  registerDemoCommand(program);
  registerHandoffCommands(program);
  registerModelCommands(program);
  registerDaemonCommands(program);
  registerBacktestCommand(program);
  registerServeCommand(program);
  return program;
}
