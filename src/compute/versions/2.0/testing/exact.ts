/**
 * Exact rolling mean, population standard deviation and Bollinger bands, in rational arithmetic.
 *
 * Every double is a dyadic rational, so with one common scale 2^S every input x is an integer X = x 2^S
 * (S = the most fractional bits any input has; multiplying by a power of 2 is exact). Over a window of P
 * bars, with A = sum X and B = sum X^2 (BigInt, so exact however long the series; the window slides by
 * adding and subtracting integers, which loses nothing):
 *     mean = A / (P 2^S),   sd = sqrt(N) / (P 2^S)   with N = P B - A^2 = P^2 2^2S population variance,
 * N an exact non-negative integer. The only roundings are the final ones: a quotient of integers, or an
 * integer square root taken to 64 extra bits, each carried with a "sticky" bit (is anything left over?)
 * into a single round-to-nearest conversion to double. So every value is the correctly rounded exact
 * result (within half an ulp, plus 2^-64 relative for the square root's own floor), the reference the
 * kernels' "exact" claim is tested against. Slow (BigInt) and meant for tests and fixtures only.
 */

export interface ExactBands {
  middle: number[];
  stddev: number[];
  upper: number[];
  lower: number[];
}

/** Extra bits carried below the result before the final rounding. */
const GUARD_BITS = 64n;

export function exactBollinger(input: ArrayLike<number>, period: number, k: number): ExactBands {
  if (!Number.isInteger(period) || period < 1) throw new RangeError(`period must be an integer >= 1`);
  const n = input.length;
  let scaleBits = 0;
  for (let i = 0; i < n; i++) scaleBits = Math.max(scaleBits, fractionalBits(input[i]));
  const scaled: bigint[] = Array.from(input, (x) => toInteger(x, scaleBits));
  const kBits = fractionalBits(k);
  const kScaled = toInteger(k, kBits); // k = kScaled 2^-kBits
  const P = BigInt(period);
  const result: ExactBands = {
    middle: new Array<number>(n).fill(NaN),
    stddev: new Array<number>(n).fill(NaN),
    upper: new Array<number>(n).fill(NaN),
    lower: new Array<number>(n).fill(NaN),
  };
  // Denominators: value = numerator / (P 2^S), with the square roots carried at 2^(GUARD+1) and k's bits.
  const meanDen = P << BigInt(scaleBits);
  const sdDen = P << BigInt(scaleBits + 1 + Number(GUARD_BITS));
  const bandShift = BigInt(kBits + 1) + GUARD_BITS;
  const bandDen = P << (BigInt(scaleBits) + bandShift);
  let A = 0n;
  let B = 0n;
  for (let i = 0; i < n; i++) {
    A += scaled[i];
    B += scaled[i] * scaled[i];
    if (i >= period) {
      A -= scaled[i - period];
      B -= scaled[i - period] * scaled[i - period];
    }
    if (i < period - 1) continue;
    const N = P * B - A * A;
    result.middle[i] = ratioToNumber(A, meanDen);
    result.stddev[i] = ratioToNumber(twiceSqrtSticky(N << (2n * GUARD_BITS)), sdDen);
    // k sqrt(N) = sqrt(kScaled^2 N) 2^-kBits, so both bands share one square root.
    const root = twiceSqrtSticky((kScaled * kScaled * N) << (2n * GUARD_BITS));
    const centre = A << bandShift;
    result.upper[i] = ratioToNumber(centre + root, bandDen);
    result.lower[i] = ratioToNumber(centre - root, bandDen);
  }
  return result;
}

/** How many binary digits x has after the point (0 for integers); doubling is exact, so this terminates. */
function fractionalBits(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`exact arithmetic needs finite inputs, got ${x}`);
  let bits = 0;
  for (let y = x; !Number.isInteger(y); y *= 2) bits++;
  return bits;
}

function toInteger(x: number, bits: number): bigint {
  const y = x * 2 ** bits;
  if (!Number.isInteger(y)) throw new RangeError(`${x} does not scale exactly by 2^${bits}`);
  return BigInt(y);
}

/**
 * 2 floor(sqrt(m)) + (1 if m is not a perfect square): sqrt(m) in units of 1/2, where the odd last bit
 * says "strictly between these two halves", which is all a later rounding needs to know.
 */
function twiceSqrtSticky(m: bigint): bigint {
  if (m < 0n) throw new RangeError('negative variance: exact arithmetic cannot produce this');
  const r = isqrt(m);
  return 2n * r + (r * r === m ? 0n : 1n);
}

/** floor(sqrt(m)) by Newton's method from above. */
function isqrt(m: bigint): bigint {
  if (m < 2n) return m;
  let x = 1n << BigInt(Math.ceil(bitLength(m) / 2)); // >= sqrt(m)
  for (;;) {
    const y = (x + m / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/**
 * num / den (den > 0) rounded to the nearest double: an integer quotient of at least 66 bits, with a
 * sticky bit for a non-zero remainder, converted by Number() (round to nearest even, so ties can only be
 * real ties), then scaled by a power of 2 (exact for the magnitudes here, far from under/overflow).
 * Inputs carry any sticky bit from a square root in their own last bit.
 */
export function ratioToNumber(num: bigint, den: bigint): number {
  if (den <= 0n) throw new RangeError('denominator must be positive');
  if (num === 0n) return 0;
  const negative = num < 0n;
  const magnitude = negative ? -num : num;
  let shift = 66 - (bitLength(magnitude) - bitLength(den));
  let q: bigint;
  let r: bigint;
  if (shift >= 0) {
    const scaledNum = magnitude << BigInt(shift);
    q = scaledNum / den;
    r = scaledNum % den;
  } else {
    const scaledDen = den << BigInt(-shift);
    q = magnitude / scaledDen;
    r = magnitude % scaledDen;
  }
  if (r !== 0n) {
    q = (q << 1n) | 1n;
    shift += 1;
  }
  if (Math.abs(shift) > 1000) throw new RangeError('exact value out of the range handled here');
  const value = Number(q) * 2 ** -shift;
  return negative ? -value : value;
}
