import { createHash } from 'node:crypto';
import { Connection, OAuth2 } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../server.js';
import { form } from './helpers.js';

/** OAuth 2.0 web server flow (authorization code, optional PKCE) against the sandbox. */

let sandbox: SalesforceSandbox;
beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ port: 0, seed: 4, leads: 20 });
});
afterAll(() => sandbox.close());

const REDIRECT = 'http://127.0.0.1:1/callback';

async function authorize(params: Record<string, string>): Promise<Response> {
  const url = new URL(`${sandbox.loginUrl}/services/oauth2/authorize`);
  for (const [key, value] of Object.entries({
    response_type: 'code',
    client_id: sandbox.oauth.clientId,
    redirect_uri: REDIRECT,
    ...params,
  }))
    url.searchParams.set(key, value);
  return fetch(url, { redirect: 'manual' });
}

async function codeFor(params: Record<string, string> = {}): Promise<string> {
  const res = await authorize({ state: 's1', ...params });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get('location') as string);
  expect(back.searchParams.get('state')).toBe('s1');
  return back.searchParams.get('code') as string;
}

const exchange = (code: string, extra: Record<string, string> = {}) =>
  form(sandbox, {
    grant_type: 'authorization_code',
    code,
    client_id: sandbox.oauth.clientId,
    client_secret: sandbox.oauth.clientSecret,
    redirect_uri: REDIRECT,
    ...extra,
  });

describe('OAuth web server flow', () => {
  it('given approval, when the code is exchanged, then tokens come back and the code cannot be reused', async () => {
    const code = await codeFor();
    const first = await exchange(code);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual([
      'access_token',
      'id',
      'instance_url',
      'issued_at',
      'refresh_token',
      'scope',
      'signature',
      'token_type',
    ]);
    const again = await exchange(code);
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // The new refresh token works like any other.
    const refreshed = await form(sandbox, {
      grant_type: 'refresh_token',
      refresh_token: String(first.body.refresh_token),
      client_id: sandbox.oauth.clientId,
      client_secret: sandbox.oauth.clientSecret,
    });
    expect(refreshed.status).toBe(200);
  });

  it('given another redirect_uri at the exchange, then invalid_grant', async () => {
    const code = await codeFor();
    const res = await exchange(code, { redirect_uri: 'http://127.0.0.1:1/elsewhere' });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('given a PKCE challenge, then only the matching verifier is accepted', async () => {
    const verifier = 'v'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const wrong = await exchange(await codeFor({ code_challenge: challenge }), {
      code_verifier: 'x'.repeat(43),
    });
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const right = await exchange(await codeFor({ code_challenge: challenge }), { code_verifier: verifier });
    expect(right.status).toBe(200);
  });

  it('given the denial flag, then the app gets error=access_denied with its state', async () => {
    const res = await authorize({ state: 'abc', sandbox_deny: '1' });
    const back = new URL(res.headers.get('location') as string);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('abc');
    expect(back.searchParams.has('code')).toBe(false);
  });

  it('given an unknown client, then an error page and no redirect', async () => {
    const res = await authorize({ client_id: 'nope' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('given jsforce with PKCE, when it authorizes with the code, then it can query', async () => {
    const oauth2 = new OAuth2({
      loginUrl: sandbox.loginUrl,
      clientId: sandbox.oauth.clientId,
      clientSecret: sandbox.oauth.clientSecret,
      redirectUri: REDIRECT,
      useVerifier: true,
    });
    const res = await fetch(oauth2.getAuthorizationUrl({ state: 'j' }), { redirect: 'manual' });
    const code = new URL(res.headers.get('location') as string).searchParams.get('code') as string;
    const conn = new Connection({ oauth2, version: '62.0' });
    await conn.authorize(code);
    expect(conn.refreshToken).toBeTruthy();
    const result = await conn.query<{ Id: string }>('SELECT Id FROM Lead LIMIT 1');
    expect(result.records).toHaveLength(1);
  });
});
