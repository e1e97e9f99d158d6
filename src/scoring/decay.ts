import type { Decay, RuleSet } from './rules-schema.js';

export const DAY_MS = 86_400_000;

/** The weight left for something `ageDays` old (1 = full weight). */
export type DecayFunction = (ageDays: number) => number;

const noDecay: DecayFunction = () => 1;

export function compileDecay(decay: Decay): DecayFunction {
  switch (decay.type) {
    case 'none':
      return noDecay;
    case 'halfLife': {
      // 0.5^(age/days), as exp: cheaper than a general power in the per-event loop.
      const rate = Math.LN2 / decay.days;
      return (ageDays) => Math.exp(-rate * ageDays);
    }
    case 'linear': {
      const step = decay.percent / 100;
      const every = decay.everyDays;
      return (ageDays) => Math.max(0, 1 - step * Math.floor(ageDays / every));
    }
  }
}

/**
 * Weight of the fit rules' points: 1 while the record's data is fresh, then halving every `halfLifeDays`
 * after `afterDays` since its last update (stale titles and company sizes say less). A record without
 * `updatedAt` does not decay: its age is unknown.
 */
export function fitDecayFactor(
  decay: RuleSet['fit']['decay'],
  updatedAt: number | undefined,
  asOf: number,
): number {
  if (decay === undefined || updatedAt === undefined || !Number.isFinite(updatedAt)) return 1;
  const ageDays = (asOf - updatedAt) / DAY_MS;
  if (ageDays <= decay.afterDays) return 1;
  return 0.5 ** ((ageDays - decay.afterDays) / decay.halfLifeDays);
}
