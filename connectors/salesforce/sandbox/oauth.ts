/**
 * OAuth 2.0 endpoints: the web server (authorization code) flow, refresh token, JWT bearer and client
 * credentials flows.
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
 * https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_jwt_flow.htm
 * https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_client_credentials_flow.htm
 */
import { createHash, createHmac, createVerify, generateKeyPair, randomBytes } from 'node:crypto';

export interface OAuthConfig {
  loginUrl: string;
  instanceUrl: string;
  clientId: string;
  clientSecret: string;
  username: string;
  orgId: string;
  userId: string;
  clientCredentialsEnabled: boolean;
  refreshTokenRotation: boolean;
  jwtClockSkewSeconds: number;
  publicKeyPem: string;
}

export interface Session {
  token: string;
  expiresAt: number;
  grant: string;
}

export interface OAuthResult {
  status: number;
  body: Record<string, unknown>;
}

/** The authorize endpoint answers with a redirect back to the app, or (no trusted redirect_uri) an error. */
export type AuthorizeResult = { redirect: string } | OAuthResult;

interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string | undefined;
  expiresAt: number;
  used: boolean;
}

/** "The authorization code is valid for 15 minutes": web server flow doc above. */
export const AUTHORIZATION_CODE_TTL_MS = 15 * 60_000;

/** Runs on the libuv pool, so it overlaps with data generation on the main thread. */
export function generateJwtKeys(): Promise<{ publicKey: string; privateKey: string }> {
  return new Promise((resolve, reject) =>
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey })),
    ),
  );
}

const oauthError = (error: string, description: string, status = 400): OAuthResult => ({
  status,
  body: { error, error_description: description },
});

function b64urlJson(part: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export class OAuthServer {
  readonly sessions = new Map<string, Session>();
  readonly refreshTokens = new Map<string, { revoked: boolean }>();
  readonly authorizationCodes = new Map<string, AuthorizationCode>();

  constructor(
    readonly config: OAuthConfig,
    private readonly now: () => number,
    private readonly sessionTimeoutMs: () => number,
  ) {}

  get identityUrl(): string {
    return `${this.config.loginUrl}/id/${this.config.orgId}/${this.config.userId}`;
  }

  issueAccessToken(grant: string): string {
    const token = `${this.config.orgId.slice(0, 15)}!AQ${randomBytes(60).toString('base64url')}`;
    this.sessions.set(token, { token, expiresAt: this.now() + this.sessionTimeoutMs(), grant });
    return token;
  }

  /** `fixed` lets a seeded sandbox hand out the same refresh token on every start (reusable local config). */
  issueRefreshToken(fixed?: string): string {
    const token = fixed ?? `5Aep861${randomBytes(48).toString('base64url')}`;
    this.refreshTokens.set(token, { revoked: false });
    return token;
  }

  validSession(token: string | undefined): boolean {
    if (!token) return false;
    const session = this.sessions.get(token);
    if (!session) return false;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(token);
      return false;
    }
    return true;
  }

  expireAll(): void {
    this.sessions.clear();
  }

  /**
   * GET /services/oauth2/authorize for response_type=code. No login or consent page: the integration user
   * approves at once, unless `sandbox_deny=1` asks for the "Deny" button (error=access_denied; the errors
   * page shows `access-denied` for this flow, see BEHAVIOR.md item 29).
   * An unknown client or a missing redirect_uri gets an error page, never a redirect (RFC 6749 4.1.2.1).
   * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
   * https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_flow_errors.htm
   */
  authorize(params: URLSearchParams): AuthorizeResult {
    const clientId = params.get('client_id');
    const redirectUri = params.get('redirect_uri');
    if (clientId !== this.config.clientId)
      return oauthError('invalid_client_id', 'client identifier invalid');
    if (!redirectUri || !URL.canParse(redirectUri))
      return oauthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
    const back = new URL(redirectUri);
    const state = params.get('state');
    const answer = (values: Record<string, string>): AuthorizeResult => {
      for (const [key, value] of Object.entries(values)) back.searchParams.set(key, value);
      if (state !== null) back.searchParams.set('state', state);
      return { redirect: back.toString() };
    };
    if (params.get('response_type') !== 'code')
      return answer({ error: 'unsupported_response_type', error_description: 'response type not supported' });
    const method = params.get('code_challenge_method');
    if (method !== null && method !== 'S256')
      return answer({ error: 'invalid_request', error_description: 'invalid code_challenge_method' });
    if (params.get('sandbox_deny') === '1')
      return answer({ error: 'access_denied', error_description: 'end-user denied authorization' });
    const code = `aPrx${randomBytes(40).toString('base64url')}`;
    this.authorizationCodes.set(code, {
      clientId,
      redirectUri,
      scope: params.get('scope') ?? 'api refresh_token',
      codeChallenge: params.get('code_challenge') ?? undefined,
      expiresAt: this.now() + AUTHORIZATION_CODE_TTL_MS,
      used: false,
    });
    return answer({ code });
  }

  /** grant_type=authorization_code: one use, same client and redirect_uri, and the PKCE verifier if a challenge was sent. */
  private exchangeCode(params: URLSearchParams): OAuthResult {
    if (params.get('client_id') !== this.config.clientId)
      return oauthError('invalid_client_id', 'client identifier invalid');
    if (params.get('client_secret') !== this.config.clientSecret)
      return oauthError('invalid_client', 'invalid client credentials');
    const code = this.authorizationCodes.get(params.get('code') ?? '');
    if (!code || code.used) return oauthError('invalid_grant', 'invalid authorization code');
    code.used = true;
    if (code.expiresAt <= this.now()) return oauthError('invalid_grant', 'expired authorization code');
    if (params.get('redirect_uri') !== code.redirectUri)
      return oauthError('invalid_grant', 'redirect_uri must match configuration');
    if (code.codeChallenge !== undefined) {
      const verifier = params.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge)
        return oauthError('invalid_grant', 'invalid code verifier');
    }
    return this.success('authorization_code', { refresh_token: this.issueRefreshToken() }, code.scope);
  }

  private success(grant: string, extra: Record<string, unknown> = {}, scope?: string): OAuthResult {
    const issuedAt = String(this.now());
    const id = this.identityUrl;
    return {
      status: 200,
      body: {
        access_token: this.issueAccessToken(grant),
        ...extra,
        // ◐ signature: Base64 HMAC-SHA256 of id + issued_at keyed with the consumer secret.
        signature: createHmac('sha256', this.config.clientSecret)
          .update(id + issuedAt)
          .digest('base64'),
        scope: scope ?? (grant === 'client_credentials' ? 'api' : 'api refresh_token'),
        instance_url: this.config.instanceUrl,
        id,
        token_type: 'Bearer',
        issued_at: issuedAt,
      },
    };
  }

  token(params: URLSearchParams): OAuthResult {
    const grantType = params.get('grant_type');
    const clientId = params.get('client_id');
    const clientSecret = params.get('client_secret');
    switch (grantType) {
      case 'authorization_code':
        return this.exchangeCode(params);
      case 'refresh_token': {
        if (clientId !== this.config.clientId)
          return oauthError('invalid_client_id', 'client identifier invalid');
        if (clientSecret !== this.config.clientSecret)
          return oauthError('invalid_client', 'invalid client credentials');
        const refresh = params.get('refresh_token') ?? '';
        const known = this.refreshTokens.get(refresh);
        if (!known || known.revoked) return oauthError('invalid_grant', 'expired access/refresh token');
        if (this.config.refreshTokenRotation) {
          known.revoked = true;
          return this.success('refresh_token', { refresh_token: this.issueRefreshToken() });
        }
        return this.success('refresh_token');
      }
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        return this.jwt(params.get('assertion') ?? '');
      case 'client_credentials': {
        if (clientId !== this.config.clientId || clientSecret !== this.config.clientSecret) {
          return oauthError('invalid_client', 'invalid client credentials');
        }
        if (!this.config.clientCredentialsEnabled)
          return oauthError('invalid_grant', 'no client credentials user enabled');
        return this.success('client_credentials');
      }
      case null:
        return oauthError('unsupported_grant_type', 'grant type not supported');
      default:
        return oauthError('unsupported_grant_type', 'grant type not supported');
    }
  }

  /** RFC 7523 assertion: RS256, iss = consumer key, sub = username, aud = login URL, exp in the future. */
  private jwt(assertion: string): OAuthResult {
    const parts = assertion.split('.');
    if (parts.length !== 3) return oauthError('invalid_grant', 'invalid assertion');
    const [h, p, s] = parts as [string, string, string];
    const header = b64urlJson(h);
    const claims = b64urlJson(p);
    if (!header || !claims || header.alg !== 'RS256') return oauthError('invalid_grant', 'invalid assertion');
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${h}.${p}`);
    let valid = false;
    try {
      valid = verifier.verify(this.config.publicKeyPem, Buffer.from(s, 'base64url'));
    } catch {
      valid = false;
    }
    if (!valid) return oauthError('invalid_grant', 'invalid assertion');
    if (claims.iss !== this.config.clientId)
      return oauthError('invalid_client_id', 'client identifier invalid');
    const aud = String(claims.aud ?? '').replace(/\/$/, '');
    if (aud !== this.config.loginUrl.replace(/\/$/, ''))
      return oauthError('invalid_grant', 'audience is invalid');
    const exp = Number(claims.exp);
    if (!Number.isFinite(exp) || exp * 1000 + this.config.jwtClockSkewSeconds * 1000 <= this.now()) {
      return oauthError('invalid_grant', 'invalid assertion');
    }
    if (claims.sub !== this.config.username)
      return oauthError('invalid_grant', "user hasn't approved this consumer");
    return this.success('jwt-bearer');
  }
}
