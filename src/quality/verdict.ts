/**
 * Small helpers every phase uses to build verdicts: one shape, and date lists cut short for a table cell.
 */
import type { Market } from '../sources/markets.js';
import type { CheckId } from './catalog.js';
import { settingsFor, type CheckSettings, type QualityConfig } from './config.js';
import type { CheckVerdict, Observation } from './finding.js';

export function verdict(
  check: CheckId,
  settings: CheckSettings,
  passed: boolean,
  observed: Observation,
  expected: Observation,
  details: string,
): CheckVerdict {
  return { check, severity: settings.severity, passed, observed, expected, details: passed ? '' : details };
}

/** A passed verdict whose details say why nothing could be judged (no previous snapshot, no calendar). */
export function notJudged(check: CheckId, settings: CheckSettings, expected: Observation, why: string): CheckVerdict {
  return { check, severity: settings.severity, passed: true, observed: null, expected, details: why };
}

/** At most `limit` dates, then how many more: details stay one short line however bad the series is. */
export function listDates(dates: readonly string[], limit = 5): string {
  if (dates.length <= limit) return dates.join(', ');
  return `${dates.slice(0, limit).join(', ')} and ${dates.length - limit} more`;
}

/** Runs `run` for each check id that is enabled for this ticker; the results keep the order of `ids`. */
export function runEnabled<Id extends CheckId>(
  config: QualityConfig,
  market: Market,
  ticker: string,
  ids: readonly Id[],
  run: (id: Id, settings: CheckSettings) => CheckVerdict,
): CheckVerdict[] {
  const verdicts: CheckVerdict[] = [];
  for (const id of ids) {
    const settings = settingsFor(config, market, ticker, id);
    if (settings.enabled) verdicts.push(run(id, settings));
  }
  return verdicts;
}

/** Rounds a ratio for people (details, observed values): four significant digits. */
export function round4(value: number): number {
  return Number(value.toPrecision(4));
}
