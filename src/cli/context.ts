import type { Logger } from 'pino';
import { type LoadedConfig, loadConfig, resolveConfigPath } from '../config/load.js';
import { createLogger } from '../logger.js';
import { openStore, type Store } from '../store/index.js';

export interface GlobalOptions {
  config?: string;
  json?: boolean;
  logLevel?: string;
}

export interface CommandContext {
  config: LoadedConfig;
  store: Store;
  logger: Logger;
  json: boolean;
  now: number;
}

/** Loads and validates the config once, opens the store, runs `fn`, and always closes the store. */
export async function withContext<T>(
  options: GlobalOptions,
  fn: (context: CommandContext) => Promise<T> | T,
): Promise<T> {
  const config = loadConfig(resolveConfigPath(options.config));
  const logger = createLogger({ level: options.logLevel ?? config.logging.level });
  const store = openStore(config.database);
  try {
    return await fn({ config, store, logger, json: options.json === true, now: Date.now() });
  } finally {
    store.close();
  }
}
