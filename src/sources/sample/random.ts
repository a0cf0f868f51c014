/**
 * Small seeded generators for the synthetic source. Determinism matters here, not statistical quality:
 * the same seed must give the same numbers on every machine and every run.
 */

/** FNV-1a over the UTF-16 code units, 32 bits: turns a ticker into a seed. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A uniform generator in [0, 1) that can also skip draws. */
export interface SeededRandom {
  (): number;
  /** Advances the generator as `count` draws would, without computing them. */
  skip(count: number): void;
}

/**
 * mulberry32: a 32-bit state generator, uniform in [0, 1). Its state only counts up by a constant, so skipping
 * n draws is one multiplication (the sample source skips most of the draws of the days before the range).
 */
export function mulberry32(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (() => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as SeededRandom;
  next.skip = (count: number) => {
    state = (state + Math.imul(count, 0x6d2b79f5)) >>> 0;
  };
  return next;
}

/** A standard normal draw (Box-Muller, one value per two uniforms). */
export function normal(random: () => number): number {
  const u = 1 - random(); // (0, 1]: log(0) would be -Infinity
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
