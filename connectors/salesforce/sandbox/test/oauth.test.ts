import { createHmac, createSign } from 'node:crypto';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../server.js';
import { connect, form, raw } from './helpers.js';

let sandbox: SalesforceSandbox;
beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ port: 0, seed: 3, leads: 300 });
});
afterAll(() => sandbox.close());

function jwt(claims: Record<string, unknown>, key = sandbox.state.jwt.privateKey): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${enc({ alg: 'RS256' })}.${enc(claims)}`;
  const signer = createSign('RSA-SHA256');
  signer.update(unsigned);
  return `${unsigned}.${signer.sign(key).toString('base64url')}`;
}

describe('OAuth token endpoint', () => {
  it('given a refresh token, when refreshing, then returns Salesforce token fields without expires_in', async () => {
    const { status, body, contentType } = await form(sandbox, {
      grant_type: 'refresh_token',
      refresh_token: sandbox.oauth.refreshToken,
      client_id: sandbox.oauth.clientId,
      client_secret: sandbox.oauth.clientSecret,
    });
    expect(status).toBe(200);
    expect(contentType).toMatch(/^application\/json/);
    expect(Object.keys(body).sort()).toEqual([
      'access_token',
      'id',
      'instance_url',
      'issued_at',
      'scope',
      'signature',
      'token_type',
    ]);
    expect(body).not.toHaveProperty('expires_in');
    expect(body).not.toHaveProperty('refresh_token');
    expect(body.token_type).toBe('Bearer');
    expect(body.instance_url).toBe(sandbox.instanceUrl);
    expect(String(body.id)).toMatch(/\/id\/00D\w{15}\/005\w{15}$/);
    expect(String(body.issued_at)).toMatch(/^\d{13}$/);
    const expected = createHmac('sha256', sandbox.oauth.clientSecret)
      .update(String(body.id) + String(body.issued_at))
      .digest('base64');
    expect(body.signature).toBe(expected);
  });

  it('given a revoked refresh token, when refreshing, then 400 invalid_grant', async () => {
    const revoked = await startSalesforceSandbox({ port: 0, seed: 3, leads: 50 });
    try {
      revoked.state.revokeRefreshToken();
      const { status, body } = await form(revoked, {
        grant_type: 'refresh_token',
        refresh_token: revoked.oauth.refreshToken,
        client_id: revoked.oauth.clientId,
        client_secret: revoked.oauth.clientSecret,
      });
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
      // jsforce surfaces the OAuth error after a 401 on an expired session.
      revoked.state.expireSessions();
      await expect(connect(revoked).query('SELECT Id FROM Lead LIMIT 1')).rejects.toThrow(
        /expired access\/refresh token/,
      );
    } finally {
      await revoked.close();
    }
  });

  it('given a wrong client secret or client id, when refreshing, then invalid_client / invalid_client_id', async () => {
    const wrongSecret = await form(sandbox, {
      grant_type: 'refresh_token',
      refresh_token: sandbox.oauth.refreshToken,
      client_id: sandbox.oauth.clientId,
      client_secret: 'nope',
    });
    expect(wrongSecret).toMatchObject({
      status: 400,
      body: { error: 'invalid_client', error_description: 'invalid client credentials' },
    });
    const wrongId = await form(sandbox, {
      grant_type: 'refresh_token',
      refresh_token: sandbox.oauth.refreshToken,
      client_id: 'x',
    });
    expect(wrongId).toMatchObject({ status: 400, body: { error: 'invalid_client_id' } });
    const unsupported = await form(sandbox, { grant_type: 'magic' });
    expect(unsupported).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
  });

  it('given client credentials, when requesting a token, then a usable access token comes back', async () => {
    const { status, body } = await form(sandbox, {
      grant_type: 'client_credentials',
      client_id: sandbox.oauth.clientId,
      client_secret: sandbox.oauth.clientSecret,
    });
    expect(status).toBe(200);
    expect(body).not.toHaveProperty('refresh_token');
    const conn = new Connection({
      instanceUrl: String(body.instance_url),
      accessToken: String(body.access_token),
      version: '62.0',
    });
    expect((await conn.query('SELECT COUNT() FROM Lead')).totalSize).toBeGreaterThan(0);
  });

  it('given an RS256 JWT signed with the sandbox key, when exchanging it, then a token; bad claims are refused', async () => {
    const exp = Math.floor(Date.now() / 1000) + 180;
    const good = { iss: sandbox.oauth.clientId, sub: sandbox.oauth.username, aud: sandbox.loginUrl, exp };
    const ok = await form(sandbox, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: jwt(good),
    });
    expect(ok.status).toBe(200);
    expect(ok.body).not.toHaveProperty('refresh_token');
    const conn = new Connection({
      instanceUrl: String(ok.body.instance_url),
      accessToken: String(ok.body.access_token),
      version: '62.0',
    });
    expect((await conn.query('SELECT Id FROM Lead LIMIT 1')).records).toHaveLength(1);

    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, aud: 'https://login.salesforce.com' }, 'audience is invalid'],
      [{ ...good, exp: Math.floor(Date.now() / 1000) - 10 }, 'invalid assertion'],
      [{ ...good, sub: 'someone@else.com' }, "user hasn't approved this consumer"],
    ];
    for (const [claims, description] of cases) {
      const res = await form(sandbox, {
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: jwt(claims),
      });
      expect(res).toMatchObject({
        status: 400,
        body: { error: 'invalid_grant', error_description: description },
      });
    }
    const wrongIss = await form(sandbox, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: jwt({ ...good, iss: 'other' }),
    });
    expect(wrongIss.body.error).toBe('invalid_client_id');
    const tampered = `${jwt(good).slice(0, -4)}AAAA`;
    const bad = await form(sandbox, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: tampered,
    });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'invalid assertion' },
    });
  });
});

describe('refresh token rotation', () => {
  it('given rotation is on, when refreshing, then a new refresh token comes back and the old one stops working', async () => {
    const rotating = await startSalesforceSandbox({
      port: 0,
      seed: 3,
      leads: 50,
      behaviours: { refreshTokenRotation: true },
    });
    try {
      const params = {
        grant_type: 'refresh_token',
        client_id: rotating.oauth.clientId,
        client_secret: rotating.oauth.clientSecret,
      };
      const first = await form(rotating, { ...params, refresh_token: rotating.oauth.refreshToken });
      expect(typeof first.body.refresh_token).toBe('string');
      const again = await form(rotating, { ...params, refresh_token: rotating.oauth.refreshToken });
      expect(again.body.error).toBe('invalid_grant');
      const next = await form(rotating, { ...params, refresh_token: String(first.body.refresh_token) });
      expect(next.status).toBe(200);
    } finally {
      await rotating.close();
    }
  });
});

describe('sessions', () => {
  it('given a session, when jsforce asks for identity, then the id URL answers with org and user ids', async () => {
    const conn = connect(sandbox);
    const identity = await conn.identity();
    expect(identity.organization_id).toMatch(/^00D/);
    expect(identity.user_id).toMatch(/^005/);
    expect(identity.username).toBe(sandbox.oauth.username);
  });

  it('given an invalid token, when calling REST, then 401 INVALID_SESSION_ID array', async () => {
    const res = await raw(sandbox, '/services/data/v62.0/query?q=SELECT+Id+FROM+Lead', { token: 'bogus' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('given an expired session, when querying through jsforce, then it refreshes once and replays', async () => {
    const conn = connect(sandbox);
    const refreshed: string[] = [];
    conn.on('refresh', (token: string) => refreshed.push(token));
    sandbox.state.expireSessions();
    sandbox.requestLog.length = 0;
    const result = await conn.query('SELECT Id FROM Lead LIMIT 3');
    expect(result.records).toHaveLength(3);
    expect(refreshed).toHaveLength(1);
    expect(sandbox.requestLog.map((e) => [e.method, e.path.split('?')[0], e.status])).toEqual([
      ['GET', '/services/data/v62.0/query', 401],
      ['POST', '/services/oauth2/token', 200],
      ['GET', '/services/data/v62.0/query', 200],
    ]);
    expect(sandbox.requestLog[0]?.apiCounted).toBe(false);
  });

  it('given any version, when listing versions, then no auth is needed and no limit header is sent', async () => {
    const res = await raw(sandbox, '/services/data/', { token: '' });
    expect(res.status).toBe(200);
    expect(res.headers.get('sforce-limit-info')).toBeNull();
    expect((res.body as { version: string }[]).some((v) => v.version === '62.0')).toBe(true);
    const old = connect(sandbox, '50.0');
    expect((await old.query('SELECT Id FROM Contact LIMIT 1')).records).toHaveLength(1);
  });
});
