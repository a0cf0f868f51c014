/**
 * Computation version 1.0 ("legacy"): indicator kernels with pandas 1.5 semantics (see DESIGN.md, "Computation
 * versions"): pandas' rules exactly where they decide a value, its numbers to about 1e-12 relative (EWM and MACD
 * bit for bit). Every kernel reads Float64Array inputs and overwrites caller-owned outputs of at least the
 * input length; NaN marks an undefined value.
 */
export { rollingMean } from './rolling-mean.js';
export { rollingStd } from './rolling-std.js';
export { ewmMean, ewmAlpha } from './ewm-mean.js';
export { rsi } from './rsi.js';
export { macd, type MacdOutput } from './macd.js';
export { bollinger, type BollingerOutput } from './bollinger.js';
export { atr, trueRange } from './atr.js';
