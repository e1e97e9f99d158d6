#!/usr/bin/env node
import { CommanderError } from 'commander';
import { isLeadscoreError } from '../errors.js';
import { createProgram } from './program.js';

/** Exit codes: 0 done, 1 failed (a coded error with its hint), 2 bad usage. */
async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2; // commander printed the message already
    }
    if (isLeadscoreError(error)) {
      process.stderr.write(`error ${error.code}: ${error.message}\n  ${error.hint}\n`);
      return error.code === 'ERR_USAGE' ? 2 : 1;
    }
    process.stderr.write(
      `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

process.exitCode = await main(process.argv);
