/** A small seeded PRNG (mulberry32): deterministic sample data for the demo, tests and benchmarks. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Picks by weight; `weights` are relative and need not sum to 1. */
export function pickWeighted<T>(random: () => number, items: readonly T[], weights: readonly number[]): T {
  let total = 0;
  for (const weight of weights) total += weight;
  let target = random() * total;
  for (let index = 0; index < items.length; index++) {
    target -= weights[index] as number;
    if (target < 0) return items[index] as T;
  }
  return items[items.length - 1] as T;
}
