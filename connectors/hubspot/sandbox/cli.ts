import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Tier } from './behaviours.js';
import { type HubSpotSandbox, startHubSpotSandbox } from './server.js';

export interface SandboxCliIo {
  stdout(line: string): void;
  stderr(line: string): void;
}

const defaultIo: SandboxCliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

export const SANDBOX_CLI_USAGE = `Usage: leadscore sandbox hubspot [--port 4010] [--host 127.0.0.1] [--seed 42] [--contacts 2000]
       [--events-per-contact 10] [--tier starter|professional|enterprise] [--json]

Starts a local HubSpot look-alike for tests, demos and benchmarks. Point @hubspot/api-client at it with
new Client({ accessToken: <token>, basePath: <baseUrl> }). Test controls live under <baseUrl>/__sandbox/.`;

/**
 * `leadscore sandbox hubspot ...`: starts the sandbox and prints where it is. With --json the first stdout
 * line is `{"baseUrl": ..., "token": ..., "oauth": {...}}`. Resolves with the running sandbox; the caller keeps
 * the process alive and calls close() on exit.
 */
export async function runSandboxCli(
  argv: string[],
  io: SandboxCliIo = defaultIo,
): Promise<HubSpotSandbox | undefined> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string', default: '42' },
      contacts: { type: 'string', default: '2000' },
      'events-per-contact': { type: 'string', default: '10' },
      tier: { type: 'string', default: 'professional' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(SANDBOX_CLI_USAGE);
    return undefined;
  }
  const int = (name: string, raw: string, min: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} must be an integer >= ${min}, got "${raw}"`);
    return n;
  };
  const tier = values.tier as Tier;
  if (!['starter', 'professional', 'enterprise'].includes(tier))
    throw new Error(`--tier must be starter, professional or enterprise, got "${values.tier}"`);
  const started = performance.now();
  const sb = await startHubSpotSandbox({
    port: int('port', values.port, 0),
    host: values.host,
    seed: int('seed', values.seed, 0),
    contacts: int('contacts', values.contacts, 0),
    eventsPerContact: Number(values['events-per-contact']),
    tier,
  });
  const ms = Math.round(performance.now() - started);
  if (values.json) {
    io.stdout(
      JSON.stringify({ baseUrl: sb.baseUrl, token: sb.token, oauth: sb.oauth, portalId: sb.portalId }),
    );
  } else {
    io.stdout(`HubSpot sandbox listening on ${sb.baseUrl}`);
    io.stdout(`  private-app token: ${sb.token}`);
    io.stdout(`  OAuth client id:   ${sb.oauth.clientId}`);
    io.stdout(`  OAuth secret:      ${sb.oauth.clientSecret}`);
    io.stdout(`  refresh token:     ${sb.oauth.refreshToken}`);
  }
  io.stderr(
    `sandbox: ${sb.state.store.rowCount} contacts, ${sb.state.store.ds.events.length} events, tier ${tier}, seed ${values.seed}, started in ${ms} ms; controls at ${sb.baseUrl}/__sandbox/`,
  );
  return sb;
}

// Direct run: `npx tsx connectors/hubspot/sandbox/cli.ts --port 4010 --json`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runSandboxCli(process.argv.slice(2)).then(
    (sb) => {
      if (!sb) return;
      const stop = () => void sb.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
