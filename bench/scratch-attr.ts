import * as v2 from '../src/compute/v2/index.js';
import * as v1 from '../src/compute/v1/index.js';
const n = 1_000_000;
const close = new Float64Array(n); let p = 100;
for (let i = 0; i < n; i++) { p *= Math.exp(0.002 * (Math.random() - 0.5) * 3.4); close[i] = p; }
const a = new Float64Array(n), b = new Float64Array(n), c = new Float64Array(n);
function copyLoop(x: Float64Array, o: Float64Array) { for (let i = 0; i < x.length; i++) o[i] = x[i] * 0.5; return o; }
function write3(x: Float64Array, o1: Float64Array, o2: Float64Array, o3: Float64Array) { for (let i = 0; i < x.length; i++) { const v = x[i]; o1[i] = v; o2[i] = v + 1; o3[i] = v - 1; } }
function divLoop(x: Float64Array, o: Float64Array, d: number) { for (let i = 0; i < x.length; i++) o[i] = x[i] / d; return o; }
function sqrtLoop(x: Float64Array, o: Float64Array) { for (let i = 0; i < x.length; i++) o[i] = Math.sqrt(x[i]); return o; }
function smaMul(input: Float64Array, period: number, out: Float64Array) {
  let sum = 0; for (let i = 0; i < period; i++) sum += input[i];
  const inv = 1 / period; out[period - 1] = sum * inv;
  for (let i = period; i < input.length; i++) { sum += input[i] - input[i - period]; out[i] = sum * inv; }
}
function smaDiv(input: Float64Array, period: number, out: Float64Array) {
  let sum = 0; for (let i = 0; i < period; i++) sum += input[i];
  out[period - 1] = sum / period;
  for (let i = period; i < input.length; i++) { sum += input[i] - input[i - period]; out[i] = sum / period; }
}
function kahanOnly(input: Float64Array, window: number, out: Float64Array) {
  let sum = 0, addComp = 0, removeComp = 0;
  for (let i = 0; i < input.length; i++) {
    if (i >= window) { const y = -input[i - window] - removeComp; const t = sum + y; removeComp = t - sum - y; sum = t; }
    const y = input[i] - addComp; const t = sum + y; addComp = t - sum - y; sum = t;
    out[i] = sum / window;
  }
}
const fns: Record<string, () => unknown> = {
  set: () => a.set(close),
  copyLoop: () => copyLoop(close, a),
  write3: () => write3(close, a, b, c),
  divLoop: () => divLoop(close, a, 20),
  sqrtLoop: () => sqrtLoop(close, a),
  smaDivPlain: () => smaDiv(close, 20, a),
  smaMulPlain: () => smaMul(close, 20, a),
  v2sma: () => v2.sma(close, 20, a),
  v1sma: () => v1.rollingMean(close, 20, a),
  kahanOnly: () => kahanOnly(close, 20, a),
  v2macd: () => v2.macd(close, { macd: a, signal: b, histogram: c }),
  v2bb: () => v2.bollinger(close, 20, 2, { upper: a, middle: b, lower: c }),
  v2ema: () => v2.ema(close, 12, a),
  v1ewm: () => v1.ewmMean(close, 12, a),
  v1macd: () => v1.macd(close, { macd: a, signal: b, histogram: c }),
  v1rsi: () => v1.rsi(close, 14, a),
  v1bb: () => v1.bollinger(close, 20, 2, { upper: a, middle: b, lower: c }),
  v1std: () => v1.rollingStd(close, 20, a),
  v2rsi: () => v2.rsi(close, 14, a),
};
for (const which of (process.argv[2] ?? Object.keys(fns).join(',')).split(',')) {
  const f = fns[which];
  const cpu: number[] = [];
  for (let r = 0; r < 20; r++) { if (process.env.SETTLE) { (globalThis as any).gc(); await new Promise((res) => setTimeout(res, Number(process.env.SETTLE))); } const c0 = process.cpuUsage(); f(); const d = process.cpuUsage(c0); if (r >= 5) cpu.push((d.user + d.system) / 1e3); }
  cpu.sort((x, y) => x - y);
  console.log(which.padEnd(12), 'cpu median', cpu[7].toFixed(2), 'min', cpu[0].toFixed(2));
}
