/**
 * OAuth 2.0 token endpoint: refresh token, JWT bearer and client credentials flows.
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
 * https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_jwt_flow.htm
 * https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_client_credentials_flow.htm
 */
import { createHmac, createVerify, generateKeyPair, randomBytes } from 'node:crypto';

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

  private success(grant: string, extra: Record<string, unknown> = {}): OAuthResult {
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
        scope: grant === 'client_credentials' ? 'api' : 'api refresh_token',
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
