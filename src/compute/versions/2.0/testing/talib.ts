/**
 * The TA-Lib reference (the `talib` Node binding, TA-Lib C 0.6.0-dev), aligned with our kernels' output:
 * index i is bar i, null where TA-Lib returns nothing (its lookback). Used by the fixture script
 * (scripts/fixtures/talib-v2.ts) and by the live tests, so that both ask TA-Lib the same questions.
 *
 * Test and tooling support only: nothing in the computation depends on it.
 */
import { createRequire } from 'node:module';

interface TalibResult {
  begIndex: number;
  nbElement: number;
  result: Record<string, number[]>;
  error?: string;
}

interface TalibBinding {
  version: string;
  execute(params: Record<string, unknown>): TalibResult;
  explain(name: string): unknown;
}

let binding: TalibBinding | undefined;

export function talibBinding(): TalibBinding {
  binding ??= createRequire(import.meta.url)('talib') as TalibBinding;
  return binding;
}

export type Aligned = (number | null)[];

export interface Ohlc {
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
}

/**
 * Runs one TA-Lib function over all bars and returns each output aligned with the input.
 * Inputs are copied to plain Arrays: the binding reads typed arrays as garbage. endIdx is always n - 1:
 * past the end of its input the binding reads whatever memory follows. Options must be in TA-Lib's range
 * (SMA, EMA, RSI, BBANDS periods >= 2): the binding reports a bad parameter by calling a callback that a
 * synchronous call does not have, which kills the process. An empty input is answered here for the same
 * reason (TA-Lib rejects endIdx -1).
 */
export function runTalib(
  name: string,
  inputs: Record<string, ArrayLike<number>>,
  options: Record<string, number>,
): Record<string, Aligned> {
  const plain: Record<string, number[]> = {};
  let n = -1;
  for (const [key, values] of Object.entries(inputs)) {
    plain[key] = Array.from(values);
    if (n >= 0 && values.length !== n) throw new Error(`talib ${name}: inputs differ in length`);
    n = values.length;
  }
  if (n <= 0) {
    const { outputs } = talibBinding().explain(name) as { outputs: { name: string }[] };
    return Object.fromEntries(outputs.map((output) => [output.name, []]));
  }
  const result = talibBinding().execute({ name, startIdx: 0, endIdx: n - 1, ...plain, ...options });
  if (result.error) throw new Error(`talib ${name}: ${result.error}`);
  const aligned: Record<string, Aligned> = {};
  for (const [key, values] of Object.entries(result.result)) {
    const column: Aligned = new Array<number | null>(n).fill(null);
    for (let j = 0; j < result.nbElement; j++) column[result.begIndex + j] = values[j];
    aligned[key] = column;
  }
  return aligned;
}

/** The version 2.0 reference set, under the names the fixtures use. */
export const TALIB_FIELDS = [
  'sma_20',
  'sma_50',
  'sma_200',
  'ema_12',
  'ema_26',
  'rsi_14',
  'macd',
  'macd_signal',
  'macd_histogram',
  'atr_14',
  'bb_upper',
  'bb_middle',
  'bb_lower',
] as const;

export type TalibField = (typeof TALIB_FIELDS)[number];

export function talibReference(bars: Ohlc): Record<TalibField, Aligned> {
  const { close } = bars;
  const macd = runTalib('MACD', { inReal: close }, { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 });
  const bands = runTalib(
    'BBANDS',
    { inReal: close },
    // optInMAType 0 = SMA middle band, as TA-Lib defines Bollinger bands.
    { optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 },
  );
  return {
    sma_20: runTalib('SMA', { inReal: close }, { optInTimePeriod: 20 }).outReal,
    sma_50: runTalib('SMA', { inReal: close }, { optInTimePeriod: 50 }).outReal,
    sma_200: runTalib('SMA', { inReal: close }, { optInTimePeriod: 200 }).outReal,
    ema_12: runTalib('EMA', { inReal: close }, { optInTimePeriod: 12 }).outReal,
    ema_26: runTalib('EMA', { inReal: close }, { optInTimePeriod: 26 }).outReal,
    rsi_14: runTalib('RSI', { inReal: close }, { optInTimePeriod: 14 }).outReal,
    macd: macd.outMACD,
    macd_signal: macd.outMACDSignal,
    macd_histogram: macd.outMACDHist,
    atr_14: runTalib('ATR', { high: bars.high, low: bars.low, close }, { optInTimePeriod: 14 }).outReal,
    bb_upper: bands.outRealUpperBand,
    bb_middle: bands.outRealMiddleBand,
    bb_lower: bands.outRealLowerBand,
  };
}
