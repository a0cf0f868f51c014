import * as v2 from '../src/compute/v2/index.js';
import * as v1 from '../src/compute/v1/index.js';
const n = 1_000_000;
const close = new Float64Array(n); let p = 100;
for (let i = 0; i < n; i++) { p *= 1 + (Math.random() - 0.5) * 0.004; close[i] = p; }
const a = new Float64Array(n), b = new Float64Array(n), c = new Float64Array(n);
const which = process.argv[2] ?? 'v2macd';
const fns: Record<string, () => unknown> = {
  v2macd: () => v2.macd(close, { macd: a, signal: b, histogram: c }),
  v1macd: () => v1.macd(close, { macd: a, signal: b, histogram: c }),
  v2sma: () => v2.sma(close, 20, a),
  v1sma: () => v1.rollingMean(close, 20, a),
  v2rsi: () => v2.rsi(close, 14, a),
  v1rsi: () => v1.rsi(close, 14, a),
  v2bb: () => v2.bollinger(close, 20, 2, { upper: a, middle: b, lower: c }),
  v1bb: () => v1.bollinger(close, 20, 2, { upper: a, middle: b, lower: c }),
  v2ema: () => v2.ema(close, 12, a),
};
const f = fns[which];
const ts: number[] = [];
for (let r = 0; r < 25; r++) { const s = process.hrtime.bigint(); f(); ts.push(Number(process.hrtime.bigint() - s) / 1e6); }
console.log(which, ts.map((x) => x.toFixed(2)).join(' '));
