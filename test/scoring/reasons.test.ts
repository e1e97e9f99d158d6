import { describe, expect, it } from 'vitest';
import { renderReason, renderReasons } from '../../src/scoring/reasons.js';
import type { Contribution } from '../../src/scoring/types.js';

function contribution(label: string, points: number, count = 0): Contribution {
  return {
    ruleId: label.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    label,
    section: points < 0 ? 'negative' : 'engagement',
    subScore: 'engagement',
    points,
    basePoints: points,
    count,
    skipped: 0,
    capped: false,
    decayFactor: 1,
    eventIds: [],
  };
}

const options = { top: 5, maxLength: 255 };

describe('renderReason', () => {
  it.each([
    [contribution('Demo request', 30, 1), '+30 Demo request'],
    [contribution('Pricing page visit', 19.6, 3), '+20 Pricing page visit (3)'],
    [contribution('No engagement 30+ days', -15), '-15 No engagement 30+ days'],
    [contribution('Unsubscribed', -7.5, 1), '-7 Unsubscribed'],
  ])('given %o, when rendered, then it reads %s', (input, expected) => {
    expect(renderReason(input)).toBe(expected);
  });
});

describe('renderReasons', () => {
  it('given contributions, when rendered, then they are joined in order', () => {
    const text = renderReasons(
      [
        contribution('Demo request', 30, 1),
        contribution('Pricing page visit', 20, 3),
        contribution('No engagement 30+ days', -15),
      ],
      options,
    );
    expect(text).toBe('+30 Demo request; +20 Pricing page visit (3); -15 No engagement 30+ days');
  });

  it('given no contributions, when rendered, then the text is empty', () => {
    expect(renderReasons([], options)).toBe('');
  });

  it('given more contributions than top, when rendered, then only the first top are shown', () => {
    const list = ['A', 'B', 'C', 'D'].map((label, index) => contribution(label, 10 - index));
    expect(renderReasons(list, { top: 2, maxLength: 255 })).toBe('+10 A; +9 B');
  });

  it('given a contribution that rounds to 0 points, when rendered, then it is left out', () => {
    expect(renderReasons([contribution('A', 5), contribution('Tiny', 0.4)], options)).toBe('+5 A');
  });

  it('given long labels, when the text would pass 255, then whole trailing reasons are dropped', () => {
    const list = ['a', 'b', 'c', 'd', 'e'].map((letter, index) =>
      contribution(letter.repeat(80), 50 - index, 12),
    );
    const text = renderReasons(list, options);
    expect(text.length).toBeLessThanOrEqual(255);
    // Each reason is "+50 " + 80 letters + " (12)" = 89 characters; two fit with the separator, three do not.
    expect(text).toBe(`+50 ${'a'.repeat(80)} (12); +49 ${'b'.repeat(80)} (12)`);
    expect(text.endsWith('…')).toBe(false);
  });

  it('given a first reason longer than maxLength alone, when rendered, then it is cut and ends with an ellipsis', () => {
    const text = renderReasons([contribution('x'.repeat(80), 30, 2), contribution('short', 5)], {
      top: 5,
      maxLength: 40,
    });
    expect(text).toHaveLength(40);
    expect(text).toBe(`+30 ${'x'.repeat(35)}…`);
  });

  it('given a cut that would split a surrogate pair, when rendered, then the pair is kept whole', () => {
    const label = `${'x'.repeat(34)}😀${'y'.repeat(40)}`;
    const text = renderReasons([contribution(label, 30)], { top: 5, maxLength: 40 });
    expect(text.length).toBeLessThanOrEqual(40);
    expect(text).toBe(`+30 ${'x'.repeat(34)}…`);
  });
});
