/**
 * fast-check generators shared by the version 1.0 kernel tests (src/compute/versions/1.0/*.test.ts).
 */
import fc from 'fast-check';

/**
 * Plausible daily closes: a walk in whole cents (so shifting by whole cents keeps every change exact), with
 * flat days and flat stretches (runs of identical closes, the case pandas treats specially).
 */
export function pricePath(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<Float64Array> {
  const { minLength = 0, maxLength = 120 } = constraints;
  const move = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -300, max: 300 }) },
    { weight: 1, arbitrary: fc.constant(0) },
  );
  const step = fc.tuple(move, fc.integer({ min: 1, max: 20 }), fc.boolean());
  return fc
    .tuple(fc.integer({ min: 100, max: 10_000_000 }), fc.array(step, { minLength, maxLength }))
    .map(([startCents, steps]) => {
      const cents: number[] = [];
      let c = startCents;
      for (const [delta, repeat, flat] of steps) {
        // A flat step repeats the same close `repeat` times; otherwise one move.
        const count = flat && delta === 0 ? repeat : 1;
        for (let r = 0; r < count && cents.length < maxLength; r++) {
          c = Math.max(1, c + (flat ? 0 : delta));
          cents.push(c);
        }
      }
      while (cents.length < minLength) cents.push(c);
      return Float64Array.from(cents, (x) => x / 100);
    });
}

/**
 * Hostile numeric series: NaN, ±Infinity, ±0, huge spikes, tiny values, negative values, and runs of repeated
 * values, in any order. For checking that a fused kernel takes every branch exactly as the plain kernels do.
 * With `overflow` the values may come near the largest double, so that sums overflow (and then Kahan's
 * compensation turns NaN: a full window is not always a number any more).
 */
export function hostileSeries(maxLength = 80, overflow = true): fc.Arbitrary<Float64Array> {
  const value = fc.oneof(
    { weight: 4, arbitrary: fc.double({ min: -1000, max: 1000, noNaN: true }) },
    { weight: 2, arbitrary: fc.integer({ min: -5, max: 5 }).map((x) => x / 4) },
    { weight: 1, arbitrary: fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 0.1, 1 / 3) },
    { weight: 1, arbitrary: fc.constantFrom(1e15, -2e14, 7.5e16, 3e12, 1e-300, -5e-324) },
    { weight: 1, arbitrary: overflow ? fc.double() : fc.double({ min: -1e30, max: 1e30 }) },
  );
  return fc
    .array(fc.tuple(value, fc.integer({ min: 1, max: 6 })), { maxLength })
    .map((runs) => Float64Array.from(runs.flatMap(([v, repeat]) => Array<number>(repeat).fill(v))));
}

/** One stretch of a segmented series: `length` values at `level`, flat (all equal) or jittered around it. */
export interface SeriesSegment {
  length: number;
  level: number;
  flat: boolean;
}

/**
 * Segments at wildly different levels (spikes, crashes, flat stretches) as one series: what the error bounds of
 * the running sums are for. The jitter comes from a small LCG seeded by `seed`, so a shrunk case replays exactly.
 */
export function segmentedSeries(segments: readonly SeriesSegment[], seed: number): Float64Array {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Float64Array.from(
    segments.flatMap((s) => Array.from({ length: s.length }, () => (s.flat ? s.level : s.level * (0.5 + next())))),
  );
}
