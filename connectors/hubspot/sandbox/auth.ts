import type { SandboxBehaviours } from './behaviours.js';
import { correlationId, errorBody, SandboxHttpError } from './errors.js';
import { mulberry32, type Rng, subSeed, uuidFrom } from './prng.js';

/** Scopes a default token holds: everything the connector needs. */
export const DEFAULT_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.owners.read',
  'crm.objects.deals.read',
  'content',
  'forms',
  'communication_preferences.read',
  'communication_preferences.write',
] as const;

export interface TokenInfo {
  token: string;
  kind: 'private' | 'oauth';
  scopes: string[];
  appId: number;
  userId: number;
  hubId: number;
  user: string;
  /** Epoch ms; OAuth only. */
  expiresAt?: number;
  revoked?: boolean;
}

interface RefreshTokenInfo {
  token: string;
  scopes: string[];
  revoked: boolean;
  userId: number;
}

export interface OAuthCredentials {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** A refresh token issued at start, so a test can skip the authorization-code step. */
  refreshToken: string;
  /** A one-time authorization code issued at start. */
  authorizationCode: string;
}

const AUTH_FAILURE_HEADERS = { 'x-hubspot-auth-failure': '401 Unauthorized' };

/**
 * Private-app tokens and the OAuth 2 v1 token endpoint.
 * https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/refresh-oauth-token
 */
export class AuthState {
  readonly tokens = new Map<string, TokenInfo>();
  readonly refreshTokens = new Map<string, RefreshTokenInfo>();
  private readonly codes = new Map<string, { scopes: string[]; redirectUri: string }>();
  readonly privateToken: string;
  readonly oauth: OAuthCredentials;
  readonly appId = 1_912_345;
  readonly userId = 9_586_504;
  readonly user = 'avery.quinn@leadscore-demo.example';
  private readonly rng: Rng;

  constructor(
    seed: number,
    readonly hubId: number,
    private readonly now: () => number,
    private readonly behaviours: SandboxBehaviours,
  ) {
    this.rng = mulberry32(subSeed(seed, 0xa0_7e));
    this.privateToken = `pat-na1-${uuidFrom(this.rng)}`;
    this.tokens.set(this.privateToken, this.tokenInfo(this.privateToken, 'private', [...DEFAULT_SCOPES]));
    this.oauth = {
      clientId: uuidFrom(this.rng),
      clientSecret: uuidFrom(this.rng),
      redirectUri: 'http://localhost:3000/oauth/callback',
      refreshToken: '',
      authorizationCode: '',
    };
    this.oauth.refreshToken = this.mintRefreshToken([...DEFAULT_SCOPES]);
    this.oauth.authorizationCode = this.mintAuthorizationCode([...DEFAULT_SCOPES], this.oauth.redirectUri);
  }

  private tokenInfo(token: string, kind: TokenInfo['kind'], scopes: string[]): TokenInfo {
    return {
      token,
      kind,
      scopes,
      appId: this.appId,
      userId: this.userId,
      hubId: this.hubId,
      user: this.user,
    };
  }

  private randomToken(prefix: string, bytes: number): string {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let s = prefix;
    for (let i = 0; i < bytes; i++) s += chars[Math.floor(this.rng() * chars.length)];
    return s;
  }

  /** An extra private-app token with the given scopes (tests of 403 MISSING_SCOPES). */
  mintPrivateToken(scopes: string[]): string {
    const token = `pat-na1-${uuidFrom(this.rng)}`;
    this.tokens.set(token, this.tokenInfo(token, 'private', scopes));
    return token;
  }

  mintRefreshToken(scopes: string[]): string {
    // Refresh tokens look like `na1-xxxx-xxxx-...`.
    const token = `na1-${uuidFrom(this.rng)}`;
    this.refreshTokens.set(token, { token, scopes, revoked: false, userId: this.userId });
    return token;
  }

  mintAuthorizationCode(scopes: string[], redirectUri: string): string {
    const code = `na1-${uuidFrom(this.rng)}`;
    this.codes.set(code, { scopes, redirectUri });
    return code;
  }

  mintAccessToken(scopes: string[], ttlSeconds = this.behaviours.accessTokenTtlSeconds): TokenInfo {
    // OAuth access tokens are opaque base64-ish strings starting with "C" (up to 300 characters).
    const token = this.randomToken('C', 140);
    const info = { ...this.tokenInfo(token, 'oauth', scopes), expiresAt: this.now() + ttlSeconds * 1000 };
    this.tokens.set(token, info);
    return info;
  }

  /** Expire OAuth tokens now (all, or one). */
  expire(token?: string): number {
    let n = 0;
    for (const info of this.tokens.values()) {
      if (info.kind !== 'oauth' || (token && info.token !== token)) continue;
      info.expiresAt = Math.min(info.expiresAt ?? 0, this.now() - 1);
      n++;
    }
    return n;
  }

  revokeRefreshToken(token?: string): number {
    let n = 0;
    for (const info of this.refreshTokens.values()) {
      if (token && info.token !== token) continue;
      info.revoked = true;
      n++;
    }
    return n;
  }

  /** Private-app token rotation: the old one stops working at once. */
  revokePrivateToken(token: string): void {
    const info = this.tokens.get(token);
    if (info) info.revoked = true;
  }

  /** Authenticates an `Authorization` header; throws HubSpot's 401 bodies. */
  authenticate(header: string | undefined): TokenInfo {
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    const token = match?.[1]?.trim();
    if (!token) throw this.notFound();
    const info = this.tokens.get(token);
    if (!info || info.revoked) {
      if (!token.startsWith('pat-') && this.behaviours.garbageTokenAs === 'expired') throw this.expired(0);
      throw this.notFound();
    }
    if (info.expiresAt !== undefined && info.expiresAt <= this.now()) throw this.expired(info.expiresAt);
    return info;
  }

  // ◐ github.com/HubSpot/hubspot-api-nodejs/issues/432
  private notFound(): SandboxHttpError {
    return new SandboxHttpError(
      401,
      errorBody(
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      ),
      AUTH_FAILURE_HEADERS,
    );
  }

  // ◐ github.com/airbytehq/airbyte/issues/74726
  private expired(expiresAt: number): SandboxHttpError {
    const ago = Math.max(0, this.now() - expiresAt);
    const s = Math.floor(ago / 1000);
    const human =
      s < 60
        ? `${s} second(s)`
        : s < 3600
          ? `${Math.floor(s / 60)} minute(s)`
          : s < 86_400
            ? `${Math.floor(s / 3600)} hour(s)`
            : `${Math.floor(s / 86_400)} day(s)`;
    return new SandboxHttpError(
      401,
      errorBody('EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${human} ago.`, {
        context: { 'expire time': [new Date(expiresAt).toISOString()] },
      }),
      AUTH_FAILURE_HEADERS,
    );
  }

  /** 403 when a token lacks a scope. ◐ github.com/HubSpot/hubspot-api-nodejs/issues/50 */
  requireScopes(info: TokenInfo, anyOf: readonly string[]): void {
    if (anyOf.length === 0 || anyOf.some((s) => info.scopes.includes(s))) return;
    throw new SandboxHttpError(
      403,
      errorBody(
        'MISSING_SCOPES',
        "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
        {
          errors: [
            {
              message: 'One or more of the following scopes are required.',
              context: { requiredGranularScopes: [...anyOf] },
            },
          ],
          links: { scopes: 'https://developers.hubspot.com/scopes' },
        },
      ),
    );
  }

  /** POST /oauth/v1/token (form-encoded). */
  tokenEndpoint(form: URLSearchParams): { status: number; body: Record<string, unknown> } {
    const bad = (status: string, message: string) => ({
      status: 400,
      body: { status, message, correlationId: correlationId() },
    });
    const grant = form.get('grant_type');
    if (form.get('client_id') !== this.oauth.clientId)
      return bad('BAD_CLIENT_ID', 'missing or unknown client id');
    if (form.get('client_secret') !== this.oauth.clientSecret)
      return bad('BAD_CLIENT_SECRET', 'missing or invalid client secret');
    let scopes: string[];
    let refreshToken: string;
    if (grant === 'authorization_code') {
      const code = this.codes.get(form.get('code') ?? '');
      if (!code) return bad('BAD_AUTH_CODE', 'missing or invalid auth code');
      if (form.get('redirect_uri') !== code.redirectUri)
        return bad('BAD_REDIRECT_URI', 'redirect URI does not match');
      this.codes.delete(form.get('code') ?? '');
      scopes = code.scopes;
      refreshToken = this.mintRefreshToken(scopes);
    } else if (grant === 'refresh_token') {
      const info = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (!info || info.revoked)
        return {
          status: 400,
          body: { ...this.behaviours.badRefreshTokenBody, correlationId: correlationId() },
        };
      scopes = info.scopes;
      refreshToken = info.token;
    } else {
      return bad('BAD_GRANT_TYPE', `unsupported grant type: ${grant ?? ''}`);
    }
    const access = this.mintAccessToken(scopes);
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        refresh_token: refreshToken,
        access_token: access.token,
        expires_in: this.behaviours.accessTokenTtlSeconds,
        token_use: 'access_token',
        hub_id: this.hubId,
        user_id: this.userId,
        scopes,
      },
    };
  }

  /** GET /oauth/v1/access-tokens/{token} */
  accessTokenInfo(token: string): Record<string, unknown> | undefined {
    const info = this.tokens.get(token);
    if (info?.kind !== 'oauth' || info.revoked) return undefined;
    const left = Math.floor(((info.expiresAt ?? 0) - this.now()) / 1000);
    if (left <= 0) return undefined;
    return {
      token,
      user: info.user,
      hub_domain: 'leadscore-demo.example',
      scopes: info.scopes,
      hub_id: info.hubId,
      app_id: info.appId,
      expires_in: left,
      user_id: info.userId,
      token_type: 'access',
      is_private_distribution: true,
    };
  }

  /** GET /oauth/v1/refresh-tokens/{token} */
  refreshTokenInfo(token: string): Record<string, unknown> | undefined {
    const info = this.refreshTokens.get(token);
    if (!info || info.revoked) return undefined;
    return {
      token,
      user: this.user,
      hub_domain: 'leadscore-demo.example',
      scopes: info.scopes,
      hub_id: this.hubId,
      client_id: this.oauth.clientId,
      user_id: info.userId,
      token_type: 'refresh',
    };
  }

  /** POST /oauth/v2/private-apps/get/access-token-info {tokenKey} */
  privateTokenInfo(tokenKey: string): Record<string, unknown> | undefined {
    const info = this.tokens.get(tokenKey);
    if (info?.kind !== 'private' || info.revoked) return undefined;
    return { userId: info.userId, hubId: info.hubId, appId: info.appId, scopes: info.scopes };
  }
}
