/**
 * Computation version 1.0 ("legacy"): indicator kernels with pandas 1.5 semantics, bit-compatible with the
 * existing Python system (see DESIGN.md, "Computation versions"). Every kernel reads Float64Array inputs and
 * overwrites caller-owned outputs of at least the input length; NaN marks an undefined value.
 */
export { rollingMean } from './rolling-mean.js';
export { rollingStd } from './rolling-std.js';
export { ewmMean, ewmAlpha } from './ewm-mean.js';
export { rsi } from './rsi.js';
export { macd, type MacdOutput } from './macd.js';
export { bollinger, type BollingerOutput } from './bollinger.js';
export { atr, trueRange } from './atr.js';
