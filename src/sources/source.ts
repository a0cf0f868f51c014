import { InputError, UserError } from '../errors.js';
import { isIsoDate } from '../market/dates.js';
import type { RawSnapshot, SourceName } from '../lake/formats/raw.js';

/**
 * What a caller asks a source for: an inclusive range of exchange-local dates, and the time to stamp the fetch with.
 */
export interface SnapshotRequest {
  /** First exchange-local date wanted, `YYYY-MM-DD`, inclusive. */
  start: string;
  /** Last exchange-local date wanted, `YYYY-MM-DD`, inclusive. */
  end: string;
  /**
   * The fetch time; it becomes `fetched_at`. Passed in (not read from the clock) so runs and tests are reproducible.
   */
  now: Date;
}

/**
 * Where raw snapshots come from. A snapshot's bars are sorted by date, one per date, and have passed
 * validateBars; a ticker whose data is bad fails alone (the promise rejects), so a batch can go on with the others.
 */
export interface MarketDataSource {
  readonly name: SourceName;
  fetchSnapshot(ticker: string, request: SnapshotRequest): Promise<RawSnapshot>;
}

/** The source has nothing for this ticker (unknown or delisted symbol, missing file, empty range). Not retried. */
export class NoDataError extends UserError {
  override readonly name = 'NoDataError';
  constructor(
    readonly ticker: string,
    readonly source: SourceName,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`no data for ${ticker} from ${source}: ${detail}`, options);
  }
}

/** The source could not be reached or kept failing (network, HTTP 429/5xx after every retry, other HTTP errors). */
export class SourceFetchError extends UserError {
  override readonly name = 'SourceFetchError';
  constructor(
    readonly ticker: string,
    readonly source: SourceName,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`cannot fetch ${ticker} from ${source}: ${detail}`, options);
  }
}

/**
 * The source answered, but not in the format marketlake reads: the vendor changed its response. Names the ticker,
 * the field and what is wrong, so the morning's report says what changed. Not retried: the same answer would come.
 */
export class VendorFormatError extends UserError {
  override readonly name = 'VendorFormatError';
  constructor(
    readonly ticker: string,
    readonly source: SourceName,
    /** The first offending field of the vendor's answer, `chart.result[0].timestamp` (`(body)` for all of it). */
    readonly field: string,
    /** What is wrong, every problem found (up to three), each as `field: problem`. */
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${ticker} (${source}): the ${RESPONSE_NAMES[source]} changed shape: ${problem}`, options);
  }
}

const RESPONSE_NAMES: Record<SourceName, string> = {
  yfinance: 'chart response',
  csv: 'file',
  sample: 'generated series',
};

/** Refuses a malformed range before any I/O; the label names the source and ticker in the message. */
export function checkRequest(request: SnapshotRequest, label: string): void {
  for (const field of ['start', 'end'] as const) {
    if (!isIsoDate(request[field])) {
      throw new InputError(
        label,
        undefined,
        `${field} date ${JSON.stringify(request[field])} is not a calendar date YYYY-MM-DD`,
      );
    }
  }
  if (request.start > request.end) {
    throw new InputError(label, undefined, `start ${request.start} is after end ${request.end}`);
  }
  if (!(request.now instanceof Date) || Number.isNaN(request.now.getTime())) {
    throw new InputError(label, undefined, 'the request time "now" is not a valid Date');
  }
}
