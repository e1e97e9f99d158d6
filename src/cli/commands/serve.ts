import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { setAdminPassword } from '../../console/auth.js';
import { LeadscoreError } from '../../errors.js';
import { openStore } from '../../store/index.js';
import { type GlobalOptions, withContext } from '../context.js';
import { printLine } from '../output.js';

/** Where `init` and `serve --set-password` read the admin password: the environment, else standard input. */
export function readAdminPassword(env: NodeJS.ProcessEnv, fromStdin: boolean): string | undefined {
  const fromEnv = env.LEADSCORE_ADMIN_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!fromStdin) return undefined;
  return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'start the admin console (a web page on this machine) to connect a CRM, tune and backtest rules',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '4800')
    .option(
      '--set-password',
      'set the admin password from $LEADSCORE_ADMIN_PASSWORD or standard input, then exit',
    )
    .option('--secure-cookies', 'mark cookies Secure (set when a TLS proxy serves the console)')
    .action(
      async (
        options: { host: string; port: string; setPassword?: boolean; secureCookies?: boolean },
        command: Command,
      ) => {
        const global: GlobalOptions = command.optsWithGlobals();
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65_535) {
          throw new LeadscoreError('ERR_USAGE', `--port "${options.port}" is not a port number.`);
        }
        await withContext(global, async ({ config, store, logger }) => {
          if (options.setPassword) {
            const password = readAdminPassword(process.env, true) ?? '';
            setAdminPassword(store, password, Date.now());
            printLine('Admin password set; every console session was ended.');
            return;
          }
          if (store.console.adminPasswordHash() === undefined) {
            throw new LeadscoreError(
              'ERR_USAGE',
              'The console has no admin password yet; it was not started.',
              {
                hint: 'Set one: LEADSCORE_ADMIN_PASSWORD=... leadscore serve --set-password (or pipe it on standard input).',
              },
            );
          }
          // Plain http is only safe on this machine; anywhere else, serve behind TLS and mark cookies Secure.
          const secureCookies = options.secureCookies === true || !LOCAL_HOSTS.has(options.host);
          // Loaded here, not at start-up: the other commands need not load fastify.
          const { buildConsole } = await import('../../console/server.js');
          const app = await buildConsole({ configPath: config.files.config, store, logger, secureCookies });
          const address = await app.listen({ host: options.host, port });
          printLine(`leadscore console on ${address} (Ctrl-C to stop)`);
          await new Promise<void>((resolve) => {
            const stop = () => {
              void app.close().then(() => resolve());
            };
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
        });
      },
    );
}

/** `leadscore init`: stores the console admin password when one is given; true when it did. */
export function initAdminPassword(database: string, fromStdin: boolean): boolean {
  const password = readAdminPassword(process.env, fromStdin);
  if (password === undefined) return false;
  const store = openStore(database);
  try {
    setAdminPassword(store, password, Date.now());
  } finally {
    store.close();
  }
  return true;
}
