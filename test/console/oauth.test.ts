import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import { loadConfig } from '../../src/config/load.js';
import {
  type ConsoleFixture,
  consoleFixture,
  csrfOf,
  get,
  type Jar,
  login,
  MASTER_KEY,
  post,
} from './helpers.js';

/** The HubSpot OAuth install flow against the sandbox's consent endpoint, driven with inject. */

let sandbox: HubSpotSandbox;
let fixture: ConsoleFixture;
let jar: Jar;

beforeAll(async () => {
  vi.stubEnv('LEADSCORE_MASTER_KEY', MASTER_KEY);
  sandbox = await startHubSpotSandbox({ contacts: 5, seed: 3 });
  fixture = await consoleFixture({ history: false });
  jar = await login(fixture.app);
}, 60_000);

afterAll(async () => {
  await fixture?.close();
  await sandbox?.close();
  vi.unstubAllEnvs();
});

async function startInstall(clientSecret: string): Promise<URL> {
  const page = await get(fixture.app, jar, '/connect');
  const response = await post(fixture.app, jar, '/connect/hubspot/oauth', {
    _csrf: csrfOf(page.body),
    clientId: sandbox.oauth.clientId,
    clientSecret,
    basePath: sandbox.baseUrl,
    tier: 'professional',
    writeBack: '1',
  });
  expect(response.statusCode).toBe(303);
  const authorize = new URL(response.headers.location as string);
  expect(authorize.origin + authorize.pathname).toBe(`${sandbox.baseUrl}/oauth/authorize`);
  expect(response.body).not.toContain(clientSecret);
  return authorize;
}

describe('HubSpot OAuth install', () => {
  it('given consent is denied, then the callback says so and nothing changes', async () => {
    const authorize = await startInstall(sandbox.oauth.clientSecret);
    const state = authorize.searchParams.get('state')!;
    const callback = await get(
      fixture.app,
      jar,
      `/connect/hubspot/callback?state=${state}&error=access_denied&error_description=The+user+declined`,
    );
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain(
      'HubSpot did not grant access (access_denied: The user declined). Nothing was changed.',
    );
    expect(loadConfig(fixture.configPath).connection.crm).toBe('none');
  });

  it('given a wrong client secret, then the code exchange fails with HubSpot’s reason and nothing changes', async () => {
    const authorize = await startInstall('not-the-secret');
    const consent = await fetch(authorize, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location')!);
    const callback = await get(fixture.app, jar, back.pathname + back.search);
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain(
      'HubSpot refused the authorization code: missing or invalid client secret',
    );
    expect(loadConfig(fixture.configPath).connection.crm).toBe('none');
  });

  it('given consent, then the refresh token is stored encrypted and the config names it, never the value', async () => {
    const authorize = await startInstall(sandbox.oauth.clientSecret);
    const consent = await fetch(authorize, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location')!);
    expect(back.pathname).toBe('/connect/hubspot/callback');
    const callback = await get(fixture.app, jar, back.pathname + back.search);
    expect(callback.statusCode).toBe(200);
    expect(callback.body).toMatch(/id="connect-result">Connected/);
    const config = loadConfig(fixture.configPath);
    expect(config.connection).toMatchObject({
      crm: 'hubspot',
      hubspot: { auth: 'oauth', refreshToken: { secret: 'hubspot-refresh-token' } },
    });
    expect(config.writeBack.enabled).toBe(true);
    expect(fixture.store.listSecretNames().sort()).toEqual([
      'hubspot-client-secret',
      'hubspot-refresh-token',
    ]);
    expect(fixture.store.getSecret('hubspot-client-secret')?.toString('utf8')).not.toContain(
      sandbox.oauth.clientSecret,
    );
    expect(callback.body).not.toContain(sandbox.oauth.clientSecret);
    // Replaying the same callback (state used up) is refused.
    const replay = await get(fixture.app, jar, back.pathname + back.search);
    expect(replay.body).toContain('unknown or expired');
  });
});
