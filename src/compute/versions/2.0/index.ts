/**
 * Computation version 2.0 kernels: TA-Lib's definitions on Float64Array, aligned with the input
 * (output index i is bar i, NaN where TA-Lib has no value yet), O(n), no allocation; outputs are passed in
 * (length >= input length) and overwritten, and may not share memory with an input or with each other.
 * Inputs are assumed finite: as in TA-Lib, a NaN carries into every later value of the recursive kernels;
 * bollinger recovers once it has left the window. See docs/design.md, "Computation versions".
 *
 * How close to TA-Lib: sma is TA-Lib's bit for bit (same operations, same order); ema, rsi, macd and atr
 * agree to about 1e-15 (they reorder the recurrences for speed; the recurrences contract, so nothing
 * accumulates); bollinger is deliberately not TA-Lib's: its standard deviation is exact (see bollinger.ts).
 */
import type { KernelSet } from '../kernel-set.js';
import { atr } from './atr.js';
import { bollinger } from './bollinger.js';
import { macd } from './macd.js';
import { rsi } from './rsi.js';
import { sma } from './sma.js';

export { sma } from './sma.js';
export { ema } from './ema.js';
export { rsi } from './rsi.js';
export { macd } from './macd.js';
export { atr } from './atr.js';
export { bollinger } from './bollinger.js';
export type { BollingerOutput, MacdOutput } from '../kernel-set.js';

/** TA-Lib's lookbacks: RSI and ATR start one bar later (they need a previous close); MACD at (26 - 1) + (9 - 1). */
export const kernels: KernelSet = {
  sma,
  rsi,
  macd,
  bollinger,
  atr,
  warmUp: {
    sma: (period) => period - 1,
    rsi: (period) => period,
    macd: 33,
    bollinger: (period) => period - 1,
    atr: (period) => period,
  },
  smoothing: 'wilder',
  // TA-Lib's recursions run bar by bar; Bollinger re-anchors by its error bound, within 2.5e-13 of exact.
  prefixTolerance: { sma: 0, rsi: 0, macd: 0, bollinger: 1e-12, atr: 0 },
};
