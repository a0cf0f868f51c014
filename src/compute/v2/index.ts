/**
 * Computation version 2.0 ("standard") kernels: TA-Lib's definitions on Float64Array, aligned with the input
 * (output index i is bar i, NaN where TA-Lib has no value yet), O(n), no allocation; outputs are passed in
 * (length >= input length) and overwritten. See DESIGN.md, "Computation versions".
 */
export { sma } from './sma.js';
export { ema } from './ema.js';
export { rsi } from './rsi.js';
export { macd, type MacdOutput } from './macd.js';
export { atr } from './atr.js';
export { bollinger, type BollingerOutput } from './bollinger.js';
