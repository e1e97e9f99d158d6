import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../connectors/salesforce/sandbox/index.js';
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

/** Connect a Salesforce connected app (refresh-token flow) against the in-process Salesforce sandbox. */

let sandbox: SalesforceSandbox;
let fixture: ConsoleFixture;
let jar: Jar;

beforeAll(async () => {
  vi.stubEnv('LEADSCORE_MASTER_KEY', MASTER_KEY);
  sandbox = await startSalesforceSandbox({ leads: 5, seed: 5 });
  fixture = await consoleFixture({ history: false });
  jar = await login(fixture.app);
}, 60_000);

afterAll(async () => {
  await fixture?.close();
  await sandbox?.close();
  vi.unstubAllEnvs();
});

async function connect(refreshToken: string) {
  const page = await get(fixture.app, jar, '/connect');
  return post(fixture.app, jar, '/connect/salesforce', {
    _csrf: csrfOf(page.body),
    loginUrl: sandbox.loginUrl,
    clientId: sandbox.oauth.clientId,
    clientSecret: sandbox.oauth.clientSecret,
    refreshToken,
    object: 'Lead',
    writeBack: '1',
  });
}

describe('Connect Salesforce', () => {
  it('given a wrong refresh token, then the failed check is shown and nothing changes', async () => {
    const response = await connect('5Aep861-not-a-refresh-token');
    console.log('BODY', /id="connect-result">[^<]*/.exec(response.body)?.[0]);
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatch(
      /id="connect-result">The CRM (did not accept these credentials|is missing permissions leadscore needs)[^<]*Nothing was changed\./,
    );
    expect(loadConfig(fixture.configPath).connection.crm).toBe('none');
    expect(fixture.store.listSecretNames()).toEqual([]);
  });

  it('given the connected app and its refresh token, then the permissions check passes and the config names the secrets', async () => {
    const response = await connect(sandbox.oauth.refreshToken);
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(/id="connect-result">Connected/);
    expect(response.body).toContain('leadscore_score__c');
    expect(response.body).not.toContain(sandbox.oauth.clientSecret);
    expect(response.body).not.toContain(sandbox.oauth.refreshToken);
    expect(loadConfig(fixture.configPath).connection).toMatchObject({
      crm: 'salesforce',
      salesforce: { clientId: sandbox.oauth.clientId, refreshToken: { secret: 'salesforce-refresh-token' } },
    });
  });
});
