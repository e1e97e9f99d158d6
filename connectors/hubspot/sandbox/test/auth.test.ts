import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, type Fixture, startFixture } from './support.js';

describe('authentication, OAuth and scopes', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ contacts: 50 });
  });
  afterAll(() => f.sb.close());

  it('given no token, then 401 INVALID_AUTHENTICATION with HubSpot headers and JSON body', async () => {
    const res = await f.raw('GET', '/crm/v3/objects/contacts', undefined, null);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('x-hubspot-auth-failure')).toBe('401 Unauthorized');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(String(body.message)).toMatch(/^Authentication credentials not found/);
    expect(body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('given an unknown private-app token, then the SDK surfaces 401 INVALID_AUTHENTICATION', async () => {
    const err = await apiError(
      f.clientFor('pat-na1-00000000-0000-4000-8000-000000000000').crm.contacts.basicApi.getPage(1),
    );
    expect(err.code).toBe(401);
    expect(err.body.category).toBe('INVALID_AUTHENTICATION');
  });

  it('given the authorization_code grant through the SDK, then tokens with expires_in 1800 that work, and a 401 EXPIRED_AUTHENTICATION after 30 minutes', async () => {
    const oauth = new Client({ basePath: f.sb.baseUrl });
    const tokens = await oauth.oauth.tokensApi.create(
      'authorization_code',
      f.sb.oauth.authorizationCode,
      f.sb.oauth.redirectUri,
      f.sb.oauth.clientId,
      f.sb.oauth.clientSecret,
    );
    expect(tokens.expiresIn).toBe(1800);
    expect(tokens.tokenType).toBe('bearer');
    expect(tokens.refreshToken).toBeTruthy();
    const client = f.clientFor(tokens.accessToken);
    const page = await client.crm.contacts.basicApi.getPageWithHttpInfo(1);
    expect(page.httpStatusCode).toBe(200);
    // OAuth calls carry no daily headers; the 10-second bucket is 110 for OAuth apps.
    expect(page.headers['x-hubspot-ratelimit-daily']).toBeUndefined();
    expect(page.headers['x-hubspot-ratelimit-max']).toBe('110');
    const info = await oauth.oauth.accessTokensApi.get(tokens.accessToken);
    expect(info.hubId).toBe(f.sb.portalId);
    expect(info.scopes).toContain('crm.objects.contacts.read');
    expect(info.expiresIn).toBe(1800);

    f.clock.advance(1800 * 1000 + 5000);
    const err = await apiError(client.crm.contacts.basicApi.getPage(1));
    expect(err.code).toBe(401);
    expect(err.body.category).toBe('EXPIRED_AUTHENTICATION');
    expect(String(err.body.message)).toBe('The OAuth token used to make this call expired 5 second(s) ago.');
    expect((err.body.context as Record<string, string[]>)['expire time']).toHaveLength(1);

    const refreshed = await oauth.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      f.sb.oauth.clientId,
      f.sb.oauth.clientSecret,
      tokens.refreshToken,
    );
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    await expect(f.clientFor(refreshed.accessToken).crm.contacts.basicApi.getPage(1)).resolves.toBeTruthy();
  });

  it('given a used authorization code or a revoked refresh token, then 400 with HubSpot status strings', async () => {
    const oauth = new Client({ basePath: f.sb.baseUrl });
    const err = await apiError(
      oauth.oauth.tokensApi.create(
        'authorization_code',
        'na1-nope',
        f.sb.oauth.redirectUri,
        f.sb.oauth.clientId,
        f.sb.oauth.clientSecret,
      ),
    );
    expect(err.code).toBe(400);
    expect(err.body.status).toBe('BAD_AUTH_CODE');
    await f.control('POST', '/revoke-refresh-token', { token: f.sb.oauth.refreshToken });
    const bad = await apiError(
      oauth.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        f.sb.oauth.clientId,
        f.sb.oauth.clientSecret,
        f.sb.oauth.refreshToken,
      ),
    );
    expect(bad.code).toBe(400);
    expect(bad.body).toMatchObject({
      status: 'BAD_REFRESH_TOKEN',
      message: 'missing or invalid refresh token',
    });
  });

  it('given the control "expire the current token", then the next call is 401 EXPIRED_AUTHENTICATION', async () => {
    const { token } = await f.control<{ token: string }>('POST', '/tokens', {
      kind: 'oauth',
      scopes: ['crm.objects.contacts.read'],
    });
    await f.clientFor(token).crm.contacts.basicApi.getPage(1);
    await f.control('POST', '/expire-token', { token });
    const err = await apiError(f.clientFor(token).crm.contacts.basicApi.getPage(1));
    expect(err.body.category).toBe('EXPIRED_AUTHENTICATION');
  });

  it('given a token without the write scope, then 403 MISSING_SCOPES naming the scope', async () => {
    const { token } = await f.control<{ token: string }>('POST', '/tokens', {
      scopes: ['crm.objects.contacts.read'],
    });
    const client = f.clientFor(token);
    await expect(client.crm.contacts.basicApi.getPage(1)).resolves.toBeTruthy();
    const err = await apiError(
      client.crm.contacts.batchApi.update({ inputs: [{ id: '1001', properties: { jobtitle: 'x' } }] }),
    );
    expect(err.code).toBe(403);
    expect(err.body.category).toBe('MISSING_SCOPES');
    const detail = (err.body.errors as Array<{ context: { requiredGranularScopes: string[] } }>)[0];
    expect(detail?.context.requiredGranularScopes).toEqual(['crm.objects.contacts.write']);
  });

  it('given the private-app token-info endpoint, then it returns hubId and scopes', async () => {
    const res = await f.client.apiRequest({
      method: 'POST',
      path: '/oauth/v2/private-apps/get/access-token-info',
      body: { tokenKey: f.sb.token },
    });
    const info = (await res.json()) as { hubId: number; scopes: string[] };
    expect(info.hubId).toBe(f.sb.portalId);
    expect(info.scopes).toContain('crm.schemas.contacts.write');
  });
});
