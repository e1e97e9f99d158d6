import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import { starterConfigText } from '../../src/config/starter.js';
import { type LoginLimiter, setAdminPassword } from '../../src/console/auth.js';
import { buildConsole, type ConsoleOptions } from '../../src/console/server.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { openStore, type Store } from '../../src/store/index.js';
import { rescore } from '../../src/sync/rescore.js';
import { AS_OF, DAY, smallHistory } from '../backtest/fixture.js';

export const PASSWORD = 'correct horse battery';
export const MASTER_KEY = 'console-test-master-key-0123456789abcdef';
const DEFAULT_RULES = new URL('../../config/rules.default.yaml', import.meta.url);

export interface ConsoleFixture {
  dir: string;
  configPath: string;
  rulesPath: string;
  store: Store;
  app: FastifyInstance;
  clock: { now: number };
  close(): Promise<void>;
}

/** A folder with a starter config, the default rules, a store holding three scored leads, and a console on it. */
export async function consoleFixture(
  options: {
    crm?: 'none' | 'hubspot';
    connect?: ConsoleOptions['connect'];
    limiter?: LoginLimiter;
    /** Load the three hand-scored leads (default true); off when a CRM sandbox fills the store. */
    history?: boolean;
    logger?: Logger;
  } = {},
): Promise<ConsoleFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-console-'));
  const configPath = join(dir, 'leadscore.yaml');
  const rulesPath = join(dir, 'rules.yaml');
  copyFileSync(DEFAULT_RULES, rulesPath);
  writeFileSync(
    configPath,
    starterConfigText({
      crm: options.crm ?? 'none',
      rulesPath: './rules.yaml',
      databasePath: './leadscore.db',
    }),
  );
  const config = loadConfig(configPath);
  const store = openStore(config.database);
  if (options.history !== false) {
    const { records, events } = smallHistory();
    store.upsertRecords(records, AS_OF - 400 * DAY);
    store.insertEvents(events);
    rescore(store, config.rules, { mode: 'all', asOf: AS_OF, now: AS_OF });
  }
  setAdminPassword(store, PASSWORD, AS_OF);
  const clock = { now: options.history === false ? Date.now() : AS_OF + 3_600_000 };
  const app = await buildConsole({
    configPath,
    store,
    logger: options.logger ?? createLogger({ level: 'silent' }),
    now: options.history === false ? Date.now : () => clock.now,
    env: { LEADSCORE_MASTER_KEY: MASTER_KEY },
    secureCookies: false,
    ...(options.connect ? { connect: options.connect } : {}),
    ...(options.limiter ? { loginLimiter: options.limiter } : {}),
  });
  return {
    dir,
    configPath,
    rulesPath,
    store,
    app,
    clock,
    close: async () => {
      await app.close();
      store.close();
    },
  };
}

/** A cookie jar for inject: keeps what Set-Cookie sets. */
export class Jar {
  readonly cookies = new Map<string, string>();
  take(setCookie: string | string[] | undefined): void {
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair] = line.split(';');
      const [name, ...value] = (pair ?? '').split('=');
      if (name) this.cookies.set(name.trim(), value.join('='));
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF token in the page');
  return match[1];
}

export async function get(app: FastifyInstance, jar: Jar, url: string) {
  const response = await app.inject({ method: 'GET', url, headers: { cookie: jar.header() } });
  jar.take(response.headers['set-cookie']);
  return response;
}

export async function post(app: FastifyInstance, jar: Jar, url: string, form: Record<string, string>) {
  const response = await app.inject({
    method: 'POST',
    url,
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });
  jar.take(response.headers['set-cookie']);
  return response;
}

/** Logs in as `who`; returns the jar holding the session. */
export async function login(app: FastifyInstance, who = 'Riley'): Promise<Jar> {
  const jar = new Jar();
  const page = await get(app, jar, '/login');
  const response = await post(app, jar, '/login', { _csrf: csrfOf(page.body), who, password: PASSWORD });
  if (response.statusCode !== 303) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return jar;
}

/** The form fields of the first form posting to `action`, as the browser would submit them (checkboxes off). */
export function formFields(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`action="${action}"`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const fields: Record<string, string> = {};
  const decode = (text: string) =>
    text
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  for (const match of form.matchAll(/<input [^>]*name="([^"]+)"[^>]*>/g)) {
    const tag = match[0];
    if (/type="checkbox"/.test(tag)) continue;
    fields[decode(match[1]!)] = decode(/value="([^"]*)"/.exec(tag)?.[1] ?? '');
  }
  for (const match of form.matchAll(/<textarea [^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) {
    fields[decode(match[1]!)] = decode(match[2]!);
  }
  for (const match of form.matchAll(/<select [^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    fields[decode(match[1]!)] = decode(/<option value="([^"]*)" selected>/.exec(match[2]!)?.[1] ?? '');
  }
  return fields;
}
