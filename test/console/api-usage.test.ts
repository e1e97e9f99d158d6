import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import { apiUsagePerDay } from '../../src/daemon/status.js';
import { runCliAsync } from '../cli/helpers.js';
import { type ConsoleFixture, consoleFixture, csrfOf, get, type Jar, login, post } from './helpers.js';

/**
 * API usage per run: a CLI sync (its own process) and the console's "Sync now" both store the CRM calls they
 * made in the run's stats, and the console's budget line and chart add up every run, not only the console's.
 */

let sandbox: HubSpotSandbox;
let fixture: ConsoleFixture;
let jar: Jar;

const requestsMade = async (): Promise<number> => {
  const response = await fetch(`${sandbox.baseUrl}/__sandbox/requests`);
  const log = (await response.json()) as { countsByEndpoint: Record<string, number> };
  return Object.values(log.countsByEndpoint).reduce((sum, count) => sum + count, 0);
};
const clearRequests = () => fetch(`${sandbox.baseUrl}/__sandbox/requests`, { method: 'DELETE' });

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ port: 0, seed: 11, contacts: 40, tier: 'professional' });
  vi.stubEnv('HUBSPOT_TOKEN', sandbox.token);
  fixture = await consoleFixture({ crm: 'hubspot', history: false });
  const text = readFileSync(fixture.configPath, 'utf8');
  writeFileSync(
    fixture.configPath,
    text.replace('tier: professional', `tier: professional\n    basePath: "${sandbox.baseUrl}"`),
  );
  jar = await login(fixture.app);
}, 60_000);

afterAll(async () => {
  await fixture?.close();
  await sandbox?.close();
  vi.unstubAllEnvs();
});

describe('API usage recorded per run', () => {
  it('given a CLI sync and a console sync, then each run stores its own calls and the console adds them up', async () => {
    await clearRequests();
    const cli = await runCliAsync(['--config', fixture.configPath, '--json', 'sync'], {
      env: { HUBSPOT_TOKEN: sandbox.token },
    });
    expect(cli.status, cli.stderr).toBe(0);
    const cliCalls = await requestsMade();
    expect(cliCalls).toBeGreaterThan(0);
    const [cliRun] = fixture.store.listRuns(1);
    expect(cliRun?.kind).toBe('sync');
    expect(cliRun?.stats).toMatchObject({ apiCalls: cliCalls, rateLimited: 0 });
    expect(JSON.parse(cli.stdout)).toMatchObject({ apiCalls: cliCalls, rateLimited: 0 });

    await clearRequests();
    const runsPage = await get(fixture.app, jar, '/runs');
    const synced = await post(fixture.app, jar, '/runs/sync', { _csrf: csrfOf(runsPage.body) });
    expect(synced.statusCode).toBe(303);
    const consoleCalls = await requestsMade();
    const [consoleRun] = fixture.store.listRuns(1);
    expect(consoleRun?.id).not.toBe(cliRun?.id);
    expect(consoleRun?.stats).toMatchObject({ apiCalls: consoleCalls, rateLimited: 0 });

    const total = cliCalls + consoleCalls;
    expect(apiUsagePerDay(fixture.store, Date.now(), 1)[0]).toMatchObject({ calls: total, rateLimited: 0 });
    const after = await get(fixture.app, jar, '/runs');
    expect(after.body).toContain(`${total} CRM API calls today (UTC) by leadscore&#39;s runs`);
    const overview = await get(fixture.app, jar, '/');
    expect(overview.body).toContain('CRM API calls per day (all runs: CLI, daemon and console)');
    expect(overview.body).toContain(`<td>${total}</td>`);
  });
});
