/**
 * Test support for the version 2.0 kernels: the shared input series (test/fixtures/series/*.csv), the
 * checked-in reference outputs, seeded synthetic series, and the comparison used by every test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BarSeries } from '../../../../market/bars.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../../..');
export const SERIES_DIR = join(REPO_ROOT, 'test/fixtures/series');
export const TALIB_FIXTURE_DIR = join(REPO_ROOT, 'test/fixtures/talib-2.0');
export const EXACT_BOLLINGER_DIR = join(REPO_ROOT, 'test/fixtures/exact-bollinger');

/** A fixture series: the bars' columns under the series' name. */
export interface Series extends BarSeries {
  name: string;
}

/** The fixture CSVs: Date,Open,High,Low,Close,Volume, written by scripts/fixtures/make-series.ts. */
export function readSeriesCsv(path: string): Series {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  if (lines[0].trim() !== 'Date,Open,High,Low,Close,Volume') throw new Error(`${path}: unexpected header`);
  const rows = lines.slice(1).map((line) => line.split(','));
  const column = (j: number) => Float64Array.from(rows, (row) => Number(row[j]));
  return {
    name: basename(path, '.csv'),
    dates: rows.map((row) => row[0]),
    open: column(1),
    high: column(2),
    low: column(3),
    close: column(4),
    volume: column(5),
  };
}

export function fixtureSeries(): Series[] {
  const files = readdirSync(SERIES_DIR)
    .filter((file) => file.endsWith('.csv'))
    .sort();
  if (files.length === 0) throw new Error(`no series in ${SERIES_DIR}`);
  return files.map((file) => readSeriesCsv(join(SERIES_DIR, file)));
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** mulberry32: small and seeded; the series only need to be reproducible, not high quality. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
}

/**
 * A random OHLC walk with changing volatility, occasional gaps and flat runs, rounded to `decimals`, at a
 * price level chosen by the seed (from about 1 to 100,000), so one seed exercises many hazards at once.
 */
export function randomOhlc(seed: number, bars: number): Series {
  const random = seededRandom(seed);
  const level = 10 ** (random() * 5);
  const decimals = level < 10 ? 4 : level < 1000 ? 2 : 1;
  const round = (x: number) => Number(x.toFixed(decimals));
  const tick = 10 ** -decimals;
  const s: Series = {
    name: `random-${seed}`,
    dates: [],
    open: new Float64Array(bars),
    high: new Float64Array(bars),
    low: new Float64Array(bars),
    close: new Float64Array(bars),
    volume: new Float64Array(bars),
  };
  let close = round(level);
  let vol = 0.01;
  let flat = 0;
  for (let i = 0; i < bars; i++) {
    vol = Math.min(0.08, Math.max(0.001, vol * Math.exp(0.2 * gaussian(random))));
    if (flat === 0 && random() < 0.005) flat = 5 + Math.floor(random() * 30);
    let open: number;
    let high: number;
    let low: number;
    if (flat > 0) {
      flat--;
      open = high = low = close;
    } else {
      const gap = random() < 0.02 ? gaussian(random) * 5 * vol : 0;
      open = round(Math.max(tick, close * (1 + gap + 0.3 * vol * gaussian(random))));
      close = round(Math.max(tick, open * (1 + vol * gaussian(random))));
      high = round(Math.max(open, close) * (1 + Math.abs(gaussian(random)) * vol * 0.5));
      low = round(Math.max(tick, Math.min(open, close) * (1 - Math.abs(gaussian(random)) * vol * 0.5)));
    }
    s.dates.push(`bar-${i}`);
    s.open[i] = open;
    s.high[i] = high;
    s.low[i] = low;
    s.close[i] = close;
    s.volume[i] = Math.round(1e6 * random());
  }
  return s;
}

/** Mean absolute close: the scale of price-level rounding errors. */
export function priceScale(close: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < close.length; i++) sum += Math.abs(close[i]);
  return sum / close.length;
}

export interface Mismatch {
  index: number;
  actual: number;
  expected: number | null;
  allowed: number;
}

/**
 * Compares a kernel's output with a reference: undefined positions (NaN here, null or NaN there) must
 * coincide exactly; elsewhere |actual - expected| <= relative x max(|expected|, floor). `floor` is where
 * "relative" stops making sense (values near zero; see each test for why its floor is what it is).
 * Returns the mismatches (empty when all agree) and the worst error relative to its allowance.
 */
export function compare(
  actual: ArrayLike<number>,
  expected: ArrayLike<number | null>,
  relative: number,
  floor = 0,
): { mismatches: Mismatch[]; worst: number } {
  const mismatches: Mismatch[] = [];
  let worst = 0;
  if (actual.length < expected.length) throw new Error('actual is shorter than expected');
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const missing = e === null || Number.isNaN(e);
    if (missing || Number.isNaN(a)) {
      if (missing !== Number.isNaN(a)) mismatches.push({ index: i, actual: a, expected: e, allowed: 0 });
      continue;
    }
    const allowed = relative * Math.max(Math.abs(e), floor);
    const error = Math.abs(a - e);
    if (!(error <= allowed)) mismatches.push({ index: i, actual: a, expected: e, allowed });
    else if (allowed > 0) worst = Math.max(worst, error / allowed);
  }
  return { mismatches, worst };
}

export interface TalibFixture extends Record<string, unknown> {
  series: string;
  bars: number;
}

export function talibFixture(name: string): Record<string, (number | null)[]> & TalibFixture {
  return readJson(join(TALIB_FIXTURE_DIR, `${name}.json`));
}

export interface ExactBollingerFixture {
  series: string;
  bars: number;
  period: number;
  k: number;
  middle: (number | null)[];
  stddev: (number | null)[];
  upper: (number | null)[];
  lower: (number | null)[];
}

export function exactBollingerFixture(name: string): ExactBollingerFixture {
  return readJson(join(EXACT_BOLLINGER_DIR, `${name}.json`));
}

/** A readable failure: the first few mismatches, not 600 lines. */
export function describeMismatches(label: string, mismatches: Mismatch[]): string {
  const shown = mismatches
    .slice(0, 5)
    .map((m) => `  [${m.index}] actual ${m.actual} expected ${m.expected} allowed ${m.allowed}`)
    .join('\n');
  return mismatches.length === 0 ? '' : `${label}: ${mismatches.length} mismatches\n${shown}`;
}
