import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../connectors/salesforce/sandbox/index.js';
import { loadConfig } from '../../src/config/load.js';
import { decryptSecret } from '../../src/config/secrets.js';
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

/** "Connect with Salesforce": the OAuth web server flow (PKCE) against the Salesforce sandbox, driven with inject. */

let sandbox: SalesforceSandbox;
let fixture: ConsoleFixture;
let jar: Jar;

beforeAll(async () => {
  vi.stubEnv('LEADSCORE_MASTER_KEY', MASTER_KEY);
  sandbox = await startSalesforceSandbox({ leads: 5, seed: 6 });
  fixture = await consoleFixture({ history: false });
  jar = await login(fixture.app);
}, 60_000);

afterAll(async () => {
  await fixture?.close();
  await sandbox?.close();
  vi.unstubAllEnvs();
});

async function startFlow(clientSecret: string): Promise<URL> {
  const page = await get(fixture.app, jar, '/connect');
  expect(page.body).toContain('Connect with Salesforce');
  const response = await post(fixture.app, jar, '/connect/salesforce/oauth', {
    _csrf: csrfOf(page.body),
    loginUrl: sandbox.loginUrl,
    clientId: sandbox.oauth.clientId,
    clientSecret,
    object: 'Contact',
    writeBack: '1',
  });
  expect(response.statusCode).toBe(303);
  const authorize = new URL(response.headers.location as string);
  expect(authorize.origin + authorize.pathname).toBe(`${sandbox.loginUrl}/services/oauth2/authorize`);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
  expect(authorize.toString()).not.toContain(clientSecret);
  return authorize;
}

/** Follows the sandbox's redirect back to the console's callback. */
async function consent(authorize: URL) {
  const answer = await fetch(authorize, { redirect: 'manual' });
  expect(answer.status).toBe(302);
  const back = new URL(answer.headers.get('location') as string);
  expect(back.pathname).toBe('/connect/salesforce/callback');
  return { back, callback: await get(fixture.app, jar, back.pathname + back.search) };
}

describe('Connect with Salesforce (OAuth web server flow)', () => {
  it('given the user denies access, then the callback says so and nothing changes', async () => {
    const authorize = await startFlow(sandbox.oauth.clientSecret);
    authorize.searchParams.set('sandbox_deny', '1');
    const { callback } = await consent(authorize);
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain(
      'Salesforce did not grant access (access_denied: end-user denied authorization). Nothing was changed.',
    );
    expect(loadConfig(fixture.configPath).connection.crm).toBe('none');
    expect(fixture.store.listSecretNames()).toEqual([]);
  });

  it('given a wrong consumer secret, then the code exchange fails with Salesforce’s reason and nothing changes', async () => {
    const { callback } = await consent(await startFlow('not-the-secret'));
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain(
      'Salesforce refused the authorization code: invalid_client: invalid client credentials. Nothing was changed.',
    );
    expect(loadConfig(fixture.configPath).connection.crm).toBe('none');
  });

  it('given approval, then the refresh token is stored encrypted, access is checked and the config names the secrets', async () => {
    const { back, callback } = await consent(await startFlow(sandbox.oauth.clientSecret));
    expect(callback.statusCode).toBe(200);
    expect(callback.body).toMatch(/id="connect-result">Connected/);
    expect(callback.body).toContain('leadscore_score__c');
    const config = loadConfig(fixture.configPath);
    expect(config.connection).toMatchObject({
      crm: 'salesforce',
      salesforce: {
        clientId: sandbox.oauth.clientId,
        object: 'Contact',
        refreshToken: { secret: 'salesforce-refresh-token' },
      },
    });
    expect(fixture.store.listSecretNames().sort()).toEqual([
      'salesforce-client-secret',
      'salesforce-refresh-token',
    ]);
    const stored = fixture.store.getSecret('salesforce-refresh-token') as Buffer;
    const refreshToken = decryptSecret(stored, MASTER_KEY);
    // A fresh token from the code exchange, not the sandbox's seeded one, and only encrypted at rest.
    expect(refreshToken).toMatch(/^5Aep861/);
    expect(refreshToken).not.toBe(sandbox.oauth.refreshToken);
    expect(stored.toString('utf8')).not.toContain(refreshToken);
    expect(callback.body).not.toContain(refreshToken);
    // Replaying the same callback (state used up) is refused.
    const replay = await get(fixture.app, jar, back.pathname + back.search);
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('This Salesforce sign-in link is unknown or expired');
  });
});
