import { checkOutput, checkSpan } from '../../kernel-guards.js';

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
 *   alpha in (0, 1] (1 - alpha is exact when alpha >= 1/2; otherwise it is off by at most 2^-54, half the
 *   spacing of doubles just below 1, and adding alpha back rounds to 1, a tie going to the even 1). Dividing by 1
 *   changes nothing, so that step skips the division, the slowest link of the chain, and stays bit-identical.
 *
 * O(n), one pass, no allocation. Writes out[0..n) and returns `out` (`out` may alias `input`: each value is read
 * before it is overwritten).
 */
export function ewmMean(input: Float64Array, span: number, out: Float64Array): Float64Array {
  checkSpan('ewmMean', span);
  const n = input.length;
  checkOutput('ewmMean', 'out', out, n);
  // NaN until the first value; the loop starts there.
  let first = 0;
  while (first < n && !(input[first] - input[first] === 0)) out[first++] = NaN;
  const alpha = ewmAlpha(span);
  ewmMeanLoop(input, alpha, 1 - alpha, out, first, n);
  return out;
}

/** alpha for `span` exactly as pandas computes it (through the centre of mass). */
export function ewmAlpha(span: number): number {
  const com = (span - 1) / 2;
  return 1 / (1 + com);
}

/**
 * The loop from the first value (`first`) on. Kept apart from the checks, and written, for V8's sake (see
 * rollingMeanLoop in rolling-mean.ts): the control state is an integer (`gap`), the mean starts from a literal
 * and takes the first value inside the loop, and the common step, a value after a value, has no division.
 */
function ewmMeanLoop(
  input: Float64Array,
  alpha: number,
  decay: number,
  out: Float64Array,
  first: number,
  n: number,
): void {
  let weighted = 0; // the mean, from bar `first` on
  let oldWt = 1; // pandas' old weight: multiplied by decay once per missing bar
  let gap = 0; // missing bars since the last value
  for (let i = first; i < n; i++) {
    const x = input[i];
    if (x - x === 0) {
      if (gap === 0) {
        // oldWt * decay = decay and decay + alpha = 1 exactly: pandas' step without its division by 1.
        if (i === first) weighted = x;
        else if (weighted !== x) weighted = decay * weighted + alpha * x;
      } else {
        const w = oldWt * decay;
        if (weighted !== x) weighted = (w * weighted + alpha * x) / (w + alpha);
        oldWt = 1;
        gap = 0;
      }
    } else {
      oldWt *= decay;
      gap++;
    }
    out[i] = weighted;
  }
}
