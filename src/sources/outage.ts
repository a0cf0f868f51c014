import type { RawSnapshot } from '../lake/formats/raw.js';
import { UserError } from '../errors.js';
import type { MarketDataSource, SnapshotRequest } from './source.js';

/**
 * Stops fetching when the vendor is plainly unreachable. Without it, a run with no network retries every ticker
 * with backoff (20 tickers: about 30 s) and reports the same DNS error once per ticker. After `threshold`
 * tickers in a row fail with the same network error (no answer at all: DNS, refused, reset, timeout), every
 * later ticker fails at once with one reason that names the error, and the run goes on to write its summary.
 *
 * Only network failures count: an HTTP error or an unknown symbol is an answer, so the vendor is up, and any
 * success or other failure starts the count again. Tickers already in flight when the guard trips finish
 * their own attempts.
 */
export class VendorOutageGuard implements MarketDataSource {
  readonly name: MarketDataSource['name'];
  #sameInARow = 0;
  #lastFailure: string | undefined;
  #outage: string | undefined;

  constructor(
    private readonly source: MarketDataSource,
    private readonly threshold = 3,
  ) {
    if (!Number.isInteger(threshold) || threshold < 1)
      throw new RangeError(`threshold must be a whole number >= 1, got ${threshold}`);
    this.name = source.name;
  }

  /** The network error that tripped the guard, once it has. */
  get outage(): string | undefined {
    return this.#outage;
  }

  async fetchSnapshot(ticker: string, request: SnapshotRequest): Promise<RawSnapshot> {
    if (this.#outage !== undefined) {
      throw new VendorUnreachableError(ticker, this.source.name, this.#outage, this.threshold);
    }
    try {
      const snapshot = await this.source.fetchSnapshot(ticker, request);
      this.#record(undefined);
      return snapshot;
    } catch (error) {
      this.#record(networkFailure(error));
      throw error;
    }
  }

  #record(failure: string | undefined): void {
    if (this.#outage !== undefined) return;
    if (failure === undefined) {
      this.#sameInARow = 0;
      this.#lastFailure = undefined;
      return;
    }
    this.#sameInARow = failure === this.#lastFailure ? this.#sameInARow + 1 : 1;
    this.#lastFailure = failure;
    if (this.#sameInARow >= this.threshold) this.#outage = failure;
  }
}

/**
 * A ticker not fetched because the vendor was found unreachable. The message leaves the ticker out: it is the
 * same for every such ticker, so a report can say it once.
 */
export class VendorUnreachableError extends UserError {
  override readonly name = 'VendorUnreachableError';
  constructor(
    readonly ticker: string,
    source: MarketDataSource['name'],
    outage: string,
    threshold: number,
  ) {
    super(`not fetched: ${source} is unreachable (${threshold} tickers in a row failed with: ${outage})`);
  }
}

/** Node's codes for a request that got no answer. */
const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * The innermost message of a failure that never got an answer from the vendor, or undefined for any other
 * failure. The innermost message ("getaddrinfo ENOTFOUND query2.finance.yahoo.com") is the same for every
 * ticker, where the outer ones name the ticker.
 */
export function networkFailure(error: unknown): string | undefined {
  let network = false;
  let innermost: unknown = error;
  for (
    let current: unknown = error, depth = 0;
    current instanceof Error && depth < 10;
    current = current.cause, depth++
  ) {
    const code = (current as { code?: unknown }).code;
    if (
      current.name === 'YahooNetworkError' ||
      current.name === 'TimeoutError' ||
      (typeof code === 'string' && NETWORK_CODES.has(code))
    )
      network = true;
    innermost = current;
  }
  if (!network) return undefined;
  return innermost instanceof Error ? innermost.message : String(innermost);
}
