import { UserError } from '../errors.js';
import { quote } from '../quote.js';

/**
 * A ticker flows into object keys and S3 tags, so it is checked before any I/O (docs/design.md "Keys").
 * Vendor symbols are upper-cased: `nvda` and `NVDA` are the same instrument. Index symbols carry Yahoo's
 * leading `^` (`^GSPC`, `^N225`, `^STI`, `^HSI`); keys and tags write it escaped (market/ticker-segment.ts).
 */
const TICKER_PATTERN = /^\^?[A-Z0-9][A-Z0-9.=-]*$/;
const MAX_TICKER_LENGTH = 32;

export class InvalidTickerError extends UserError {
  override readonly name = 'InvalidTickerError';
}

export function normalizeTicker(input: string): string {
  const ticker = input.trim().toUpperCase();
  if (!TICKER_PATTERN.test(ticker) || ticker.length > MAX_TICKER_LENGTH || ticker.includes('..')) {
    const shown = quote(input);
    const why =
      ticker.length === 0
        ? 'it is empty'
        : ticker.length > MAX_TICKER_LENGTH
          ? `it is ${ticker.length} characters long (at most ${MAX_TICKER_LENGTH})`
          : 'it must be 1-32 characters of A-Z, 0-9, ".", "=", "-", starting with a letter or digit (or "^" then one, for an index), without ".."';
    throw new InvalidTickerError(`invalid ticker ${shown}: ${why}`);
  }
  return ticker;
}

export function isValidTicker(input: string): boolean {
  try {
    normalizeTicker(input);
    return true;
  } catch {
    return false;
  }
}
