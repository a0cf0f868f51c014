import * as v2 from '../src/compute/v2/index.js';
import * as v1 from '../src/compute/v1/index.js';
import { atrPercent, priceVwapPct, uncertaintyScore, volumeRatio, vwap } from '../src/compute/derived.js';
import { allocateIndicatorColumns } from '../src/compute/fields.js';
import { computeIndicators } from '../src/compute/indicators.js';
const n = 1_000_000;
let s = 1; const rnd = () => { s = (s * 16807) % 2147483647; return s / 2147483647; };
const close = new Float64Array(n), high = new Float64Array(n), low = new Float64Array(n), volume = new Float64Array(n);
let p = 100;
for (let i = 0; i < n; i++) { const o = p; p = o * Math.exp(0.002 * (rnd() - 0.5) * 3.4); close[i] = p; high[i] = Math.max(o, p) * (1 + 0.001 * rnd()); low[i] = Math.min(o, p) * (1 - 0.001 * rnd()); volume[i] = Math.round(1e5 * (0.2 + 1.8 * rnd())); }
const out = allocateIndicatorColumns(n);
const series = { dates: [], open: close, high, low, close, volume };
const steps: Record<string, () => unknown> = {
  'v1 sma20': () => v1.rollingMean(close, 20, out.sma_20),
  'v1 sma50': () => v1.rollingMean(close, 50, out.sma_50),
  'v1 sma200': () => v1.rollingMean(close, 200, out.sma_200),
  'v1 rsi': () => v1.rsi(close, 14, out.rsi_14),
  'v1 macd': () => v1.macd(close, { macd: out.macd, signal: out.macd_signal, histogram: out.macd_histogram }),
  'v1 bb': () => v1.bollinger(close, 20, 2, { upper: out.bb_upper, middle: out.bb_middle, lower: out.bb_lower }),
  'v1 atr noscratch': () => v1.atr(high, low, close, 14, out.atr_14),
  'v2 sma20': () => v2.sma(close, 20, out.sma_20),
  'v2 sma50': () => v2.sma(close, 50, out.sma_50),
  'v2 sma200': () => v2.sma(close, 200, out.sma_200),
  'v2 rsi': () => v2.rsi(close, 14, out.rsi_14),
  'v2 macd': () => v2.macd(close, { macd: out.macd, signal: out.macd_signal, histogram: out.macd_histogram }),
  'v2 bb': () => v2.bollinger(close, 20, 2, { upper: out.bb_upper, middle: out.bb_middle, lower: out.bb_lower }),
  'v2 atr': () => v2.atr(high, low, close, 14, out.atr_14),
  atrPercent: () => atrPercent(out.atr_14, close, out.atr_percent),
  vwap: () => vwap(high, low, close, volume, out.vwap),
  priceVwapPct: () => priceVwapPct(close, out.vwap, out.price_vwap_pct),
  'volume sma (v1 rollingMean)': () => v1.rollingMean(volume, 20, out.volume_sma_20),
  volumeRatio: () => volumeRatio(volume, out.volume_sma_20, out.volume_ratio),
  uncertaintyScore: () => uncertaintyScore(close, out.vwap, out.volume_ratio, out.atr_14, out.uncertainty_score),
  'computeIndicators 1.0': () => computeIndicators(series, '1.0', out),
  'computeIndicators 2.0': () => computeIndicators(series, '2.0', out),
};
for (const [name, f] of Object.entries(steps)) {
  const cpu: number[] = [];
  for (let r = 0; r < 16; r++) { const c0 = process.cpuUsage(); f(); const u = process.cpuUsage(c0); const d = (u.user + u.system) / 1e3; if (r >= 5) cpu.push(d); }
  cpu.sort((x, y) => x - y);
  console.log(name.padEnd(28), 'median', cpu[5].toFixed(2), 'min', cpu[0].toFixed(2));
}
