/**
 * What a computation version provides: the kernels `computeIndicators` calls (src/compute/indicators.ts) and the
 * facts about them that other modules and the kernel contract suite (kernel-contract.test.ts) rely on. Each version
 * lives in a folder named by its version (versions/1.0, versions/2.0) whose index.ts exports one `kernels:
 * KernelSet`; versions/registry.ts maps the version names to them.
 *
 * Every kernel reads Float64Array inputs and overwrites caller-owned outputs of at least the input length (output
 * index i is bar i; NaN marks an undefined value), checks its arguments once per call (src/compute/kernel-guards.ts),
 * and allocates nothing when given its outputs (and `scratch`). Every kernel is causal: the value at bar i depends
 * only on bars 0..i, so a series cut at a bar gives the values of the whole series up to it (bit for bit, or
 * within the version's `prefixTolerance`).
 */

/** The three MACD lines. */
export interface MacdOutput {
  macd: Float64Array;
  signal: Float64Array;
  histogram: Float64Array;
}

/** The three Bollinger bands. */
export interface BollingerOutput {
  upper: Float64Array;
  middle: Float64Array;
  lower: Float64Array;
  /** Optional: the standard deviation itself, written when given (the version's: sample or population). */
  stddev?: Float64Array;
}

/**
 * How many bars at the start of a series have no value (NaN) for a finite input, per kernel: the documented
 * warm-up. After it every value of a finite, non-constant input is a number.
 */
export interface WarmUp {
  sma(period: number): number;
  rsi(period: number): number;
  /** MACD(12, 26, 9): the same for all three lines. */
  macd: number;
  bollinger(period: number): number;
  atr(period: number): number;
}

export interface KernelSet {
  /** Simple moving average of the last `period` values: sma_20/50/200 and volume_sma_20. */
  sma(input: Float64Array, period: number, out: Float64Array): Float64Array;
  rsi(close: Float64Array, period: number, out: Float64Array): Float64Array;
  /** MACD(12, 26, 9). */
  macd(close: Float64Array, out: MacdOutput): MacdOutput;
  /** Bands at `k` standard deviations around the `period`-bar mean. */
  bollinger(close: Float64Array, period: number, k: number, out: BollingerOutput): BollingerOutput;
  /**
   * Average true range. `scratch` (at least the input length, distinct from `out` and the inputs) is memory the
   * kernel may use before it returns; a kernel that needs none ignores it.
   */
  atr(
    high: Float64Array,
    low: Float64Array,
    close: Float64Array,
    period: number,
    out: Float64Array,
    scratch: Float64Array,
  ): Float64Array;
  warmUp: WarmUp;
  /**
   * How RSI and ATR average their changes and true ranges: a rolling mean of the last `period` values, or
   * Wilder's smoothing (an exponential mean with alpha = 1 / period). It decides how many later results a
   * changed bar reaches (src/staleness/lookback.ts).
   */
  smoothing: 'rolling' | 'wilder';
  /**
   * How far, relative, the values of a series cut at bar m may be from the first m values of the whole series,
   * per kernel: 0 means bit for bit. A kernel that keeps a running sum under an error bound may compute its
   * last bars, or re-anchor, according to where the series ends: it agrees to its stated accuracy, not to the bit.
   */
  prefixTolerance: Record<'sma' | 'rsi' | 'macd' | 'bollinger' | 'atr', number>;
}
