import { describe, expect, it } from 'vitest';
import { EV, generateDataset } from '../generator.js';

const NOW = Date.parse('2026-11-20T12:00:00.000Z');

describe('the synthetic portal', () => {
  it('given the same seed, then the same contacts and events; another seed differs', () => {
    const a = generateDataset({ seed: 11, contacts: 500, now: NOW });
    const b = generateDataset({ seed: 11, contacts: 500, now: NOW });
    const c = generateDataset({ seed: 12, contacts: 500, now: NOW });
    expect(b.events.length).toBe(a.events.length);
    expect(Array.from(b.events.time.subarray(0, a.events.length))).toEqual(
      Array.from(a.events.time.subarray(0, a.events.length)),
    );
    expect(Array.from(b.lifecycle)).toEqual(Array.from(a.lifecycle));
    expect(Array.from(b.createdAt)).toEqual(Array.from(a.createdAt));
    expect(Array.from(c.lifecycle)).not.toEqual(Array.from(a.lifecycle));
  });

  it('given 5,000 contacts, then about ten events each over ~18 months, all in the past and after the contact was created', () => {
    const ds = generateDataset({ seed: 3, contacts: 5000, now: NOW });
    expect(ds.events.length / ds.n).toBeGreaterThan(7);
    expect(ds.events.length / ds.n).toBeLessThan(14);
    const span = (ds.createdAt[ds.n - 1]! - ds.createdAt[0]!) / 86_400_000;
    expect(span).toBeGreaterThan(500);
    for (let i = 0; i < ds.n; i += 7) {
      for (let e = ds.rowEvStart[i]!; e < ds.rowEvStart[i + 1]!; e++) {
        if (ds.events.kind[e] === EV.MEETING) continue; // scheduled meetings can be in the future
        expect(ds.events.time[e]!).toBeLessThanOrEqual(NOW);
        expect(ds.events.time[e]!).toBeGreaterThanOrEqual(ds.createdAt[i]!);
      }
    }
  });

  it('given fit and engagement, then conversion is a few per cent overall and far higher for high-fit engaged contacts', () => {
    const ds = generateDataset({ seed: 42, contacts: 20_000, now: NOW });
    let conv = 0;
    const hi = { n: 0, c: 0 };
    const lo = { n: 0, c: 0 };
    for (let i = 0; i < ds.n; i++) {
      const converted = ds.convertedAt[i]! > 0;
      if (converted) conv++;
      let engaged = 0;
      for (let e = ds.rowEvStart[i]!; e < ds.rowEvStart[i + 1]!; e++) {
        const k = ds.events.kind[e];
        if (k === EV.CLICK || k === EV.FORM || k === EV.MEETING) engaged++;
        if (k === EV.PAGE_VIEW && (ds.events.attr[e] === 1 || ds.events.attr[e] === 2)) engaged++;
      }
      if (ds.fit[i]! > 1 && engaged >= 2) {
        hi.n++;
        if (converted) hi.c++;
      } else if (ds.fit[i]! < 0 && engaged === 0) {
        lo.n++;
        if (converted) lo.c++;
      }
    }
    const rate = conv / ds.n;
    expect(rate).toBeGreaterThan(0.015);
    expect(rate).toBeLessThan(0.08);
    expect(hi.n).toBeGreaterThan(500);
    expect(lo.n).toBeGreaterThan(500);
    const hiRate = hi.c / hi.n;
    const loRate = lo.c / lo.n;
    expect(hiRate).toBeGreaterThan(5 * Math.max(loRate, 0.002));
  });
});
