import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { HubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import { starterConfigText } from '../../src/config/starter.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const rules = fileURLToPath(new URL('../../config/rules.default.yaml', import.meta.url));

/** Fast knobs for tests: a lease expires 2 s after its holder stops renewing it. */
export const FAST = ['--lease-ttl', '2s', '--heartbeat', '250ms', '--grace', '3s', '--port', '0'];

export interface Workspace {
  dir: string;
  config: string;
  database: string;
}

/** A config pointing at the sandbox, in a folder of its own; cron expressions may have a seconds field. */
export function workspace(
  sandbox: HubSpotSandbox,
  schedule: { incremental: string; reconcile: string },
  options: { oauth?: boolean; extra?: string } = {},
): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-daemon-'));
  const config = join(dir, 'leadscore.yaml');
  let text = starterConfigText({ crm: 'hubspot', rulesPath: rules, databasePath: './leadscore.db' })
    .replace('tier: professional', `tier: professional\n    basePath: "${sandbox.baseUrl}"`)
    .replace('incremental: "*/10 * * * *"', `incremental: "${schedule.incremental}"`)
    .replace('reconcile: "30 2 * * *"', `reconcile: "${schedule.reconcile}"`);
  if (options.oauth) {
    // The secrets come from OAUTH_ENV(sandbox).
    text = text
      .replace('auth: privateApp', 'auth: oauth')
      .replace(
        'token: { env: HUBSPOT_TOKEN }',
        `clientId: ${sandbox.oauth.clientId}\n    clientSecret: { env: HUBSPOT_CLIENT_SECRET }\n    refreshToken: { env: HUBSPOT_REFRESH_TOKEN }`,
      );
  }
  writeFileSync(config, text + (options.extra ?? ''));
  return { dir, config, database: join(dir, 'leadscore.db') };
}

export function oauthEnv(sandbox: HubSpotSandbox): NodeJS.ProcessEnv {
  return {
    HUBSPOT_CLIENT_SECRET: sandbox.oauth.clientSecret,
    HUBSPOT_REFRESH_TOKEN: sandbox.oauth.refreshToken,
  };
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A `leadscore` child process whose JSON log lines (stderr) can be awaited. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: Array<{ test: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];

  /**
   * `shell` runs the command through `sh -c` with that prefix, e.g. `ulimit -f 64;` to cap file sizes (a full
   * disk); `user` runs it as another uid/gid (needs root: root ignores a read-only file mode).
   */
  constructor(
    args: string[],
    env: NodeJS.ProcessEnv,
    options: { shell?: string; user?: { uid: number; gid: number } } = {},
  ) {
    const command = [process.execPath, '--import', 'tsx', main, ...args];
    const [file, argv] = options.shell
      ? ['/bin/sh', ['-c', `${options.shell} exec "$0" "$@"`, ...command]]
      : [process.execPath, command.slice(1)];
    this.child = spawn(file as string, argv as string[], {
      cwd: root,
      env: { ...process.env, LEADSCORE_CONFIG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.user ?? {}),
    });
    let partial = '';
    this.child.stdout?.on('data', (chunk) => {
      this.stdout += chunk;
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk;
      partial += chunk.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const text of lines) {
        if (!text.startsWith('{')) continue;
        const line = JSON.parse(text) as LogLine;
        this.logs.push(line);
        this.#waiters = this.#waiters.filter((waiter) => {
          if (!waiter.test(line)) return true;
          waiter.resolve(line);
          return false;
        });
      }
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The first log line (already seen or still to come) that passes `test`. */
  waitFor(test: (line: LogLine) => boolean, what: string, timeoutMs = 30_000): Promise<LogLine> {
    const seen = this.logs.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out waiting for ${what}; stderr:\n${this.stderr.slice(-4000)}`));
      }, timeoutMs);
      const done = (line: LogLine) => {
        clearTimeout(timer);
        resolve(line);
      };
      this.#waiters.push({ test, resolve: done });
      void this.exited.then(() => {
        if (this.#waiters.some((waiter) => waiter.resolve === done)) {
          clearTimeout(timer);
          reject(new Error(`the process exited before ${what}; stderr:\n${this.stderr.slice(-4000)}`));
        }
      });
    });
  }

  waitForMessage(text: string | RegExp, timeoutMs?: number): Promise<LogLine> {
    const test = (line: LogLine) =>
      typeof text === 'string' ? line.msg.includes(text) : text.test(line.msg);
    return this.waitFor(test, `a log line matching ${String(text)}`, timeoutMs);
  }

  count(text: string | RegExp): number {
    return this.logs.filter((line) =>
      typeof text === 'string' ? line.msg.includes(text) : text.test(line.msg),
    ).length;
  }

  /** The health server's port, from the daemon's start-up line. */
  async port(): Promise<number> {
    const line = await this.waitForMessage('health and metrics on');
    return line.port as number;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

export function startDaemon(ws: Workspace, env: NodeJS.ProcessEnv, extra: string[] = []): CliProcess {
  return new CliProcess(['--config', ws.config, '--log-level', 'debug', 'daemon', ...FAST, ...extra], env);
}

export interface RunRow {
  id: number;
  kind: string;
  status: string;
  started_at: number;
  finished_at: number | null;
  error: string | null;
}

/** Reads the database as another process would (a test must not hold a write lock the daemons need). */
export function readDb<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function runs(path: string): RunRow[] {
  return readDb(path, (db) => db.prepare('SELECT * FROM runs ORDER BY id').all() as RunRow[]);
}

export function leases(
  path: string,
): Array<{ name: string; owner: string; pid: number; expires_at: number }> {
  return readDb(path, (db) => db.prepare('SELECT * FROM leases').all() as never);
}

export async function until<T>(
  probe: () => T | undefined | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
