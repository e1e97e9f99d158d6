/** mulberry32: a tiny, fast, seedable PRNG. Same seed -> same sequence, on every platform. */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes a seed with a stream number so each contact gets an independent, reproducible stream. */
export function subSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

/** Picks an index by weight. */
export function weighted(rng: Rng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let r = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i] as number;
    if (r < 0) return i;
  }
  return weights.length - 1;
}

/** Poisson draw (Knuth); fine for the small means used here. */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(rng)));
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rng();
  } while (p > l);
  return k - 1;
}

export function gaussian(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
const hex8 = (v: number) => (v >>> 0).toString(16).padStart(8, '0');

function uuidFromWords(a: number, b: number, c: number, d: number): string {
  const x = hex8(a);
  const y = hex8(b);
  const z = hex8(c);
  const variant = (8 + (c >>> 30)).toString(16);
  return `${x}-${y.slice(0, 4)}-4${y.slice(5, 8)}-${variant}${z.slice(1, 4)}-${z.slice(4)}${hex8(d)}`;
}

/** A deterministic UUID-shaped string from a PRNG (not RFC-random, but the right shape). */
export function uuidFrom(rng: Rng): string {
  const w = () => Math.floor(rng() * 4294967296);
  return uuidFromWords(w(), w(), w(), w());
}

/** A deterministic UUID-shaped id for (seed, n), without allocating a PRNG (hot path of event listings). */
export function uuidFor(seed: number, n: number): string {
  const a = subSeed(seed, n);
  return uuidFromWords(a, subSeed(a, 1), subSeed(a, 2), subSeed(a, 3));
}
