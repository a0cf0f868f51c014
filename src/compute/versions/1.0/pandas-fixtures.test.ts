/**
 * The pandas reference data itself: complete, made from the same inputs the kernels read, and able to catch a
 * broken kernel. The per-kernel comparisons live beside each kernel.
 */
import { describe, expect, it } from 'vitest';
import {
  compare,
  compareBits,
  fixtureNames,
  loadFixture,
  readSeriesCsv,
  seriesNames,
} from './testing/pandas-fixtures.js';

/** Every output the Python script writes; each one is checked by some *.test.ts in this folder. */
const OUTPUTS = [
  'sma_20',
  'sma_50',
  'sma_200',
  'rsi_14',
  'macd',
  'macd_signal',
  'macd_histogram',
  'bb_upper',
  'bb_middle',
  'bb_lower',
  'atr_14',
  'tr',
  'avg_gain_14',
  'avg_loss_14',
  'ewm_12',
  'ewm_26',
  'ewm_1',
  'ewm_3',
  'ewm_2_5',
  'rolling_mean_1',
  'rolling_mean_2',
  'rolling_mean_5',
  'rolling_std_2',
  'rolling_std_5',
  'rolling_std_20',
  'rolling_std_50',
  'volume_sma_20',
  'volume_std_20',
  'rsi_2',
  'atr_3',
  'bb_upper_5_1_5',
  'bb_lower_5_1_5',
].sort();

describe('pandas 1.0 fixtures', () => {
  it('cover every CSV series, plus the hand-made edge series', () => {
    const names = fixtureNames();
    for (const series of seriesNames()) expect(names).toContain(series);
    expect(names.filter((n) => n.startsWith('edge-')).length).toBeGreaterThanOrEqual(5);
  });

  it.each(fixtureNames())('%s: made by pandas 1.5 with the expected outputs, all of the input length', (name) => {
    const f = loadFixture(name);
    expect(f.pandasVersion).toMatch(/^1\.5\./);
    expect(Object.keys(f.outputs).sort()).toEqual(OUTPUTS);
    for (const values of Object.values(f.outputs)) expect(values.length).toBe(f.length);
    expect([f.high.length, f.low.length, f.close.length, f.volume.length]).toEqual(Array(4).fill(f.length));
  });

  it.each(seriesNames())('%s: pandas read exactly the doubles that the CSV holds', (name) => {
    const csv = readSeriesCsv(name);
    const f = loadFixture(name);
    for (const column of ['high', 'low', 'close', 'volume'] as const) {
      expect(compareBits(csv[column], f[column]), column).toEqual([]);
    }
  });

  it('the comparison rejects a wrong value, a moved NaN and a near-zero error, and accepts rounding', () => {
    const f = loadFixture('walk-50');
    const expected = f.outputs.macd;
    const scale = f.priceScale;
    expect(compare(expected, expected, scale)).toEqual([]);

    const off = expected.slice();
    off[300] *= 1 + 1e-7;
    expect(compare(off, expected, scale)).toHaveLength(1);

    const moved = f.outputs.sma_20.slice();
    moved[18] = moved[19]; // one warm-up NaN too few
    expect(compare(moved, f.outputs.sma_20, scale)).toHaveLength(1);
    const extra = f.outputs.sma_20.slice();
    extra[25] = NaN;
    expect(compare(extra, f.outputs.sma_20, scale)).toHaveLength(1);

    // Near zero the bound is absolute, 1e-12 of the price scale: 1e-10 off a MACD of ~0 is a failure.
    const nearZero = Float64Array.of(0);
    expect(compare(Float64Array.of(1e-10), nearZero, scale)).toHaveLength(1);
    expect(compare(Float64Array.of(1e-14), nearZero, scale)).toEqual([]);

    const rounded = expected.map((v) => v * (1 + 4e-16));
    expect(compare(rounded, expected, scale)).toEqual([]);
    expect(compareBits(rounded, expected).length).toBeGreaterThan(0);
  });
});
