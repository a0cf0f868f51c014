/**
 * Computation version 1.0: indicator kernels with pandas 1.5 semantics, as the existing Python system computes
 * them (see docs/design.md, "Computation versions"): pandas' rules exactly where they decide a value, its numbers to
 * about 1e-12 relative (EWM and MACD bit for bit). Every kernel reads Float64Array inputs and overwrites
 * caller-owned outputs of at least the input length; NaN marks an undefined value.
 */
import type { KernelSet } from '../kernel-set.js';
import { atr } from './atr.js';
import { bollinger } from './bollinger.js';
import { macd } from './macd.js';
import { rollingMean } from './rolling-mean.js';
import { rsi } from './rsi.js';

export { rollingMean } from './rolling-mean.js';
export { rollingStd } from './rolling-std.js';
export { ewmMean, ewmAlpha } from './ewm-mean.js';
export { rsi } from './rsi.js';
export { macd } from './macd.js';
export { bollinger } from './bollinger.js';
export { atr, trueRange } from './atr.js';
export type { BollingerOutput, MacdOutput } from '../kernel-set.js';

/** pandas' `min_periods = window`: a window needs `period` values; RSI's first change is 0, not missing. */
export const kernels: KernelSet = {
  sma: rollingMean,
  rsi,
  macd,
  bollinger,
  atr,
  warmUp: {
    sma: (period) => period - 1,
    rsi: (period) => period - 1,
    macd: 0, // ewm(adjust=False) starts at the first close
    bollinger: (period) => period - 1,
    atr: (period) => period - 1,
  },
  smoothing: 'rolling',
  // The rolling mean (and the ATR from it) computes the bars past its last group of eight afresh, and Bollinger
  // re-anchors by its error bound: both within about 1e-12 of the exact values (rolling-mean.ts, bollinger.ts).
  prefixTolerance: { sma: 1e-12, rsi: 0, macd: 0, bollinger: 1e-12, atr: 1e-12 },
};
