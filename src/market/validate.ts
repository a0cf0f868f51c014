import { InputError } from '../errors.js';
import type { Bar } from './bars.js';
import { isIsoDate } from './dates.js';

/**
 * Which rules bars must pass to be taken at all:
 * - `structural`: what every series needs to be a series (calendar dates, ascending and one bar per date, finite
 *   numbers). A vendor's snapshot passes only these: it is stored as the vendor's record even when its values are
 *   wrong, and the data-quality checks (src/quality) judge the values, blocking the results computed from them.
 * - `strict`: the structural rules plus the values' own (positive prices, volume >= 0, high >= low), for a file the
 *   user gives (`compute`, the CSV folder source), where the line number of the bad value is the best answer.
 */
export type BarRules = 'structural' | 'strict';

/**
 * The checks every bar passes before anything is computed or written, whatever its source.
 * `lineOf(i)` maps a bar index to a line number for messages (CSV lines; undefined for sources without lines).
 */
export function validateBars(
  bars: readonly Bar[],
  source: string,
  lineOf: (index: number) => number | undefined,
  rules: BarRules = 'strict',
): void {
  const strict = rules === 'strict';
  if (bars.length === 0) throw new InputError(source, undefined, 'no bars: the input has no data rows');
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i];
    const line = lineOf(i);
    const fail = (problem: string): never => {
      throw new InputError(source, line, problem);
    };
    if (!isIsoDate(bar.date)) fail(`date ${JSON.stringify(bar.date)} is not a calendar date YYYY-MM-DD`);
    for (const field of ['open', 'high', 'low', 'close'] as const) {
      const value = bar[field];
      if (!Number.isFinite(value)) fail(`${field} is ${value}: prices must be finite numbers`);
      if (strict && value <= 0) fail(`${field} is ${value}: prices must be positive`);
    }
    if (!Number.isFinite(bar.volume)) fail(`volume is ${bar.volume}: volume must be a finite number`);
    if (strict && bar.volume < 0) fail(`volume is ${bar.volume}: volume must not be negative`);
    if (bar.adjClose !== null && !Number.isFinite(bar.adjClose)) {
      fail(`adj close is ${bar.adjClose}: it must be a finite number or empty`);
    }
    if (strict && bar.adjClose !== null && bar.adjClose <= 0) {
      fail(`adj close is ${bar.adjClose}: it must be a positive finite number or empty`);
    }
    if (strict && bar.high < bar.low) fail(`high ${bar.high} is below low ${bar.low}`);
    if (i > 0) {
      const previous = bars[i - 1].date;
      if (bar.date === previous) {
        const earlier = lineOf(i - 1);
        fail(`duplicate date ${bar.date}${earlier === undefined ? '' : ` (also on line ${earlier})`}`);
      }
      if (bar.date < previous) fail(`date ${bar.date} comes after ${previous}: dates must be in ascending order`);
    }
  }
}
