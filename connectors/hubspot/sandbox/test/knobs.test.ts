import { describe, expect, it } from 'vitest';
import { apiError, op, startFixture } from './support.js';

describe('UNVERIFIED behaviours are knobs', () => {
  it('given mergeCreatesNewId false, then the primary id survives the merge', async () => {
    const f = await startFixture({ contacts: 50, behaviours: { mergeCreatesNewId: false } });
    try {
      const { id } = await f.control<{ id: string }>('POST', '/merge', {
        primaryId: '1001',
        mergeId: '1051',
      });
      expect(id).toBe('1001');
      const c = await f.client.crm.contacts.basicApi.getById('1051', ['hs_merged_object_ids']);
      expect(c.id).toBe('1001');
      expect(c.properties.hs_merged_object_ids).toBe('1051');
    } finally {
      await f.sb.close();
    }
  });

  it('given a search index lag, then a just-updated contact is invisible to search until the lag passes', async () => {
    const f = await startFixture({ contacts: 50, behaviours: { searchIndexLagMs: 30_000 } });
    try {
      const req = {
        filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: op('EQ'), value: '1101' }] }],
      } as never;
      f.clock.advance(60_000);
      expect((await f.client.crm.contacts.searchApi.doSearch(req)).total).toBe(1);
      await f.client.crm.contacts.basicApi.update('1101', { properties: { jobtitle: 'CFO' } });
      f.clock.advance(1000);
      expect((await f.client.crm.contacts.searchApi.doSearch(req)).total).toBe(0);
      f.clock.advance(30_000);
      expect((await f.client.crm.contacts.searchApi.doSearch(req)).total).toBe(1);
    } finally {
      await f.sb.close();
    }
  });

  it('given searchLimitOver "error" and listLimitOver "error", then oversize limits are 400', async () => {
    const f = await startFixture({
      contacts: 20,
      behaviours: { searchLimitOver: 'error', listLimitOver: 'error' },
    });
    try {
      expect((await apiError(f.client.crm.contacts.basicApi.getPage(101))).code).toBe(400);
      expect(
        (await apiError(f.client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 201 } as never)))
          .code,
      ).toBe(400);
    } finally {
      await f.sb.close();
    }
  });

  it('given the policy-style search 429 and Retry-After, then both show up', async () => {
    const f = await startFixture({
      contacts: 20,
      behaviours: { searchRateLimitBody: 'policy', retryAfterSeconds: 1 },
    });
    try {
      await f.control('POST', '/faults', { kind: '429', policy: 'SECONDLY', count: 1 });
      const err = await apiError(
        f.client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 1 } as never),
      );
      expect(err.body).toMatchObject({
        errorType: 'RATE_LIMIT',
        policyName: 'SECONDLY',
        message: 'You have reached your secondly limit.',
      });
      expect(err.headers['retry-after']).toBe('1');
    } finally {
      await f.sb.close();
    }
  });

  it('given the OAuth helpers, then /oauth/authorize redirects with a usable code and refresh tokens can be read and deleted', async () => {
    const f = await startFixture({ contacts: 20 });
    try {
      const url = `${f.sb.baseUrl}/oauth/authorize?client_id=${f.sb.oauth.clientId}&redirect_uri=${encodeURIComponent(f.sb.oauth.redirectUri)}&scope=crm.objects.contacts.read&state=xyz`;
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.searchParams.get('state')).toBe('xyz');
      const tokens = await f.client.oauth.tokensApi.create(
        'authorization_code',
        location.searchParams.get('code') ?? '',
        f.sb.oauth.redirectUri,
        f.sb.oauth.clientId,
        f.sb.oauth.clientSecret,
      );
      const info = await f.client.oauth.refreshTokensApi.get(tokens.refreshToken);
      expect(info.scopes).toEqual(['crm.objects.contacts.read']);
      await f.client.oauth.refreshTokensApi.archive(tokens.refreshToken);
      expect((await apiError(f.client.oauth.refreshTokensApi.get(tokens.refreshToken))).code).toBe(404);
    } finally {
      await f.sb.close();
    }
  });
});
