/**
 * Reads the pandas reference outputs of computation version 1.0 (written by scripts/fixtures/pandas_v1.py)
 * and compares kernel outputs with them. Used by the tests in src/compute/versions/1.0.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../../../test/fixtures');
const here = join(fixtures, 'pandas-1.0');
const seriesDir = join(fixtures, 'series');

type Encoded = number | string | null;

interface FixtureFile {
  series: string;
  pandas: string;
  length: number;
  input: Record<'high' | 'low' | 'close' | 'volume', Encoded[]>;
  outputs: Record<string, Encoded[]>;
}

export interface PandasFixture {
  name: string;
  pandasVersion: string;
  length: number;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** Typical magnitude of the prices: the median |close| (see `compare`). */
  priceScale: number;
  /** Typical magnitude of the volumes, for volume outputs. */
  volumeScale: number;
  outputs: Record<string, Float64Array>;
}

/** null is NaN; the strings "Infinity" / "-Infinity" are the infinities (JSON has neither). */
function decode(values: Encoded[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : Number(v);
  }
  return out;
}

function medianAbs(values: Float64Array): number {
  const finite = Array.from(values)
    .filter((v) => Number.isFinite(v))
    .map(Math.abs)
    .sort((a, b) => a - b);
  return finite.length === 0 ? 1 : finite[finite.length >> 1] || 1;
}

/** Names of every fixture (CSV series and hand-made edge series). */
export function fixtureNames(): string[] {
  return readdirSync(here)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Names of the CSV series in test/fixtures/series. */
export function seriesNames(): string[] {
  return readdirSync(seriesDir)
    .filter((f) => f.endsWith('.csv'))
    .map((f) => f.slice(0, -'.csv'.length))
    .sort();
}

const cache = new Map<string, PandasFixture>();

export function loadFixture(name: string): PandasFixture {
  const cached = cache.get(name);
  if (cached) return cached;
  const doc = JSON.parse(readFileSync(join(here, `${name}.json`), 'utf8')) as FixtureFile;
  const outputs: Record<string, Float64Array> = {};
  for (const [key, values] of Object.entries(doc.outputs)) outputs[key] = decode(values);
  const close = decode(doc.input.close);
  const volume = decode(doc.input.volume);
  const fixture: PandasFixture = {
    name,
    pandasVersion: doc.pandas,
    length: doc.length,
    high: decode(doc.input.high),
    low: decode(doc.input.low),
    close,
    volume,
    priceScale: medianAbs(close),
    volumeScale: medianAbs(volume),
    outputs,
  };
  cache.set(name, fixture);
  return fixture;
}

/** The columns of test/fixtures/series/<name>.csv, parsed the way the application parses numbers. */
export function readSeriesCsv(name: string): Record<'high' | 'low' | 'close' | 'volume', Float64Array> {
  const lines = readFileSync(join(seriesDir, `${name}.csv`), 'utf8')
    .trim()
    .split('\n');
  const header = lines[0].split(',');
  const column = (title: string) => {
    const index = header.indexOf(title);
    if (index < 0) throw new Error(`${name}.csv has no ${title} column`);
    return Float64Array.from(lines.slice(1), (line) => Number(line.split(',')[index]));
  };
  return { high: column('High'), low: column('Low'), close: column('Close'), volume: column('Volume') };
}

/**
 * Tolerance of the comparison with pandas: |actual - expected| <= 1e-9 * max(|expected|, 1e-3 * scale).
 *
 * Relative 1e-9 is the contract. Near zero a relative bound means nothing: MACD, its histogram, a standard
 * deviation or an ATR are differences of prices, and their rounding noise is ~1e-16 of the price level, not of
 * the (small) result. So below 0.1% of the series' scale the bound turns absolute: 1e-12 of the scale. `scale`
 * is the typical price (median |close|) for price-denominated outputs, the typical volume for volume outputs,
 * and 100 for RSI.
 */
export const RELATIVE_TOLERANCE = 1e-9;
export const NEAR_ZERO_FRACTION = 1e-3;

export function withinTolerance(actual: number, expected: number, scale: number): boolean {
  const bound = RELATIVE_TOLERANCE * Math.max(Math.abs(expected), NEAR_ZERO_FRACTION * scale);
  return Math.abs(actual - expected) <= bound;
}

/**
 * Compares a kernel output with pandas' over the first `expected.length` values: undefined (NaN) positions
 * must match exactly, defined values within the tolerance above. Returns readable mismatches (at most `limit`),
 * empty when equal, so a test can `expect(compare(...)).toEqual([])` and see what went wrong.
 */
export function compare(actual: Float64Array, expected: Float64Array, scale: number, limit = 5): string[] {
  const problems: string[] = [];
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    // a === e first: infinities (a true range next to an infinite close) are equal but not "within" anything.
    const ok = Number.isNaN(e) ? Number.isNaN(a) : a === e || withinTolerance(a, e, scale);
    if (!ok) {
      count++;
      if (problems.length < limit) problems.push(`[${i}] got ${a}, pandas ${e}`);
    }
  }
  if (count > problems.length) problems.push(`... ${count - problems.length} more`);
  return problems;
}

/**
 * The contract of version 1.0 is pandas' semantics and pandas' numbers to 1e-9, except where pandas' own
 * arithmetic loses the answer: after a spike of 1e16 leaves a window of values near 1, pandas' Kahan sum keeps
 * residue larger than the window and clamps the mean to 0. There the kernels give the exact value instead. So a
 * defined value passes if it is within the tolerance of pandas, or if pandas is outside the tolerance of the
 * exact value (`exact`, computed with exact summation) and the value is within the tolerance of that. NaN
 * positions must still match pandas exactly.
 */
export function compareOrExact(
  actual: Float64Array,
  expected: Float64Array,
  exact: Float64Array,
  scale: number,
  limit = 5,
): string[] {
  const problems: string[] = [];
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const x = exact[i];
    const pandasOk = a === e || withinTolerance(a, e, scale);
    const pandasLost = !withinTolerance(e, x, scale) && withinTolerance(a, x, scale);
    const ok = Number.isNaN(e) ? Number.isNaN(a) : pandasOk || pandasLost;
    if (!ok) {
      count++;
      if (problems.length < limit) problems.push(`[${i}] got ${a}, pandas ${e}, exact ${x}`);
    }
  }
  if (count > problems.length) problems.push(`... ${count - problems.length} more`);
  return problems;
}

/**
 * The correctly rounded sum of `values` (Shewchuk's exact partials, as Python's math.fsum): a reference that
 * does not share any kernel's rounding. Non-finite values give NaN.
 */
export function exactSum(values: ArrayLike<number>): number {
  const partials: number[] = [];
  for (let k = 0; k < values.length; k++) {
    let x = values[k];
    if (!Number.isFinite(x)) return NaN;
    let used = 0;
    for (const partial of partials) {
      let y = partial;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[used++] = lo;
      x = hi;
    }
    partials.length = used;
    partials.push(x);
  }
  // Adding the non-overlapping partials from the largest down rounds correctly except in half-way cases,
  // which do not matter for a 1e-9 comparison.
  let total = 0;
  for (let k = partials.length - 1; k >= 0; k--) total += partials[k];
  return total;
}

/** The exact rolling mean (min_periods = window): NaN during warm-up and for windows holding NaN or ±Infinity. */
export function exactRollingMean(input: Float64Array, window: number): Float64Array {
  return input.map((_, i) => (i < window - 1 ? NaN : exactSum(input.subarray(i - window + 1, i + 1)) / window));
}

/**
 * The sample standard deviation (ddof = 1) of each full window, two-pass on exactly summed means: the reference
 * where pandas' own rolling variance loses the answer. NaN during warm-up, for windows holding NaN or
 * ±Infinity, and for windows of one bar.
 */
export function exactRollingStd(input: Float64Array, window: number): Float64Array {
  return input.map((_, i) => {
    if (i < window - 1 || window < 2) return NaN;
    const values = input.subarray(i - window + 1, i + 1);
    const mean = exactSum(values) / window;
    return Math.sqrt(exactSum(values.map((x) => (x - mean) * (x - mean))) / (window - 1));
  });
}

/**
 * Stricter than the contract: the same double, bit for bit (Object.is, so -0.0 differs from 0.0 and NaN equals
 * NaN). For the 1.0 kernels that repeat pandas' arithmetic operation for operation (the EWMs and MACD).
 */
export function compareBits(actual: Float64Array, expected: Float64Array, limit = 5): string[] {
  const problems: string[] = [];
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      count++;
      if (problems.length < limit) problems.push(`[${i}] got ${actual[i]}, pandas ${expected[i]}`);
    }
  }
  if (count > problems.length) problems.push(`... ${count - problems.length} more`);
  return problems;
}

/** Version 1.0's gain and loss series, exactly as pandas builds them (for checking the rolling mean on its own). */
export function pandasGainLoss(close: Float64Array): { gain: Float64Array; loss: Float64Array } {
  const n = close.length;
  const gain = new Float64Array(n);
  const loss = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = i === 0 ? NaN : close[i] - close[i - 1];
    gain[i] = d > 0 ? d : 0; // delta.where(delta > 0, 0): NaN > 0 is false, so the first change is 0
    loss[i] = -(d < 0 ? d : 0); // -delta.where(delta < 0, 0): -(0.0) is -0.0
  }
  return { gain, loss };
}
