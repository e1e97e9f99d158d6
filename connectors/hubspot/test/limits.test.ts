import { describe, expect, it } from 'vitest';
import { classify, describeFailure, lanesFor, nextDailyReset, scopesFromBody } from '../limits.js';

const apiError = (code: number, body: unknown, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`HTTP-Code: ${code}`), { code, body, headers });

const NOW = Date.parse('2026-11-25T12:00:00.000Z');

describe('classify', () => {
  it.each([
    [
      'a TEN_SECONDLY_ROLLING 429',
      apiError(429, {
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
      }),
      { action: 'retry', delayMs: 10_000, countsAttempt: false },
    ],
    [
      "a search 429 (no policyName, 'secondly limit')",
      apiError(429, {
        status: 'error',
        message: 'You have reached your secondly limit.',
        category: 'RATE_LIMITS',
      }),
      { action: 'retry', delayMs: 1_000, countsAttempt: false },
    ],
    [
      'a 429 with Retry-After',
      apiError(429, { policyName: 'TEN_SECONDLY_ROLLING' }, { 'Retry-After': '3' }),
      { action: 'retry', delayMs: 3_000, countsAttempt: false },
    ],
    [
      'a DAILY 429',
      apiError(429, {
        message: 'You have reached your daily limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'DAILY',
      }),
      { action: 'fail' },
    ],
    [
      'a 502',
      apiError(502, '<html>Bad gateway</html>'),
      { action: 'retry', delayMs: 500, countsAttempt: true },
    ],
    ['a 504', apiError(504, {}), { action: 'retry', countsAttempt: true }],
    ['a 423 (locked 2 s)', apiError(423, {}), { action: 'retry', delayMs: 2_000, countsAttempt: true }],
    [
      'a 477 with Retry-After',
      apiError(477, {}, { 'retry-after': '30' }),
      { action: 'retry', delayMs: 30_000, countsAttempt: true },
    ],
    ['a 401', apiError(401, { category: 'EXPIRED_AUTHENTICATION' }), { action: 'refresh' }],
    ['a 403', apiError(403, { category: 'MISSING_SCOPES' }), { action: 'fail' }],
    ['a 400', apiError(400, { category: 'VALIDATION_ERROR' }), { action: 'fail' }],
    [
      'a connection reset',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      { action: 'retry', countsAttempt: true },
    ],
    [
      'truncated JSON',
      new SyntaxError('Unexpected end of JSON input'),
      { action: 'retry', countsAttempt: true },
    ],
    [
      'no Content-Type',
      new Error('Cannot parse content. No Content-Type defined.'),
      { action: 'retry', countsAttempt: true },
    ],
    ['a programming error', new TypeError('x is not a function'), { action: 'fail' }],
  ])('given %s, when classified, then %j', (_name, error, expected) => {
    expect(classify(error, 1, { now: NOW })).toMatchObject(expected);
  });

  it('given repeated 5xx, when classified by attempt, then the backoff doubles up to its cap', () => {
    const delays = [1, 2, 3, 8, 20].map((attempt) => {
      const decision = classify(apiError(500, {}), attempt);
      return decision.action === 'retry' ? decision.delayMs : -1;
    });
    expect(delays).toEqual([500, 1000, 2000, 30_000, 30_000]);
  });

  it('given a DAILY 429, when described, then it resets at the portal midnight', () => {
    const failure = describeFailure(apiError(429, { policyName: 'DAILY' }), {
      now: NOW,
      portalUtcOffsetMinutes: -300,
    });
    expect(failure).toEqual({
      kind: 'daily-limit',
      status: 429,
      resetAt: Date.parse('2026-11-26T05:00:00.000Z'),
      message: 'HTTP 429',
    });
    expect(nextDailyReset(NOW)).toBe(Date.parse('2026-11-26T00:00:00.000Z'));
  });

  it('given a 403 MISSING_SCOPES body, when described, then the scopes are named', () => {
    const body = {
      status: 'error',
      message: "This app hasn't been granted all required scopes to make this call.",
      category: 'MISSING_SCOPES',
      errors: [
        {
          message: 'One or more of the following scopes are required.',
          context: { requiredGranularScopes: ['crm.objects.contacts.write', 'content'] },
        },
      ],
    };
    expect(describeFailure(apiError(403, body))).toMatchObject({
      kind: 'scope',
      scopes: ['content', 'crm.objects.contacts.write'],
    });
    expect(scopesFromBody(JSON.stringify(body))).toEqual(['content', 'crm.objects.contacts.write']);
  });
});

describe('lanesFor', () => {
  it.each([
    ['starter', 'privateApp', 100],
    ['professional', 'privateApp', 190],
    ['enterprise', 'privateApp', 190],
    ['enterprise', 'oauth', 110],
  ] as const)(
    'given %s with %s, when laned, then each lane runs at 92%% of its documented rate (burst %d per 10 s, search 5 a second) and never above it in one window',
    (tier, auth, burst) => {
      const lanes = lanesFor(tier, { auth });
      for (const [lane, limit, windowMs] of [
        [lanes.standard, burst, 10_000],
        [lanes.search, 5, 1_000],
      ] as const) {
        expect(lane.limit).toBeLessThanOrEqual(limit);
        expect(lane.intervalMs).toBeGreaterThanOrEqual(windowMs);
        const perSecond = lane.limit / (lane.intervalMs / 1000);
        expect(perSecond / (limit / (windowMs / 1000))).toBeCloseTo(0.92, 2);
      }
    },
  );

  it('given the search lane, when laned, then it is not floored to 4 a second', () => {
    expect(lanesFor('professional').search).toMatchObject({ limit: 5, intervalMs: 1087 });
  });
});
