/**
 * Kernel benchmark: `npm run bench` (node --expose-gc --max-old-space-size=8192 --import tsx bench/kernels.bench.ts).
 * Results and how to read them: docs/benchmarks.md; `bench/report.ts` turns --json files into its tables.
 *
 * Times every indicator kernel of computation versions 1.0 and 2.0 on 1,000,000 bars of a seeded random walk,
 * with outputs allocated once and reused, as the median of several runs after warm-up, and in the same run the
 * references: TA-Lib (the `talib` binding; its own time, and the call including the Float64Array -> Array copy
 * it needs, with the copy timed apart) and the pure-JS libraries technicalindicators, trading-signals and
 * indicatorts (given plain Arrays, their native input, prepared outside the timed region).
 *
 * Flags:
 *   --json [file]   also write the results as JSON (default file: bench/results.json)
 *   --runs N        timed runs of our kernels (default 15; warm-up 5)
 *   --bars N        series length (default 1,000,000)
 *   --skip-peers    no JS peers (quick check)
 *   --skip-talib    no TA-Lib
 *   --only TEXT     only the kernels whose name contains TEXT (e.g. --only MACD)
 *
 * Order: our kernels first (phase 1, small heap, runs back to back), then TA-Lib, then the JS peers (a GC is
 * forced before each of their runs, outside the timing, so the garbage of one run is not charged to the next).
 * Each timing records wall time (the figure reported) and process CPU time (to tell a busy machine apart).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import * as ti from 'technicalindicators';
import * as tsig from 'trading-signals';
import * as indts from 'indicatorts';

import { allocateIndicatorColumns, type ComputationVersion } from '../src/compute/fields.js';
import { derivedFields } from '../src/compute/derived.js';
import { computeIndicators } from '../src/compute/indicators.js';
import * as v1 from '../src/compute/versions/1.0/index.js';
import * as v2 from '../src/compute/versions/2.0/index.js';
import type { BarSeries } from '../src/market/bars.js';

// ---------------------------------------------------------------------------------------------------------
// Command line

const argv = process.argv.slice(2);
function flagValue(name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const next = argv[i + 1];
  return next !== undefined && !next.startsWith('--') ? next : '';
}
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const jsonFlag = flagValue('--json');
const JSON_PATH =
  jsonFlag === undefined ? undefined : jsonFlag === '' ? join(REPO_ROOT, 'bench/results.json') : jsonFlag;
const OUR_RUNS = Number(flagValue('--runs') || 15);
const OUR_WARMUP = 5;
const BARS = Number(flagValue('--bars') || 1_000_000);
const SKIP_PEERS = argv.includes('--skip-peers');
const SKIP_TALIB = argv.includes('--skip-talib');
const ONLY = flagValue('--only') || undefined;
const SETTLE_MS = 10;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.warn('warning: run with node --expose-gc so that a GC can be forced between runs');

// ---------------------------------------------------------------------------------------------------------
// Timing

interface Timing {
  /** wall-clock time (process.hrtime.bigint) */
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  warmup: number;
  samplesMs: number[];
  /**
   * Process CPU time (user + system, process.cpuUsage) of the same runs: unlike wall time it does not count
   * the time the process waited for a core, so it shows how much of a slow run was the machine being busy.
   */
  cpuMedianMs: number;
  cpuSamplesMs: number[];
}

function median(sorted: number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/**
 * A forced GC, then a short pause: the pause lets V8's concurrent work after that GC (sweeping, on background
 * threads) finish instead of competing with a timed call for the machine's two cores.
 */
async function settle(): Promise<void> {
  if (!gc) return;
  gc();
  await sleep(SETTLE_MS);
}

/** One timed call; `settleFirst` runs a GC before it (outside the timing). */
async function timeOnce(fn: () => unknown, settleFirst: boolean): Promise<Sample> {
  if (settleFirst) await settle();
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  fn();
  const end = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  return { wallMs: Number(end - start) / 1e6, cpuMs: (cpu.user + cpu.system) / 1e3 };
}

function summarise(samples: Sample[], warmup: number): Timing {
  const wall = samples.map((x) => x.wallMs);
  const cpu = samples.map((x) => x.cpuMs);
  const sorted = [...wall].sort((a, b) => a - b);
  return {
    medianMs: median(sorted),
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
    runs: samples.length,
    warmup,
    samplesMs: wall,
    cpuMedianMs: median([...cpu].sort((a, b) => a - b)),
    cpuSamplesMs: cpu,
  };
}

/**
 * Our kernels: fixed warm-up and run counts, back to back. One GC before the series, none between runs: our
 * kernels allocate nothing (the ones that do pay for it, as they would in use), and on this machine a forced
 * GC slows the next few milliseconds of any code, a plain memcpy included (measured: up to 2x), which would
 * swamp 2 ms kernels.
 */
async function measure(fn: () => unknown, warmup = OUR_WARMUP, runs = OUR_RUNS): Promise<Timing> {
  await settle();
  for (let i = 0; i < warmup; i++) await timeOnce(fn, false);
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timeOnce(fn, false));
  return summarise(samples, warmup);
}

/**
 * References (TA-Lib, the JS peers), which take from tens of milliseconds to seconds per call: the first call
 * tells how many runs we can afford (still a median of at least 3 timed runs after at least one warm-up call).
 */
async function measureReference(fn: () => unknown): Promise<Timing> {
  const probe = await timeOnce(fn, true);
  let warmup: number;
  let runs: number;
  const p = probe.wallMs;
  if (p > 1500) [warmup, runs] = [1, 3];
  else if (p > 300) [warmup, runs] = [2, 5];
  else if (p > 60) [warmup, runs] = [3, 7];
  else [warmup, runs] = [4, 11];
  for (let i = 1; i < warmup; i++) await timeOnce(fn, true);
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timeOnce(fn, true));
  return summarise(samples, warmup);
}

// ---------------------------------------------------------------------------------------------------------
// Data: a seeded geometric random walk with OHLCV bars

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomWalk(n: number, seed: number): BarSeries {
  const rand = mulberry32(seed);
  const gauss = (): number => {
    // Box-Muller; 1 - u keeps the logarithm finite.
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  let price = 100;
  for (let i = 0; i < n; i++) {
    const o = price;
    const c = o * Math.exp(0.002 * gauss()); // 0.2 % per bar
    open[i] = o;
    close[i] = c;
    high[i] = Math.max(o, c) * (1 + 0.001 * Math.abs(gauss()));
    low[i] = Math.min(o, c) * (1 - 0.001 * Math.abs(gauss()));
    volume[i] = Math.round(100_000 * (0.2 + 1.8 * rand()));
    price = c;
  }
  // `dates` is not read by the kernels or by computeIndicators; a million date strings would only be noise.
  return { dates: [], open, high, low, close, volume };
}

// ---------------------------------------------------------------------------------------------------------
// TA-Lib binding (no type declarations ship with it)

interface TalibResult {
  begIndex: number;
  nbElement: number;
  result: Record<string, number[]>;
  error?: string;
}
interface TalibBinding {
  version: string;
  execute(params: Record<string, unknown>): TalibResult;
}
const talib = createRequire(import.meta.url)('talib') as TalibBinding;

function talibCall(name: string, inputs: Record<string, number[]>, options: Record<string, number>): TalibResult {
  const n = Object.values(inputs)[0].length;
  // endIdx must be n - 1: past the end of its input the binding reads whatever memory follows.
  const result = talib.execute({ name, startIdx: 0, endIdx: n - 1, ...inputs, ...options });
  if (result.error) throw new Error(`talib ${name}: ${result.error}`);
  return result;
}

/** The copy TA-Lib needs (it reads typed arrays as garbage); the faster of these two is used (chosen at run time). */
function copyArrayFrom(x: Float64Array): number[] {
  return Array.from(x);
}
let copyForTalib: (x: Float64Array) => number[] = copyArrayFrom;
function copyLoop(x: Float64Array): number[] {
  const n = x.length;
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(x[i]);
  return a;
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark

const series = randomWalk(BARS, 20240601);
const { high, low, close, volume } = series;
const n = close.length;

// Plain-Array inputs for TA-Lib's execute-only timing and for the JS peers (their native input), prepared once.
const closeArr = Array.from(close);
const highArr = Array.from(high);
const lowArr = Array.from(low);
const volumeArr = Array.from(volume);
// trading-signals' ATR takes candle objects: a million of them, built only when the peers run (phase 3), so
// that the heap our kernels are timed with holds no millions of objects for the GC to trace.
let candleCache: { high: number; low: number; close: number }[] | undefined;
const candles = (): { high: number; low: number; close: number }[] =>
  (candleCache ??= closeArr.map((c, i) => ({ high: highArr[i], low: lowArr[i], close: c })));

// Our outputs: allocated once, reused by every run.
const f64 = (): Float64Array => new Float64Array(n);
const o1 = f64();
const o2 = f64();
const o3 = f64();
const scratch = f64();
const tri = { macd: o1, signal: o2, histogram: o3 };
const bands = { upper: o1, middle: o2, lower: o3 };
const columns1 = allocateIndicatorColumns(n);
const columns2 = allocateIndicatorColumns(n);
const V1: ComputationVersion = '1.0';
const V2: ComputationVersion = '2.0';

interface OursEntry {
  label: string; // e.g. "v2 sma"
  version: '1.0' | '2.0';
  fn: () => unknown;
}
interface PeerEntry {
  library: string; // "technicalindicators" | "trading-signals" | "indicatorts"
  method: string;
  fn: () => unknown;
}
interface TalibEntry {
  /** execute() on pre-copied plain Arrays */
  exec: () => unknown;
  /** the same call including the copy of every Float64Array input */
  withCopy: () => unknown;
  /** the inputs (Float64Array) that must be copied for one call */
  copies: Float64Array[];
}
interface KernelSpec {
  kernel: string;
  targetMs?: number;
  note?: string;
  ours: OursEntry[];
  talib: TalibEntry;
  peers: PeerEntry[];
}

/** trading-signals: the fastest way it offers is its per-bar `update`; `updates` is a map over it. */
function tsLoop<I, R>(
  make: () => { update(input: I, replace: boolean): R | null },
  inputs: readonly I[],
  pick: (r: R) => number,
  out: Float64Array,
): Float64Array {
  const indicator = make();
  for (let i = 0; i < inputs.length; i++) {
    const r = indicator.update(inputs[i], false);
    out[i] = r === null ? NaN : pick(r);
  }
  return out;
}
const peerOut = f64();
const asNumber = (r: number): number => r;

const SMA20 = { optInTimePeriod: 20 };
const MACD_OPTIONS = { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 };
// optInMAType 0: an SMA middle band, as Bollinger bands are defined.
const BBANDS_OPTIONS = { optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 };
const kernels: KernelSpec[] = [
  {
    kernel: 'SMA(20)',
    targetMs: 2,
    ours: [
      { label: 'v1 rollingMean', version: '1.0', fn: () => v1.rollingMean(close, 20, o1) },
      { label: 'v2 sma', version: '2.0', fn: () => v2.sma(close, 20, o1) },
    ],
    talib: {
      exec: () => talibCall('SMA', { inReal: closeArr }, SMA20),
      withCopy: () => talibCall('SMA', { inReal: copyForTalib(close) }, SMA20),
      copies: [close],
    },
    peers: [
      {
        library: 'technicalindicators',
        method: 'SMA.calculate',
        fn: () => ti.SMA.calculate({ period: 20, values: closeArr }),
      },
      { library: 'trading-signals', method: 'SMA#updates', fn: () => new tsig.SMA(20).updates(closeArr) },
      {
        library: 'trading-signals',
        method: 'SMA#update loop',
        fn: () => tsLoop(() => new tsig.SMA(20), closeArr, asNumber, peerOut),
      },
      { library: 'indicatorts', method: 'sma', fn: () => indts.sma(closeArr, { period: 20 }) },
    ],
  },
  {
    kernel: 'EMA(12)',
    targetMs: 3,
    ours: [
      { label: 'v2 ema', version: '2.0', fn: () => v2.ema(close, 12, o1) },
      // Not asked for (the target is for v2's EMA); shown for information.
      { label: 'v1 ewmMean (info)', version: '1.0', fn: () => v1.ewmMean(close, 12, o1) },
    ],
    talib: {
      exec: () => talibCall('EMA', { inReal: closeArr }, { optInTimePeriod: 12 }),
      withCopy: () => talibCall('EMA', { inReal: copyForTalib(close) }, { optInTimePeriod: 12 }),
      copies: [close],
    },
    peers: [
      {
        library: 'technicalindicators',
        method: 'EMA.calculate',
        fn: () => ti.EMA.calculate({ period: 12, values: closeArr }),
      },
      { library: 'trading-signals', method: 'EMA#updates', fn: () => new tsig.EMA(12).updates(closeArr) },
      {
        library: 'trading-signals',
        method: 'EMA#update loop',
        fn: () => tsLoop(() => new tsig.EMA(12), closeArr, asNumber, peerOut),
      },
      { library: 'indicatorts', method: 'ema', fn: () => indts.ema(closeArr, { period: 12 }) },
    ],
  },
  {
    kernel: 'RSI(14)',
    targetMs: 10,
    note: 'v1 = simple rolling means (pandas), v2 and TA-Lib = Wilder smoothing',
    ours: [
      { label: 'v1 rsi', version: '1.0', fn: () => v1.rsi(close, 14, o1, scratch) },
      { label: 'v2 rsi', version: '2.0', fn: () => v2.rsi(close, 14, o1) },
    ],
    talib: {
      exec: () => talibCall('RSI', { inReal: closeArr }, { optInTimePeriod: 14 }),
      withCopy: () => talibCall('RSI', { inReal: copyForTalib(close) }, { optInTimePeriod: 14 }),
      copies: [close],
    },
    peers: [
      {
        library: 'technicalindicators',
        method: 'RSI.calculate',
        fn: () => ti.RSI.calculate({ period: 14, values: closeArr }),
      },
      { library: 'trading-signals', method: 'RSI#updates', fn: () => new tsig.RSI(14).updates(closeArr) },
      {
        library: 'trading-signals',
        method: 'RSI#update loop',
        fn: () => tsLoop(() => new tsig.RSI(14), closeArr, asNumber, peerOut),
      },
      { library: 'indicatorts', method: 'rsi', fn: () => indts.rsi(closeArr, { period: 14 }) },
    ],
  },
  {
    kernel: 'MACD(12,26,9)',
    targetMs: 4,
    ours: [
      { label: 'v1 macd', version: '1.0', fn: () => v1.macd(close, tri) },
      { label: 'v2 macd', version: '2.0', fn: () => v2.macd(close, tri) },
    ],
    talib: {
      exec: () => talibCall('MACD', { inReal: closeArr }, MACD_OPTIONS),
      withCopy: () => talibCall('MACD', { inReal: copyForTalib(close) }, MACD_OPTIONS),
      copies: [close],
    },
    peers: [
      {
        library: 'technicalindicators',
        method: 'MACD.calculate',
        fn: () =>
          ti.MACD.calculate({
            values: closeArr,
            fastPeriod: 12,
            slowPeriod: 26,
            signalPeriod: 9,
            SimpleMAOscillator: false,
            SimpleMASignal: false,
          }),
      },
      { library: 'trading-signals', method: 'MACD#updates', fn: () => newTsMacd().updates(closeArr) },
      {
        library: 'trading-signals',
        method: 'MACD#update loop',
        fn: () => tsLoop(newTsMacd, closeArr, (r) => r.macd, peerOut),
      },
      { library: 'indicatorts', method: 'macd', fn: () => indts.macd(closeArr, { fast: 12, slow: 26, signal: 9 }) },
    ],
  },
  {
    kernel: 'Bollinger(20,2)',
    targetMs: 7,
    note: 'v1 = sample sd (pandas semantics), v2 = exact population sd, TA-Lib = population sd from sums',
    ours: [
      { label: 'v1 bollinger', version: '1.0', fn: () => v1.bollinger(close, 20, 2, bands) },
      { label: 'v2 bollinger', version: '2.0', fn: () => v2.bollinger(close, 20, 2, bands) },
    ],
    talib: {
      exec: () => talibCall('BBANDS', { inReal: closeArr }, BBANDS_OPTIONS),
      withCopy: () => talibCall('BBANDS', { inReal: copyForTalib(close) }, BBANDS_OPTIONS),
      copies: [close],
    },
    peers: [
      {
        library: 'technicalindicators',
        method: 'BollingerBands.calculate',
        fn: () => ti.BollingerBands.calculate({ period: 20, values: closeArr, stdDev: 2 }),
      },
      {
        library: 'trading-signals',
        method: 'BollingerBands#updates',
        fn: () => new tsig.BollingerBands(20, 2).updates(closeArr),
      },
      {
        library: 'trading-signals',
        method: 'BollingerBands#update loop',
        fn: () =>
          tsLoop(
            () => new tsig.BollingerBands(20, 2),
            closeArr,
            (r) => r.upper,
            peerOut,
          ),
      },
      { library: 'indicatorts', method: 'bb', fn: () => indts.bb(closeArr, { period: 20 }) },
    ],
  },
  {
    kernel: 'ATR(14)',
    note: 'v1 = simple rolling mean of TR (pandas), v2 and TA-Lib = Wilder smoothing; no ms target',
    ours: [
      { label: 'v1 atr (scratch given)', version: '1.0', fn: () => v1.atr(high, low, close, 14, o1, scratch) },
      // What computeIndicators does for version 1.0: no scratch, so atr allocates its true-range buffer.
      { label: 'v1 atr (no scratch, info)', version: '1.0', fn: () => v1.atr(high, low, close, 14, o1) },
      { label: 'v2 atr', version: '2.0', fn: () => v2.atr(high, low, close, 14, o1) },
    ],
    talib: {
      exec: () => talibCall('ATR', { high: highArr, low: lowArr, close: closeArr }, { optInTimePeriod: 14 }),
      withCopy: () =>
        talibCall(
          'ATR',
          { high: copyForTalib(high), low: copyForTalib(low), close: copyForTalib(close) },
          { optInTimePeriod: 14 },
        ),
      copies: [high, low, close],
    },
    peers: [
      {
        library: 'technicalindicators',
        method: 'ATR.calculate',
        fn: () => ti.ATR.calculate({ period: 14, high: highArr, low: lowArr, close: closeArr }),
      },
      { library: 'trading-signals', method: 'ATR#updates', fn: () => new tsig.ATR(14).updates(candles()) },
      {
        library: 'trading-signals',
        method: 'ATR#update loop',
        fn: () => tsLoop(() => new tsig.ATR(14), candles(), asNumber, peerOut),
      },
      { library: 'indicatorts', method: 'atr', fn: () => indts.atr(highArr, lowArr, closeArr, { period: 14 }) },
    ],
  },
  {
    kernel: 'all 17 fields',
    targetMs: 60,
    note:
      'references = the 8 TA calls each library offers for the same fields (SMA 20/50/200, RSI, MACD, BBANDS, ATR, volume SMA 20); ' +
      'the 5 derived fields (vwap, ratios, uncertainty) are not in the references, so they favour the references',
    ours: [
      { label: 'v1 computeIndicators', version: '1.0', fn: () => computeIndicators(series, V1, columns1) },
      { label: 'v2 computeIndicators', version: '2.0', fn: () => computeIndicators(series, V2, columns2) },
    ],
    talib: {
      exec: () => talibAll(closeArr, highArr, lowArr, volumeArr),
      withCopy: () => talibAll(copyForTalib(close), copyForTalib(high), copyForTalib(low), copyForTalib(volume)),
      copies: [close, high, low, volume],
    },
    peers: [
      { library: 'technicalindicators', method: '8 calls', fn: () => tiAll() },
      { library: 'trading-signals', method: '8 update loops', fn: () => tsAll() },
      { library: 'indicatorts', method: '8 calls', fn: () => indtsAll() },
    ],
  },
];

const selected = ONLY ? kernels.filter((k) => k.kernel.toLowerCase().includes(ONLY.toLowerCase())) : kernels;

function newTsMacd(): tsig.MACD {
  return new tsig.MACD(new tsig.EMA(12), new tsig.EMA(26), new tsig.EMA(9));
}

function talibAll(c: number[], h: number[], l: number[], v: number[]): unknown[] {
  return [
    talibCall('SMA', { inReal: c }, { optInTimePeriod: 20 }),
    talibCall('SMA', { inReal: c }, { optInTimePeriod: 50 }),
    talibCall('SMA', { inReal: c }, { optInTimePeriod: 200 }),
    talibCall('RSI', { inReal: c }, { optInTimePeriod: 14 }),
    talibCall('MACD', { inReal: c }, MACD_OPTIONS),
    talibCall('BBANDS', { inReal: c }, BBANDS_OPTIONS),
    talibCall('ATR', { high: h, low: l, close: c }, { optInTimePeriod: 14 }),
    talibCall('SMA', { inReal: v }, { optInTimePeriod: 20 }),
  ];
}
function tiAll(): unknown[] {
  return [
    ti.SMA.calculate({ period: 20, values: closeArr }),
    ti.SMA.calculate({ period: 50, values: closeArr }),
    ti.SMA.calculate({ period: 200, values: closeArr }),
    ti.RSI.calculate({ period: 14, values: closeArr }),
    ti.MACD.calculate({
      values: closeArr,
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    }),
    ti.BollingerBands.calculate({ period: 20, values: closeArr, stdDev: 2 }),
    ti.ATR.calculate({ period: 14, high: highArr, low: lowArr, close: closeArr }),
    ti.SMA.calculate({ period: 20, values: volumeArr }),
  ];
}
const tsAllOut = Array.from({ length: 8 }, f64);
function tsAll(): unknown[] {
  return [
    tsLoop(() => new tsig.SMA(20), closeArr, asNumber, tsAllOut[0]),
    tsLoop(() => new tsig.SMA(50), closeArr, asNumber, tsAllOut[1]),
    tsLoop(() => new tsig.SMA(200), closeArr, asNumber, tsAllOut[2]),
    tsLoop(() => new tsig.RSI(14), closeArr, asNumber, tsAllOut[3]),
    tsLoop(newTsMacd, closeArr, (r) => r.macd, tsAllOut[4]),
    tsLoop(
      () => new tsig.BollingerBands(20, 2),
      closeArr,
      (r) => r.upper,
      tsAllOut[5],
    ),
    tsLoop(() => new tsig.ATR(14), candles(), asNumber, tsAllOut[6]),
    tsLoop(() => new tsig.SMA(20), volumeArr, asNumber, tsAllOut[7]),
  ];
}
function indtsAll(): unknown[] {
  return [
    indts.sma(closeArr, { period: 20 }),
    indts.sma(closeArr, { period: 50 }),
    indts.sma(closeArr, { period: 200 }),
    indts.rsi(closeArr, { period: 14 }),
    indts.macd(closeArr, { fast: 12, slow: 26, signal: 9 }),
    indts.bb(closeArr, { period: 20 }),
    indts.atr(highArr, lowArr, closeArr, { period: 14 }),
    indts.sma(volumeArr, { period: 20 }),
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Sanity check: version 2.0 agrees with TA-Lib on this series (so the timings are of working kernels)

function maxRelDiff(ours: Float64Array, result: TalibResult, key: string): number {
  const values = result.result[key];
  let worst = 0;
  for (let j = 0; j < result.nbElement; j++) {
    const i = result.begIndex + j;
    const ref = values[j];
    const d = Math.abs(ours[i] - ref) / Math.max(1, Math.abs(ref));
    if (!(d <= worst)) worst = d; // NaN sticks
  }
  // Our warm-up must be NaN where TA-Lib has nothing.
  for (let i = 0; i < result.begIndex; i++) if (!Number.isNaN(ours[i])) return Infinity;
  return worst;
}

function agreement(): Record<string, number> {
  const a = f64();
  const b = f64();
  const c = f64();
  const r: Record<string, number> = {};
  r['v2 sma(20)'] = maxRelDiff(v2.sma(close, 20, a), talibCall('SMA', { inReal: closeArr }, SMA20), 'outReal');
  r['v1 rollingMean(20)'] = maxRelDiff(
    v1.rollingMean(close, 20, a),
    talibCall('SMA', { inReal: closeArr }, SMA20),
    'outReal',
  );
  r['v2 ema(12)'] = maxRelDiff(
    v2.ema(close, 12, a),
    talibCall('EMA', { inReal: closeArr }, { optInTimePeriod: 12 }),
    'outReal',
  );
  r['v2 rsi(14)'] = maxRelDiff(
    v2.rsi(close, 14, a),
    talibCall('RSI', { inReal: closeArr }, { optInTimePeriod: 14 }),
    'outReal',
  );
  const m = talibCall('MACD', { inReal: closeArr }, MACD_OPTIONS);
  v2.macd(close, { macd: a, signal: b, histogram: c });
  r['v2 macd'] = maxRelDiff(a, m, 'outMACD');
  r['v2 macd signal'] = maxRelDiff(b, m, 'outMACDSignal');
  r['v2 macd histogram'] = maxRelDiff(c, m, 'outMACDHist');
  const bb = talibCall('BBANDS', { inReal: closeArr }, BBANDS_OPTIONS);
  v2.bollinger(close, 20, 2, { upper: a, middle: b, lower: c });
  r['v2 bollinger upper'] = maxRelDiff(a, bb, 'outRealUpperBand');
  r['v2 bollinger middle'] = maxRelDiff(b, bb, 'outRealMiddleBand');
  r['v2 atr(14)'] = maxRelDiff(
    v2.atr(high, low, close, 14, a),
    talibCall('ATR', { high: highArr, low: lowArr, close: closeArr }, { optInTimePeriod: 14 }),
    'outReal',
  );
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// Run

function sourceFingerprint(): string {
  const hash = createHash('sha256');
  const dir = join(REPO_ROOT, 'src/compute');
  const kernelFiles = (folder: string) =>
    readdirSync(join(dir, folder))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => `${folder}/${f}`);
  // Every computation version's folder (versions/<version>/), whatever versions are registered.
  const versions = readdirSync(join(dir, 'versions'), { withFileTypes: true }).filter((d) => d.isDirectory());
  const files = ['indicators.ts', 'derived.ts', 'fields.ts', 'kernel-guards.ts']
    .concat(kernelFiles('versions'))
    .concat(...versions.map((d) => kernelFiles(`versions/${d.name}`)))
    .sort();
  for (const f of files) hash.update(f).update(readFileSync(join(dir, f)));
  return hash.digest('hex').slice(0, 12);
}

const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model ?? 'unknown',
  cores: cpus.length,
  cpuMHz: cpus[0]?.speed ?? 0,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  node: process.version,
  v8: process.versions.v8,
  talib: talib.version,
  date: new Date().toISOString(),
  loadavgStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  loadavgEnd: [] as number[],
  bars: n,
  ourRuns: OUR_RUNS,
  ourWarmup: OUR_WARMUP,
  kernelSourcesSha256: sourceFingerprint(),
};

console.log(`marketlake kernel benchmark: ${n.toLocaleString('en-US')} bars, seeded random walk`);
console.log(
  `CPU: ${machine.cpu} (${machine.cores} logical cores${machine.cpuMHz ? `, ${machine.cpuMHz} MHz` : ''}), ${machine.memoryGiB} GiB`,
);
console.log(`Node ${machine.node} (V8 ${machine.v8}), ${machine.platform}, talib binding ${machine.talib}`);
console.log(
  `load average at start: ${machine.loadavgStart.join(' ')}; kernel sources sha256 ${machine.kernelSourcesSha256}`,
);
console.log(`ours: median of ${OUR_RUNS} runs after ${OUR_WARMUP} warm-up; peers: median of 3-11 runs (by speed)`);
console.log('');

const agree = agreement();

interface PeerResult {
  library: string;
  method: string;
  timing: Timing;
}
interface OursResult {
  label: string;
  version: string;
  timing: Timing;
  loadavg1: number;
}
interface KernelResult {
  kernel: string;
  targetMs?: number;
  note?: string;
  ours: OursResult[];
  talib?: { exec: Timing; withCopy: Timing; copies: number };
  peers: PeerResult[];
}

// Phase 1: our kernels, while the heap is small. Phase 2: TA-Lib. Phase 3: the JS peers (which leave millions
// of objects behind).
const oursByKernel: OursResult[][] = [];
for (const spec of selected) {
  process.stderr.write(`ours: ${spec.kernel}\n`);
  const list: OursResult[] = [];
  for (const e of spec.ours) {
    const timing = await measure(e.fn);
    list.push({ label: e.label, version: e.version, timing, loadavg1: Number(os.loadavg()[0].toFixed(2)) });
  }
  oursByKernel.push(list);
}

// Phase 1b, where the time of "all 17 fields" goes: the calls computeIndicators makes
// (src/compute/indicators.ts), one by one, into the same reused columns.
interface BreakdownRow {
  step: string;
  v1?: Timing;
  v2?: Timing;
}
const breakdown: BreakdownRow[] = [];
if (!ONLY || 'all 17 fields'.includes(ONLY.toLowerCase())) {
  const c1 = columns1;
  const c2 = columns2;
  const steps: [string, (() => unknown) | undefined, (() => unknown) | undefined][] = [
    ['sma_20', () => v1.rollingMean(close, 20, c1.sma_20), () => v2.sma(close, 20, c2.sma_20)],
    ['sma_50', () => v1.rollingMean(close, 50, c1.sma_50), () => v2.sma(close, 50, c2.sma_50)],
    ['sma_200', () => v1.rollingMean(close, 200, c1.sma_200), () => v2.sma(close, 200, c2.sma_200)],
    ['rsi_14', () => v1.rsi(close, 14, c1.rsi_14), () => v2.rsi(close, 14, c2.rsi_14)],
    [
      'macd (3 fields)',
      () => v1.macd(close, { macd: c1.macd, signal: c1.macd_signal, histogram: c1.macd_histogram }),
      () => v2.macd(close, { macd: c2.macd, signal: c2.macd_signal, histogram: c2.macd_histogram }),
    ],
    [
      'bollinger (3 fields)',
      () => v1.bollinger(close, 20, 2, { upper: c1.bb_upper, middle: c1.bb_middle, lower: c1.bb_lower }),
      () => v2.bollinger(close, 20, 2, { upper: c2.bb_upper, middle: c2.bb_middle, lower: c2.bb_lower }),
    ],
    // As computeIndicators calls it for 1.0: atr_percent's buffer is the true-range scratch.
    [
      'atr_14',
      () => v1.atr(high, low, close, 14, c1.atr_14, c1.atr_percent),
      () => v2.atr(high, low, close, 14, c2.atr_14),
    ],
    ['volume_sma_20', () => v1.rollingMean(volume, 20, c1.volume_sma_20), () => v2.sma(volume, 20, c2.volume_sma_20)],
    [
      'vwap, price_vwap_pct, volume_ratio, atr_percent, uncertainty (shared, one pass)',
      () => derivedFields(high, low, close, volume, c1),
      () => derivedFields(high, low, close, volume, c2),
    ],
  ];
  process.stderr.write('breakdown of all 17 fields\n');
  for (const [step, f1, f2] of steps) {
    breakdown.push({ step, v1: f1 && (await measure(f1, 3, 9)), v2: f2 && (await measure(f2, 3, 9)) });
  }
}

// The copy TA-Lib needs, timed on its own; the faster way is then used in the "+copy" calls.
const copyTimes = {
  arrayFrom: await measure(() => copyArrayFrom(close)),
  pushLoop: await measure(() => copyLoop(close)),
};
const copyMethod = copyTimes.pushLoop.medianMs < copyTimes.arrayFrom.medianMs ? 'push loop' : 'Array.from';
copyForTalib = copyMethod === 'push loop' ? copyLoop : copyArrayFrom;

// How much of a TA-Lib call is the binding moving numbers: the same SMA asked for the last bar only (the binding
// still reads the whole 1M-value input, but builds a 1-element output) next to the full call.
const talibProbe = SKIP_TALIB
  ? undefined
  : {
      fullSma: await measureReference(() => talibCall('SMA', { inReal: closeArr }, SMA20)),
      lastBarOnlySma: await measureReference(() =>
        talib.execute({ name: 'SMA', startIdx: n - 1, endIdx: n - 1, inReal: closeArr, optInTimePeriod: 20 }),
      ),
    };

const talibByKernel: KernelResult['talib'][] = [];
for (const spec of selected) {
  if (SKIP_TALIB) {
    talibByKernel.push(undefined);
    continue;
  }
  process.stderr.write(`talib: ${spec.kernel}\n`);
  const exec = await measureReference(spec.talib.exec);
  const withCopy = await measureReference(spec.talib.withCopy);
  talibByKernel.push({ exec, withCopy, copies: spec.talib.copies.length });
}

const peersByKernel: PeerResult[][] = [];
for (const spec of selected) {
  const peers: PeerResult[] = [];
  if (!SKIP_PEERS) {
    for (const p of spec.peers) {
      process.stderr.write(`peers: ${spec.kernel}: ${p.library} ${p.method}\n`);
      peers.push({ library: p.library, method: p.method, timing: await measureReference(p.fn) });
    }
  }
  peersByKernel.push(peers);
}

const results: KernelResult[] = selected.map((spec, j) => ({
  kernel: spec.kernel,
  targetMs: spec.targetMs,
  note: spec.note,
  ours: oursByKernel[j],
  talib: talibByKernel[j],
  peers: peersByKernel[j],
}));
machine.loadavgEnd = os.loadavg().map((x) => Number(x.toFixed(2)));

// ---------------------------------------------------------------------------------------------------------
// Report

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (a: number, b: number): string => (a / b >= 0.095 ? (a / b).toFixed(2) : (a / b).toFixed(3));

function fastestPeer(peers: PeerResult[]): PeerResult | undefined {
  let best: PeerResult | undefined;
  for (const p of peers) if (!best || p.timing.medianMs < best.timing.medianMs) best = p;
  return best;
}

const header = [
  'kernel',
  'ours',
  'ours ms (min-max)',
  'cpu ms',
  'talib ms',
  'ours/talib',
  'talib+copy ms',
  'ours/(talib+copy)',
  'fastest JS peer',
  'peer ms',
  'ours/peer',
  'target',
  'pass',
];
const rows: string[][] = [];
interface Verdict {
  kernel: string;
  label: string;
  medianMs: number;
  targetMs?: number;
  meetsTarget?: boolean;
  fastestPeer?: string;
  peerMs?: number;
  beatsPeers?: boolean;
  info: boolean;
}
const verdicts: Verdict[] = [];
for (const r of results) {
  const peer = fastestPeer(r.peers);
  for (const o of r.ours) {
    const t = o.timing.medianMs;
    const info = o.label.includes('(info)') || o.label.includes(', info)');
    const meetsTarget = r.targetMs === undefined ? undefined : t <= r.targetMs;
    const beatsPeers = peer ? t < peer.timing.medianMs : undefined;
    verdicts.push({
      kernel: r.kernel,
      label: o.label,
      medianMs: t,
      targetMs: r.targetMs,
      meetsTarget,
      fastestPeer: peer ? `${peer.library} (${peer.method})` : undefined,
      peerMs: peer?.timing.medianMs,
      beatsPeers,
      info,
    });
    const pass =
      (meetsTarget === false ? 'MISS target' : meetsTarget ? 'ok' : '-') +
      (beatsPeers === false ? ', SLOWER than peer' : beatsPeers ? ', beats peers' : '') +
      (info ? ' (info)' : '');
    rows.push([
      r.kernel,
      o.label,
      `${ms(t)} (${ms(o.timing.minMs)}-${ms(o.timing.maxMs)})`,
      ms(o.timing.cpuMedianMs),
      r.talib ? ms(r.talib.exec.medianMs) : '-',
      r.talib ? ratio(t, r.talib.exec.medianMs) : '-',
      r.talib ? ms(r.talib.withCopy.medianMs) : '-',
      r.talib ? ratio(t, r.talib.withCopy.medianMs) : '-',
      peer ? `${peer.library} (${peer.method})` : '-',
      peer ? ms(peer.timing.medianMs) : '-',
      peer ? ratio(t, peer.timing.medianMs) : '-',
      r.targetMs === undefined ? '-' : `<= ${r.targetMs}`,
      pass,
    ]);
  }
}

function printTable(head: string[], body: string[][]): void {
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((row) => row[j].length)));
  const line = (cells: string[]): string => cells.map((c, j) => c.padEnd(widths[j])).join(' | ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of body) console.log(line(row));
}

console.log('Results (ms per call on the whole series; medians):');
printTable(header, rows);
console.log('');

const copyBest = Math.min(copyTimes.arrayFrom.medianMs, copyTimes.pushLoop.medianMs);
console.log(
  `TA-Lib input copy (Float64Array -> Array, ${n.toLocaleString('en-US')} values): Array.from ${ms(copyTimes.arrayFrom.medianMs)} ms, ` +
    `push loop ${ms(copyTimes.pushLoop.medianMs)} ms (the +copy column uses the ${copyMethod})`,
);
for (const r of results) {
  if (!r.talib) continue;
  const copyMs = r.talib.copies * copyBest;
  console.log(
    `  ${r.kernel.padEnd(16)} talib execute ${ms(r.talib.exec.medianMs).padStart(6)} ms; with ${r.talib.copies} input ` +
      `cop${r.talib.copies === 1 ? 'y' : 'ies'} ${ms(r.talib.withCopy.medianMs).padStart(6)} ms; the copies alone ` +
      `${ms(copyMs)} ms = ${((copyMs / r.talib.withCopy.medianMs) * 100).toFixed(0)} % of the call`,
  );
}
if (talibProbe) {
  console.log(
    `  TA-Lib SMA(20) on 1M bars: full call ${ms(talibProbe.fullSma.medianMs)} ms (cpu ${ms(talibProbe.fullSma.cpuMedianMs)}); ` +
      `last bar only, same 1M input ${ms(talibProbe.lastBarOnlySma.medianMs)} ms (cpu ${ms(talibProbe.lastBarOnlySma.cpuMedianMs)})`,
  );
}
console.log('');

console.log('All JS peers (median ms; runs):');
for (const r of results) {
  const list = [...r.peers].sort((a, b) => a.timing.medianMs - b.timing.medianMs);
  console.log(
    `  ${r.kernel}: ` +
      list.map((p) => `${p.library} ${p.method} ${ms(p.timing.medianMs)} (${p.timing.runs})`).join('; '),
  );
}
console.log('');

if (breakdown.length > 0) {
  console.log(
    'Where "all 17 fields" goes: each call computeIndicators makes, timed alone (median ms; shared = both versions):',
  );
  let sum1 = 0;
  let sum2 = 0;
  for (const b of breakdown) {
    const t1 = b.v1?.medianMs ?? NaN;
    const t2 = b.v2?.medianMs ?? t1; // shared steps cost the same in both versions
    sum1 += t1;
    sum2 += t2;
    console.log(`  ${b.step.padEnd(40)} v1 ${ms(t1).padStart(6)}   v2 ${b.v2 ? ms(t2).padStart(6) : '  (same)'}`);
  }
  const whole = results.find((r) => r.kernel === 'all 17 fields');
  console.log(
    `  ${'sum of the steps'.padEnd(40)} v1 ${ms(sum1).padStart(6)}   v2 ${ms(sum2).padStart(6)}` +
      (whole
        ? `   (computeIndicators as one call: v1 ${ms(whole.ours[0].timing.medianMs)}, v2 ${ms(whole.ours[1].timing.medianMs)})`
        : ''),
  );
  console.log('');
}

console.log('Agreement of version 2.0 with TA-Lib on this series (max |ours - talib| / max(1, |talib|)):');
console.log(
  '  ' +
    Object.entries(agree)
      .map(([k, v]) => `${k} ${v.toExponential(1)}`)
      .join('; '),
);
console.log('');

const misses = verdicts.filter((v) => !v.info && (v.meetsTarget === false || v.beatsPeers === false));
console.log(
  misses.length === 0
    ? 'All targets met.'
    : 'Missed: ' +
        misses
          .map(
            (v) =>
              `${v.kernel} ${v.label} ${ms(v.medianMs)} ms` +
              (v.meetsTarget === false ? ` (target ${v.targetMs} ms)` : '') +
              (v.beatsPeers === false ? ` (peer ${v.fastestPeer} ${ms(v.peerMs ?? NaN)} ms)` : ''),
          )
          .join('; '),
);
console.log(`load average at end: ${machine.loadavgEnd.join(' ')} (a busy machine inflates every figure)`);

if (JSON_PATH) {
  mkdirSync(dirname(JSON_PATH), { recursive: true });
  writeFileSync(
    JSON_PATH,
    JSON.stringify(
      {
        machine,
        copy: { ...copyTimes, bestMs: copyBest, method: copyMethod },
        talibProbe,
        agreement: agree,
        results,
        breakdown,
        verdicts,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`results written to ${JSON_PATH}`);
}
