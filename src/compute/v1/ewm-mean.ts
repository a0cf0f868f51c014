import { assertCapacity, assertSpan } from './args.js';

/**
 * Exponentially weighted mean, computation version 1.0: pandas 1.5
 * `Series.ewm(span=span, adjust=False).mean()`, which starts at the first value (no SMA seed: that is 2.0).
 *
 * pandas derives the weight through the centre of mass, com = (span - 1) / 2 and alpha = 1 / (1 + com). That is
 * the same double as 2 / (span + 1) whenever span - 1 is exact (every practical span), but we derive it the
 * same way anyway, so that no span can differ. Each step is
 *   weighted = (oldWt * weighted + alpha * x) / (oldWt + alpha),   oldWt = (1 - alpha)^(bars since last value)
 * with these pandas details kept:
 * - A value equal to the current mean leaves it untouched (no rounding drift on a constant series).
 * - NaN and ±Infinity (turned into NaN by pandas) are skipped but still age the old weight, so the next value
 *   weighs more; the output at a gap repeats the last mean. Before the first value the output is NaN.
 * - Without a gap the denominator is (1 - alpha) + alpha, which is exactly 1 in binary floating point for every
 *   alpha in (0, 1]; dividing by 1 changes nothing, so the division (the slowest step of the chain) is skipped
 *   whenever the denominator is exactly 1. The result is bit-identical to pandas'.
 *
 * O(n), one pass, no allocation. Writes out[0..n) and returns `out` (`out` may alias `input`: each value is read
 * before it is overwritten).
 */
export function ewmMean(input: Float64Array, span: number, out: Float64Array): Float64Array {
  assertSpan('span', span);
  assertCapacity('out', out, input.length);
  const alpha = ewmAlpha(span);
  ewmMeanLoop(input, alpha, 1 - alpha, out, input.length);
  return out;
}

/** alpha for `span` exactly as pandas computes it (through the centre of mass). */
export function ewmAlpha(span: number): number {
  const com = (span - 1) / 2;
  return 1 / (1 + com);
}

/** Kept apart from the checks for V8's sake; see rollingMeanLoop in rolling-mean.ts. */
function ewmMeanLoop(input: Float64Array, alpha: number, decay: number, out: Float64Array, n: number): void {
  let weighted = NaN; // NaN until the first value
  let oldWt = 1;
  for (let i = 0; i < n; i++) {
    const x = input[i];
    if (x - x === 0) {
      if (weighted === weighted) {
        oldWt *= decay;
        if (weighted !== x) {
          const num = oldWt * weighted + alpha * x;
          const den = oldWt + alpha;
          weighted = den === 1 ? num : num / den;
        }
        oldWt = 1;
      } else {
        weighted = x;
      }
    } else if (weighted === weighted) {
      oldWt *= decay;
    }
    out[i] = weighted;
  }
}
