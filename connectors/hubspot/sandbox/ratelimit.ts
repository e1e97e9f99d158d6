import type { TokenInfo } from './auth.js';
import type { SandboxBehaviours, Tier } from './behaviours.js';
import { correlationId, SandboxHttpError } from './errors.js';

const DAY = 86_400_000;

/** A rolling window of request times. */
class Window {
  private times: number[] = [];
  constructor(private readonly ms: number) {}
  count(now: number): number {
    let drop = 0;
    while (drop < this.times.length && (this.times[drop] as number) <= now - this.ms) drop++;
    if (drop) this.times.splice(0, drop);
    return this.times.length;
  }
  add(now: number): void {
    this.times.push(now);
  }
  oldest(): number | undefined {
    return this.times[0];
  }
  reset(): void {
    this.times = [];
  }
}

/**
 * Burst (10 s rolling, per app), daily (per account, resets at the portal's midnight) and search (per second,
 * per account, no headers). https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
 */
export class RateLimiter {
  private readonly burst = new Map<string, Window>();
  private readonly search = new Window(1000);
  private dayKey = -1;
  dailyUsed = 0;

  constructor(
    private readonly tier: Tier,
    private readonly b: SandboxBehaviours,
  ) {}

  reset(): void {
    this.burst.clear();
    this.search.reset();
    this.dailyUsed = 0;
  }

  get dailyLimit(): number {
    return this.b.tierLimits[this.tier].daily;
  }

  burstLimit(token: TokenInfo): number {
    return token.kind === 'oauth' ? this.b.oauthBurstPer10s : this.b.tierLimits[this.tier].burstPer10s;
  }

  /** Epoch ms of the next daily reset. */
  dailyResetsAt(now: number): number {
    const off = this.b.portalUtcOffsetMinutes * 60_000;
    return (Math.floor((now + off) / DAY) + 1) * DAY - off;
  }

  private rollDay(now: number): void {
    const key = Math.floor((now + this.b.portalUtcOffsetMinutes * 60_000) / DAY);
    if (key !== this.dayKey) {
      this.dayKey = key;
      this.dailyUsed = 0;
    }
  }

  private headers(token: TokenInfo, remaining: number, max: number): Record<string, string> {
    const h: Record<string, string> = {};
    if (token.kind === 'private' || this.b.dailyHeadersForOAuth) {
      h['X-HubSpot-RateLimit-Daily'] = String(this.dailyLimit);
      h['X-HubSpot-RateLimit-Daily-Remaining'] = String(Math.max(0, this.dailyLimit - this.dailyUsed));
    }
    h['X-HubSpot-RateLimit-Interval-Milliseconds'] = '10000';
    h['X-HubSpot-RateLimit-Max'] = String(max);
    h['X-HubSpot-RateLimit-Remaining'] = String(Math.max(0, remaining));
    if (this.b.sendSecondlyHeaders) {
      const perSecond = Math.ceil(max / 10);
      h['X-HubSpot-RateLimit-Secondly'] = String(perSecond);
      h['X-HubSpot-RateLimit-Secondly-Remaining'] = String(Math.max(0, Math.min(perSecond, remaining)));
    }
    return h;
  }

  rateLimitedBody(policy: 'TEN_SECONDLY_ROLLING' | 'DAILY', token: TokenInfo): Record<string, unknown> {
    // https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines (429 example);
    // ◐ groupName as observed on live burst 429s.
    return {
      status: 'error',
      message:
        policy === 'DAILY'
          ? 'You have reached your daily limit.'
          : 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: correlationId(),
      policyName: policy,
      ...(policy === 'TEN_SECONDLY_ROLLING'
        ? {
            groupName: `publicapi:${token.kind === 'oauth' ? 'oauth' : 'private_app'}-api-calls-ten-secondly:${token.appId}:${token.hubId}`,
          }
        : {}),
      requestId: correlationId(),
    };
  }

  searchRateLimitedBody(): Record<string, unknown> {
    // ◐ live search 429 (grouparoo recordings); the SDK retries on this exact message.
    if (this.b.searchRateLimitBody === 'category')
      return {
        status: 'error',
        message: 'You have reached your secondly limit.',
        correlationId: correlationId(),
        category: 'RATE_LIMITS',
      };
    return {
      status: 'error',
      message: 'You have reached your secondly limit.',
      errorType: 'RATE_LIMIT',
      correlationId: correlationId(),
      policyName: this.b.searchPolicyName,
    };
  }

  private retryAfter(): Record<string, string> {
    return this.b.retryAfterSeconds === null ? {} : { 'Retry-After': String(this.b.retryAfterSeconds) };
  }

  /** Counts one request; returns the headers to send, or throws the 429. */
  take(kind: 'rest' | 'search', token: TokenInfo, now: number): Record<string, string> {
    this.rollDay(now);
    if (kind === 'search') {
      if (this.search.count(now) >= this.b.searchPerSecond)
        throw new SandboxHttpError(429, this.searchRateLimitedBody(), this.retryAfter());
      if (this.dailyUsed >= this.dailyLimit)
        throw new SandboxHttpError(429, this.rateLimitedBody('DAILY', token), this.retryAfter());
      this.search.add(now);
      this.dailyUsed++;
      return {};
    }
    const key = `${token.kind}:${token.appId}`;
    let w = this.burst.get(key);
    if (!w) {
      w = new Window(10_000);
      this.burst.set(key, w);
    }
    const max = this.burstLimit(token);
    const used = w.count(now);
    if (this.dailyUsed >= this.dailyLimit)
      throw new SandboxHttpError(429, this.rateLimitedBody('DAILY', token), {
        ...this.headers(token, max - used, max),
        ...this.retryAfter(),
      });
    if (used >= max)
      throw new SandboxHttpError(429, this.rateLimitedBody('TEN_SECONDLY_ROLLING', token), {
        ...this.headers(token, 0, max),
        ...this.retryAfter(),
      });
    w.add(now);
    this.dailyUsed++;
    return this.headers(token, max - used - 1, max);
  }

  /** Forced 429 (fault injection) with the right body and headers. */
  forced(
    policy: 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY',
    token: TokenInfo | undefined,
  ): SandboxHttpError {
    if (policy === 'SECONDLY' || !token)
      return new SandboxHttpError(429, this.searchRateLimitedBody(), this.retryAfter());
    const max = this.burstLimit(token);
    return new SandboxHttpError(429, this.rateLimitedBody(policy, token), {
      ...this.headers(token, 0, max),
      ...this.retryAfter(),
    });
  }
}
