/**
 * What a quality check says about one ticker (docs/design.md "Data quality"). Every check that judges a ticker
 * gives one verdict, passed or not: the passed ones are what resolves an alert, and they show that the check ran.
 */

/** `error` blocks the ticker's processed results under the default policy; `warn` is reported only. */
export type Severity = 'error' | 'warn';
export const SEVERITIES: readonly Severity[] = ['error', 'warn'];

/** A JSON value small enough for a table cell: a count, a ratio, a date, a short list. */
export type Observation = number | string | boolean | null | readonly (number | string)[];

/** A check's verdict on one ticker's evidence, as the check functions return it. */
export interface CheckVerdict {
  /** The check's id, `family.name` (e.g. `consistency.high_low`); see src/quality/catalog.ts. */
  check: string;
  severity: Severity;
  passed: boolean;
  /** What was seen (e.g. the number of bad bars, the largest move). */
  observed: Observation;
  /** What the threshold allows (e.g. 0, or the largest move allowed). */
  expected: Observation;
  /** One line for people: what is wrong and on which dates (empty when passed). */
  details: string;
}

/** The raw snapshot a verdict judged: key, the store's version id and the body's sha256. */
export interface JudgedSnapshot {
  key: string;
  versionId: string;
  sha256: string;
}

/** A verdict with what it is about: what is stored, alerted and printed. */
export interface QualityResult extends CheckVerdict {
  ticker: string;
  /** The ticker's market code (US, SG, JP, HK, VN, TW). */
  market: string;
  /** The last bar's date of the snapshot judged; null when there was no snapshot (the vendor's format changed). */
  as_of: string | null;
  /** null when the vendor's answer could not become a raw snapshot. */
  raw: JudgedSnapshot | null;
}
