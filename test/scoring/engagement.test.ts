import { describe, expect, it } from 'vitest';
import type { EngagementRule } from '../../src/scoring/rules-schema.js';
import { dayWindow, isoWeekWindow, monthWindow } from '../../src/scoring/windows.js';
import { AS_OF, contributionOf, DAY, event, lead, rules, score } from './helpers.js';

type RuleInput = Partial<EngagementRule> & Pick<EngagementRule, 'event'>;

/** Scores `events` against one engagement rule "r" (10 points, no decay unless given). */
function one(rule: RuleInput, events: Parameters<typeof score>[2], section: Record<string, unknown> = {}) {
  const set = rules({
    engagement: { ...section, rules: [{ id: 'r', label: 'R', points: 10, ...rule } as EngagementRule] },
  });
  const result = score(set, lead(), events);
  return { result, r: contributionOf(result, 'r') };
}

describe('event matching', () => {
  it('given events of other types, when scored, then only the named types count', () => {
    const { r } = one({ event: ['email_open', 'email_click'] }, [
      event('email_open', 1),
      event('email_click', 2),
      event('page_view', 1),
    ]);
    expect(r).toMatchObject({ count: 2, points: 20, subScore: 'engagement', section: 'engagement' });
  });

  it('given where filters, when scored, then every filter must match the attributes', () => {
    const { r } = one(
      {
        event: 'page_view',
        where: [
          { attr: 'url', op: 'contains', value: '/pricing' },
          { attr: 'campaignId', op: 'missing' },
        ],
      },
      [
        event('page_view', 1, { url: 'https://x.example/PRICING' }),
        event('page_view', 2, { url: 'https://x.example/pricing', campaignId: 'c1' }),
        event('page_view', 3, { url: 'https://x.example/blog' }),
        event('page_view', 4, {}),
      ],
    );
    expect(r).toMatchObject({ count: 1, points: 10 });
  });

  it('given events after asOf, when scored, then they are ignored', () => {
    const { r } = one({ event: 'demo_request' }, [event('demo_request', -0.001), event('demo_request', -3)]);
    expect(r).toBeUndefined();
  });

  it('given an event exactly at asOf, when scored, then it counts at full weight', () => {
    const { r } = one({ event: 'demo_request' }, [event('demo_request', 0)], {
      decay: { type: 'halfLife', days: 1 },
    });
    expect(r).toMatchObject({ count: 1, points: 10, decayFactor: 1 });
  });

  it('given many counted events, when scored, then eventIds are the newest 20, newest first', () => {
    const events = Array.from({ length: 25 }, (_, index) =>
      event('email_open', index, {}, `id-${String(index).padStart(2, '0')}`),
    );
    const { r } = one({ event: 'email_open' }, [...events].reverse());
    expect(r?.count).toBe(25);
    expect(r?.eventIds).toEqual(events.slice(0, 20).map((e) => e.id));
  });
});

describe('decay', () => {
  it.each([
    ['none, old event', { type: 'none' }, 100, 10],
    ['halfLife, one half-life', { type: 'halfLife', days: 10 }, 10, 5],
    ['halfLife, two half-lives', { type: 'halfLife', days: 10 }, 20, 2.5],
    ['halfLife, fractional age', { type: 'halfLife', days: 10 }, 5, 7.07],
    ['linear, before the first step', { type: 'linear', percent: 25, everyDays: 7 }, 6.9, 10],
    ['linear, first step', { type: 'linear', percent: 25, everyDays: 7 }, 7, 7.5],
    ['linear, two steps', { type: 'linear', percent: 25, everyDays: 7 }, 15, 5],
    ['linear, never below zero', { type: 'linear', percent: 40, everyDays: 7 }, 21, 0],
  ] as const)(
    'given section decay %s, when scored, then the event is worth %s',
    (_name, decay, daysAgo, points) => {
      const { r } = one({ event: 'email_click' }, [event('email_click', daysAgo)], { decay });
      expect(r?.points ?? 0).toBe(points);
    },
  );

  it('given a rule decay, when scored, then it overrides the section decay', () => {
    const { r } = one({ event: 'email_click', decay: { type: 'none' } }, [event('email_click', 30)], {
      decay: { type: 'halfLife', days: 10 },
    });
    expect(r).toMatchObject({ points: 10, decayFactor: 1 });
  });

  it('given decayed events, when scored, then decayFactor is the weight left per event', () => {
    const { r } = one({ event: 'email_click' }, [event('email_click', 0), event('email_click', 10)], {
      decay: { type: 'halfLife', days: 10 },
    });
    expect(r).toMatchObject({ points: 15, count: 2, basePoints: 10, decayFactor: 0.75 });
  });
});

describe('expiry', () => {
  it('given a section expiry, when an event is older, then it is neither counted nor skipped', () => {
    const { r } = one({ event: 'email_click' }, [event('email_click', 29), event('email_click', 31)], {
      expireAfterDays: 30,
    });
    expect(r).toMatchObject({ count: 1, skipped: 0, points: 10 });
  });

  it('given an event exactly at the expiry age, when scored, then it still counts', () => {
    const { r } = one({ event: 'email_click' }, [event('email_click', 30)], { expireAfterDays: 30 });
    expect(r?.count).toBe(1);
  });

  it('given a rule expiry, when scored, then it overrides the section expiry', () => {
    const events = [event('email_click', 29), event('email_click', 59), event('email_click', 61)];
    expect(one({ event: 'email_click', expireAfterDays: 60 }, events, { expireAfterDays: 30 }).r?.count).toBe(
      2,
    );
    expect(
      one({ event: 'email_click', expireAfterDays: 10 }, events, { expireAfterDays: 30 }).r,
    ).toBeUndefined();
  });
});

describe('cap', () => {
  it('given points beyond the cap, when scored, then the rule adds the cap and is marked capped', () => {
    const events = Array.from({ length: 5 }, (_, index) => event('email_click', index));
    const { r, result } = one({ event: 'email_click', cap: 25 }, events);
    expect(r).toMatchObject({ points: 25, count: 5, capped: true, decayFactor: 1 });
    expect(result.engagement).toBe(25);
  });

  it('given points within the cap, when scored, then capped is false', () => {
    const { r } = one({ event: 'email_click', cap: 25 }, [event('email_click', 1), event('email_click', 2)]);
    expect(r).toMatchObject({ points: 20, capped: false });
  });

  it('given a negative rule with a cap, when scored, then the cap bounds its magnitude', () => {
    const set = rules({
      negative: {
        rules: [
          { kind: 'event', id: 'bounce', label: 'Bounce', points: -10, event: 'email_bounce', cap: 15 },
        ],
      },
    });
    const result = score(set, lead(), [
      event('email_bounce', 1),
      event('email_bounce', 2),
      event('email_bounce', 3),
    ]);
    expect(contributionOf(result, 'bounce')).toMatchObject({
      points: -15,
      capped: true,
      count: 3,
      section: 'negative',
    });
    expect(result.engagement).toBe(-15);
  });
});

describe('frequency limit windows', () => {
  // AS_OF is Wednesday 2025-01-15 12:00 UTC.
  it('given per day, when two events share a UTC day, then only the newest counts', () => {
    const newest = event('email_open', 0.25); // 06:00 the same day
    const sameDay = event('email_open', 0.5); // 00:00 the same day
    const dayBefore = event('email_open', 0.51); // 23:45 the day before
    const { r } = one({ event: 'email_open', limit: { count: 1, per: 'day' } }, [sameDay, dayBefore, newest]);
    expect(r).toMatchObject({ count: 2, skipped: 1, eventIds: [newest.id, dayBefore.id] });
  });

  it('given per day with count 2, when three events share a day, then the newest two count', () => {
    const events = [event('email_open', 0.1), event('email_open', 0.2), event('email_open', 0.3)];
    const { r } = one({ event: 'email_open', limit: { count: 2, per: 'day' } }, events);
    expect(r).toMatchObject({ count: 2, skipped: 1, eventIds: [events[0]!.id, events[1]!.id] });
  });

  it('given per week, when events fall either side of Monday 00:00 UTC, then they are in different weeks', () => {
    const wednesday = event('page_view', 0);
    const monday = event('page_view', 2.5); // Monday 00:00
    const sunday = event('page_view', 2.51); // Sunday 23:45
    const { r } = one({ event: 'page_view', limit: { count: 1, per: 'week' } }, [monday, sunday, wednesday]);
    expect(r).toMatchObject({ count: 2, skipped: 1, eventIds: [wednesday.id, sunday.id] });
  });

  it('given per month, when events fall either side of the 1st 00:00 UTC, then they are in different months', () => {
    const first = event('page_view', 14.5); // 2025-01-01 00:00
    const newYearsEve = event('page_view', 14.51); // 2024-12-31 23:45
    const december = event('page_view', 20);
    const { r } = one({ event: 'page_view', limit: { count: 1, per: 'month' } }, [
      december,
      first,
      newYearsEve,
    ]);
    expect(r).toMatchObject({ count: 2, skipped: 1, eventIds: [first.id, newYearsEve.id] });
  });

  it('given per N days, when events fall in fixed N-day buckets from the epoch, then each bucket counts once', () => {
    const bucketStart = Math.floor(AS_OF / (7 * DAY)) * 7 * DAY;
    const events = [
      { id: 'a', type: 'page_view' as const, occurredAt: bucketStart + 1, attributes: {} },
      { id: 'b', type: 'page_view' as const, occurredAt: bucketStart, attributes: {} },
      { id: 'c', type: 'page_view' as const, occurredAt: bucketStart - 1, attributes: {} },
    ];
    const { r } = one({ event: 'page_view', limit: { count: 1, per: { days: 7 } } }, events);
    expect(r).toMatchObject({ count: 2, skipped: 1, eventIds: ['a', 'c'] });
  });

  it.each([
    ['2024-12-30T00:00Z', '2025-01-05T23:59Z', true],
    ['2024-12-29T23:59Z', '2024-12-30T00:00Z', false],
    ['2026-01-01T00:00Z', '2025-12-29T00:00Z', true],
  ])('given %s and %s, when ISO weeks are compared, then same week is %s', (a, b, same) => {
    expect(isoWeekWindow(Date.parse(a)) === isoWeekWindow(Date.parse(b))).toBe(same);
  });

  it('given every month start from 1969 to 2100, when months are computed, then they agree with Date', () => {
    const wrong: string[] = [];
    for (let year = 1969; year <= 2100; year++) {
      for (let month = 0; month < 12; month++) {
        const start = Date.UTC(year, month, 1);
        if (monthWindow(start) !== year * 12 + month) wrong.push(new Date(start).toISOString());
        const before = new Date(start - 1);
        if (monthWindow(start - 1) !== before.getUTCFullYear() * 12 + before.getUTCMonth()) {
          wrong.push(before.toISOString());
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('given the last and first millisecond of a day, when days are computed, then they differ', () => {
    expect(dayWindow(Date.UTC(2025, 0, 1) - 1)).toBe(dayWindow(Date.UTC(2025, 0, 1)) - 1);
  });
});

describe('once', () => {
  it('given once: true, when several events match, then only the newest counts', () => {
    const events = [event('demo_request', 5), event('demo_request', 1), event('demo_request', 9)];
    const { r } = one({ event: 'demo_request', once: true }, events);
    expect(r).toMatchObject({ count: 1, skipped: 2, points: 10, eventIds: [events[1]!.id] });
  });

  it('given once by an attribute, when events repeat a value, then the newest per value counts', () => {
    const a1 = event('content_download', 1, { contentId: 'wp-a' });
    const a2 = event('content_download', 2, { contentId: 'wp-a' });
    const b = event('content_download', 3, { contentId: 'wp-b' });
    const none1 = event('content_download', 4, {});
    const none2 = event('content_download', 5, { contentId: null });
    const { r } = one({ event: 'content_download', once: { by: 'contentId' } }, [none2, b, a2, none1, a1]);
    // Events without the attribute count once each, as their own group.
    expect(r).toMatchObject({ count: 4, skipped: 1, eventIds: [a1.id, b.id, none1.id, none2.id] });
  });

  it('given once: false, when events match, then all count', () => {
    const { r } = one({ event: 'demo_request', once: false }, [
      event('demo_request', 1),
      event('demo_request', 2),
    ]);
    expect(r?.count).toBe(2);
  });
});

describe('negative event rules', () => {
  it('given an unsubscribe rule with once, when there are two unsubscribes, then it counts once against engagement', () => {
    const set = rules({
      engagement: { rules: [{ id: 'click', label: 'Click', points: 10, event: 'email_click' }] },
      negative: {
        rules: [
          {
            kind: 'event',
            id: 'unsub',
            label: 'Unsubscribed',
            points: -20,
            event: 'unsubscribe',
            once: true,
          },
          {
            kind: 'event',
            id: 'hard',
            label: 'Hard bounce',
            points: -20,
            event: 'email_bounce',
            where: [{ attr: 'bounceType', op: 'equals', value: 'hard' }],
          },
        ],
      },
    });
    const result = score(set, lead(), [
      event('unsubscribe', 1),
      event('unsubscribe', 2),
      event('email_click', 1),
      event('email_bounce', 1, { bounceType: 'soft' }),
    ]);
    expect(contributionOf(result, 'unsub')).toMatchObject({
      points: -20,
      count: 1,
      skipped: 1,
      subScore: 'engagement',
    });
    expect(contributionOf(result, 'hard')).toBeUndefined();
    expect(result.engagement).toBe(-10);
  });
});

describe('inactivity', () => {
  const set = (eventTypes?: ('demo_request' | 'page_view')[]) =>
    rules({
      negative: {
        rules: [
          {
            kind: 'inactivity',
            id: 'idle',
            label: 'No engagement 30+ days',
            points: -15,
            days: 30,
            eventTypes,
          },
        ],
      },
    });
  const old = AS_OF - 400 * DAY;

  it.each([
    ['no events at all', [], old, true],
    ['a page view 5 days ago', [event('page_view', 5)], old, false],
    ['a page view exactly 30 days ago', [event('page_view', 30)], old, false],
    ['a page view 31 days ago', [event('page_view', 31)], old, true],
    ['only emails sent to the lead', [event('email_sent', 1)], old, true],
    ['only bounces and unsubscribes', [event('email_bounce', 1), event('unsubscribe', 2)], old, true],
    ['an event after asOf only', [event('page_view', -1)], old, true],
    ['a record created 10 days ago', [], AS_OF - 10 * DAY, false],
    ['a record created exactly 30 days ago', [], AS_OF - 30 * DAY, true],
    ['an unknown creation date', [], undefined, true],
  ])('given %s, when scored, then the rule fires: %s', (_name, events, createdAt, fires) => {
    const result = score(set(), lead({ createdAt }), events);
    expect(contributionOf(result, 'idle') !== undefined).toBe(fires);
    if (fires) {
      expect(contributionOf(result, 'idle')).toMatchObject({
        points: -15,
        count: 0,
        subScore: 'engagement',
        section: 'negative',
      });
    }
  });

  it('given eventTypes, when only other types happened, then the rule fires', () => {
    expect(score(set(['demo_request']), lead({ createdAt: old }), [event('page_view', 1)]).engagement).toBe(
      -15,
    );
    expect(
      score(set(['demo_request']), lead({ createdAt: old }), [event('demo_request', 1)]).engagement,
    ).toBe(0);
  });
});
