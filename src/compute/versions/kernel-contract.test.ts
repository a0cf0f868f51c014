/**
 * The kernel contract (kernel-set.ts), checked for every version in the registry: a new version gets these
 * tests by its registry line. Each version's own tests check its numbers against its reference (pandas, TA-Lib);
 * these check what every version promises alike:
 * - length: each output gets exactly one value per input bar, [0, n), and nothing beyond;
 * - warm-up: NaN for exactly the version's declared warm-up (`kernels.warmUp`), numbers after it;
 * - no aliasing: the kernel writes into the arrays it is given and returns them, never an input or its own array,
 *   and leaves the inputs as they were;
 * - no allocation: no typed array or buffer is created during a call given its outputs (and scratch), and
 *   a call carries nothing over to the next: repeated calls give the same bits;
 * - causality: a prefix of the series gives the first values of the whole series, bit for bit or within the
 *   version's declared `prefixTolerance`.
 */
import { describe, expect, it } from 'vitest';
import type { KernelSet } from './kernel-set.js';
import { KERNEL_SETS } from './registry.js';

interface Ohlc {
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

/** One kernel call of the KernelSet, with uniform inputs and outputs; ATR also gets `scratch` (caller-owned memory). */
interface KernelCase {
  name: string;
  kernel: keyof KernelSet['prefixTolerance'];
  outputs: number;
  warmUp(kernels: KernelSet): number;
  /** Runs the kernel over `input` into `out`, and returns what it returned, as an array per output. */
  run(kernels: KernelSet, input: Ohlc, out: Float64Array[], scratch?: Float64Array): Float64Array[];
}

/** The kernels from the closes and a period to one output: sma and rsi. */
function closeAndPeriod(kernel: 'sma' | 'rsi', periods: number[]): KernelCase[] {
  return periods.map((period) => ({
    name: `${kernel}(${period})`,
    kernel,
    outputs: 1,
    warmUp: (k) => k.warmUp[kernel](period),
    run: (k, x, out) => [k[kernel](x.close, period, out[0])],
  }));
}

const CASES: KernelCase[] = [
  ...closeAndPeriod('sma', [5, 20]),
  ...closeAndPeriod('rsi', [2, 14]),
  {
    name: 'macd',
    kernel: 'macd',
    outputs: 3,
    warmUp: (k) => k.warmUp.macd,
    run: (k, x, out) => {
      const r = k.macd(x.close, { macd: out[0], signal: out[1], histogram: out[2] });
      return [r.macd, r.signal, r.histogram];
    },
  },
  ...[3, 20].map((period) => ({
    name: `bollinger(${period}, 2)`,
    kernel: 'bollinger' as const,
    outputs: 3,
    warmUp: (k: KernelSet) => k.warmUp.bollinger(period),
    run: (k: KernelSet, x: Ohlc, out: Float64Array[]) => {
      const r = k.bollinger(x.close, period, 2, { upper: out[0], middle: out[1], lower: out[2] });
      return [r.upper, r.middle, r.lower];
    },
  })),
  ...[3, 14].map((period) => ({
    name: `atr(${period})`,
    kernel: 'atr' as const,
    outputs: 1,
    warmUp: (k: KernelSet) => k.warmUp.atr(period),
    run: (k: KernelSet, x: Ohlc, out: Float64Array[], scratch = new Float64Array(x.close.length)) => [
      k.atr(x.high, x.low, x.close, period, out[0], scratch),
    ],
  })),
];

/** A deterministic random walk in cents, never flat (so no 0/0), with high > close > low. */
function walk(n: number, seed: number): Ohlc {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const close = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  let cents = 10_000;
  for (let i = 0; i < n; i++) {
    const step = 1 + Math.floor(random() * 150);
    cents = Math.max(500, cents + (random() < 0.5 ? -step : step));
    close[i] = cents / 100;
    high[i] = (cents + 1 + Math.floor(random() * 200)) / 100;
    low[i] = (cents - 1 - Math.floor(random() * 200)) / 100;
  }
  return { high, low, close };
}

/** A value no kernel writes for these inputs: what is still there after a call was not written. */
const UNWRITTEN = -7.25e300;

function outputs(count: number, length: number): Float64Array[] {
  return Array.from({ length: count }, () => new Float64Array(length).fill(UNWRITTEN));
}

function copy(x: Ohlc): Ohlc {
  return { high: x.high.slice(), low: x.low.slice(), close: x.close.slice() };
}

/** Bit-level equality, NaN included (Object.is: NaN is NaN, 0 is not -0). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  return within(a, b, 0);
}

/** NaN at the same bars, and every other value within `tolerance` relative (0: the same bits). */
function within(a: Float64Array, b: Float64Array, tolerance: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], b[i])) continue;
    if (Number.isNaN(a[i]) || Number.isNaN(b[i]) || !(Math.abs(a[i] - b[i]) <= tolerance * Math.abs(b[i])))
      return false;
  }
  return true;
}

/** Counts the typed arrays and buffers constructed while `body` runs (the kernels construct through the globals). */
function countAllocations(body: () => void): number {
  let count = 0;
  const globals = globalThis as unknown as Record<string, unknown>;
  const originals = { Float64Array, ArrayBuffer };
  for (const [name, ctor] of Object.entries(originals)) {
    globals[name] = new Proxy(ctor, {
      construct(target, args, newTarget) {
        count++;
        return Reflect.construct(target, args, newTarget) as object;
      },
    });
  }
  try {
    body();
  } finally {
    Object.assign(globals, originals);
  }
  return count;
}

const N = 300;
const SERIES = walk(N, 20240611);

describe.each(Object.entries(KERNEL_SETS))('computation version %s: the kernel contract', (_version, kernels) => {
  describe.each(CASES)('$name', (kernel) => {
    const warmUp = kernel.warmUp(kernels);

    it('writes exactly one value per input bar, into the arrays given, and returns them', () => {
      expect(warmUp).toBeLessThan(N);
      for (const n of [0, 1, warmUp, warmUp + 1, N]) {
        const input = {
          high: SERIES.high.subarray(0, n),
          low: SERIES.low.subarray(0, n),
          close: SERIES.close.subarray(0, n),
        };
        const out = outputs(kernel.outputs, n + 3);
        const returned = kernel.run(kernels, input, out);
        returned.forEach((array, o) => expect(array).toBe(out[o]));
        for (const array of out) {
          expect(array.subarray(0, n).includes(UNWRITTEN), `bars of ${n} not written`).toBe(false);
          expect([...array.subarray(n)]).toEqual([UNWRITTEN, UNWRITTEN, UNWRITTEN]);
        }
      }
    });

    it('is NaN for exactly the declared warm-up, a number after it', () => {
      const out = outputs(kernel.outputs, N);
      kernel.run(kernels, SERIES, out);
      for (const array of out) {
        const undefinedAt = [...array.keys()].filter((i) => Number.isNaN(array[i]));
        expect(undefinedAt).toEqual([...Array(warmUp).keys()]);
        expect(array.every((v) => Number.isNaN(v) || Number.isFinite(v))).toBe(true);
      }
      // A series no longer than the warm-up has no value at all.
      const short = outputs(kernel.outputs, warmUp);
      const input = {
        high: SERIES.high.slice(0, warmUp),
        low: SERIES.low.slice(0, warmUp),
        close: SERIES.close.slice(0, warmUp),
      };
      kernel.run(kernels, input, short);
      for (const array of short) expect(array.every(Number.isNaN)).toBe(true);
    });

    it('leaves its inputs unmodified and returns none of them', () => {
      const input = copy(SERIES);
      const returned = kernel.run(kernels, input, outputs(kernel.outputs, N));
      for (const array of returned) for (const given of Object.values(input)) expect(array).not.toBe(given);
      expect(
        sameBits(input.high, SERIES.high) && sameBits(input.low, SERIES.low) && sameBits(input.close, SERIES.close),
      ).toBe(true);
    });

    it('allocates nothing given its outputs, and carries nothing from one call to the next', () => {
      const first = outputs(kernel.outputs, N);
      kernel.run(kernels, SERIES, first);
      const other = walk(N, 7);
      const out = outputs(kernel.outputs, N);
      const again = outputs(kernel.outputs, N);
      const scratch = new Float64Array(N);
      const allocations = countAllocations(() => {
        for (let call = 0; call < 5; call++) kernel.run(kernels, other, out, scratch);
        kernel.run(kernels, SERIES, again, scratch);
      });
      expect(allocations).toBe(0);
      first.forEach((array, o) => expect(sameBits(again[o], array), `output ${o}`).toBe(true));
    });

    it('gives on a prefix the first values of the whole series (bit for bit, or within the declared tolerance)', () => {
      const tolerance = kernels.prefixTolerance[kernel.kernel];
      const whole = outputs(kernel.outputs, N);
      kernel.run(kernels, SERIES, whole);
      for (let m = 1; m < N; m++) {
        const prefix = { high: SERIES.high.slice(0, m), low: SERIES.low.slice(0, m), close: SERIES.close.slice(0, m) };
        const out = outputs(kernel.outputs, m);
        kernel.run(kernels, prefix, out);
        out.forEach((array, o) =>
          expect(within(array, whole[o].subarray(0, m), tolerance), `prefix ${m}, output ${o}`).toBe(true),
        );
      }
    });
  });
});
