/**
 * The checks of one ticker's computed results (phase `results`): values that should exist and do not, and values
 * outside their domain. They read TickerResults (src/compute/results.ts) as of the last bar; the warm-ups come from
 * the computation version's own kernel set, so a version with a longer warm-up is not flagged for its design.
 */
import type { ComputationVersion } from '../compute/fields.js';
import { RETURN_HORIZONS, VOLATILITY_WINDOWS, type FeatureValues } from '../compute/features.js';
import { PERCENTILE_METRICS } from '../compute/percentiles.js';
import type { TickerResults } from '../compute/results.js';
import { KERNEL_SETS } from '../compute/versions/registry.js';
import type { RawBar } from '../lake/formats/raw.js';
import type { Market } from '../sources/markets.js';
import type { CheckId } from './catalog.js';
import { DEFAULT_QUALITY_CONFIG, type CheckSettings, type QualityConfig } from './config.js';
import type { CheckVerdict } from './finding.js';
import { runEnabled, verdict } from './verdict.js';

export interface ResultCheckInput {
  ticker: string;
  market: Market;
  version: ComputationVersion;
  results: TickerResults;
  /**
   * The bars the results were computed from. Optional: with them, a null that the data explains (RSI and the
   * uncertainty score of a flat series are 0/0; VWAP of a series that never traded) is not reported as missing.
   */
  bars?: readonly RawBar[];
}

export const RESULT_CHECKS = ['computation.missing_values', 'computation.domain'] as const satisfies readonly CheckId[];

export function checkResults(input: ResultCheckInput, config: QualityConfig = DEFAULT_QUALITY_CONFIG): CheckVerdict[] {
  return runEnabled(config, input.market, input.ticker, RESULT_CHECKS, (id, settings) =>
    id === 'computation.missing_values' ? missingValues(input, settings) : domain(input.results, settings),
  );
}

/** How many bars each indicator needs before it has a value, for one version (warm-up + 1). */
function indicatorNeeds(version: ComputationVersion): Record<string, number> {
  const warmUp = KERNEL_SETS[version].warmUp;
  const atr = warmUp.atr(14) + 1;
  const volumeSma = warmUp.sma(20) + 1;
  return {
    sma_20: warmUp.sma(20) + 1,
    sma_50: warmUp.sma(50) + 1,
    sma_200: warmUp.sma(200) + 1,
    rsi_14: warmUp.rsi(14) + 1,
    macd: warmUp.macd + 1,
    macd_signal: warmUp.macd + 1,
    macd_histogram: warmUp.macd + 1,
    bb_upper: warmUp.bollinger(20) + 1,
    bb_middle: warmUp.bollinger(20) + 1,
    bb_lower: warmUp.bollinger(20) + 1,
    atr_14: atr,
    atr_percent: atr,
    vwap: 1,
    price_vwap_pct: 1,
    volume_sma_20: volumeSma,
    volume_ratio: volumeSma,
    uncertainty_score: Math.max(atr, volumeSma),
  };
}

const NEEDS = new Map<ComputationVersion, Record<string, number>>();

function needsOf(version: ComputationVersion): Record<string, number> {
  let needs = NEEDS.get(version);
  if (needs === undefined) {
    needs = indicatorNeeds(version);
    NEEDS.set(version, needs);
  }
  return needs;
}

/** Bars each feature needs (src/compute/features.ts documents each). */
const FEATURE_NEEDS: Partial<Record<keyof FeatureValues, number>> = {
  ...Object.fromEntries(RETURN_HORIZONS.map((k) => [`return_${k}d`, k + 1])),
  ...Object.fromEntries(VOLATILITY_WINDOWS.map((k) => [`volatility_${k}d`, k + 1])),
  max_drawdown: 1,
};

/**
 * Nulls the data does not explain. With the bars: the last 15 closes all equal make RSI (and, through a zero ATR,
 * the uncertainty score) 0/0; no volume in the last 20 bars makes the volume ratio 0/0; no volume ever, VWAP.
 */
function explainedNulls(bars: readonly RawBar[] | undefined): Set<string> {
  const explained = new Set<string>();
  if (bars === undefined || bars.length === 0) return explained;
  const n = bars.length;
  const last = bars[n - 1];
  let flat = true;
  for (let i = Math.max(0, n - 15); i < n && flat; i++) flat = bars[i].close === last.close;
  if (flat) for (const field of ['rsi_14', 'uncertainty_score', 'sharpe_ratio']) explained.add(field);
  let recentVolume = 0;
  for (let i = Math.max(0, n - 20); i < n; i++) recentVolume += bars[i].volume;
  if (recentVolume === 0) for (const field of ['volume_ratio', 'uncertainty_score']) explained.add(field);
  let anyVolume = recentVolume > 0;
  for (let i = 0; i < n - 20 && !anyVolume; i++) anyVolume = bars[i].volume > 0;
  if (!anyVolume) for (const field of ['vwap', 'price_vwap_pct', 'uncertainty_score']) explained.add(field);
  return explained;
}

export function missingValues(input: ResultCheckInput, settings: CheckSettings): CheckVerdict {
  const maxFields = settings.thresholds.max_fields;
  const { results } = input;
  const needs = needsOf(input.version);
  const explained = explainedNulls(input.bars);
  const missing: string[] = [];
  for (const [field, need] of Object.entries(needs)) {
    if (results.bars >= need && results.indicators[field] == null && !explained.has(field)) {
      missing.push(`${field} (${need} bars needed)`);
    }
  }
  for (const [field, need] of Object.entries(FEATURE_NEEDS)) {
    const value = results.features[field as keyof FeatureValues];
    if (results.bars >= need! && value == null && !explained.has(field)) missing.push(`${field} (${need} bars needed)`);
  }
  return verdict(
    'computation.missing_values',
    settings,
    missing.length <= maxFields,
    missing.length,
    maxFields,
    `${missing.length} result(s) null with ${results.bars} bars, as of ${results.asOf}: ${missing.join(', ')}`,
  );
}

/** A value outside [min, max] (either bound optional); null is missing_values' business, not this one's. */
function outside(value: number | null | undefined, min?: number, max?: number): boolean {
  if (value == null) return false;
  if (!Number.isFinite(value)) return true;
  return (min !== undefined && value < min) || (max !== undefined && value > max);
}

/** Rounding room on the percent bounds: a share x 100 may land an ulp past 100. */
const EPSILON = 1e-9;

export function domain(results: TickerResults, settings: CheckSettings): CheckVerdict {
  const maxFields = settings.thresholds.max_fields;
  const bad: string[] = [];
  const note = (name: string, value: number | null | undefined) => bad.push(`${name} = ${value}`);
  const { indicators: ind, features, percentiles } = results;

  if (outside(ind.rsi_14, 0, 100 + EPSILON)) note('rsi_14', ind.rsi_14);
  for (const field of ['atr_14', 'atr_percent', 'volume_sma_20', 'volume_ratio'] as const) {
    if (outside(ind[field], 0)) note(field, ind[field]);
  }
  if (outside(ind.vwap, Number.MIN_VALUE)) note('vwap', ind.vwap);
  if (outside(ind.uncertainty_score, 0, 100 + EPSILON)) note('uncertainty_score', ind.uncertainty_score);
  if (ind.bb_upper != null && ind.bb_lower != null && ind.bb_lower > ind.bb_upper) {
    note('bb_lower > bb_upper', ind.bb_lower);
  }
  for (const k of VOLATILITY_WINDOWS) {
    const field = `volatility_${k}d` as const;
    if (outside(features[field], 0)) note(field, features[field]);
  }
  if (outside(features.max_drawdown, -1 - EPSILON, 0)) note('max_drawdown', features.max_drawdown);
  for (const k of RETURN_HORIZONS) {
    const field = `return_${k}d` as const;
    if (outside(features[field], -1)) note(field, features[field]);
  }

  for (const metric of PERCENTILE_METRICS) {
    const stats = percentiles[metric] as unknown as Record<string, number | null>;
    for (const [key, value] of Object.entries(stats)) {
      const isShare = key === 'percentile' || key.startsWith('pct_');
      if (isShare && outside(value, 0, 100 + EPSILON)) note(`percentiles.${metric}.${key}`, value);
      if ((key === 'std' || key === 'count') && outside(value, 0)) note(`percentiles.${metric}.${key}`, value);
    }
    if (metric === 'rsi_14') {
      for (const key of ['current_value', 'mean', 'min', 'max']) {
        if (outside(stats[key], 0, 100 + EPSILON)) note(`percentiles.rsi_14.${key}`, stats[key]);
      }
    }
  }
  if (outside(percentiles.current_price_percentile, 0, 100 + EPSILON)) {
    note('percentiles.current_price_percentile', percentiles.current_price_percentile);
  }

  return verdict(
    'computation.domain',
    settings,
    bad.length <= maxFields,
    bad.length,
    maxFields,
    `${bad.length} result(s) outside their domain as of ${results.asOf}: ${bad.slice(0, 5).join(', ')}` +
      (bad.length > 5 ? ` and ${bad.length - 5} more` : ''),
  );
}
