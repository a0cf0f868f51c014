import { normalizeTicker } from './ticker.js';

/**
 * How a ticker is written in object keys and S3 tags.
 *
 * Index symbols start with `^` (`^GSPC`), which S3 lists among the characters to avoid in keys and does not
 * allow in tag values. So a key segment (and the `ticker` tag) writes every character outside `A-Z 0-9 . = -`
 * as `_` followed by the two upper-case hex digits of its byte: `^GSPC` is `_5EGSPC`, `^N225` is `_5EN225`.
 * A plain ticker never holds `_`, so its segment is the ticker itself (every existing key keeps its name), and
 * no segment with an escape can be read as a plain ticker: the encoding is one-to-one and reversible. Only the
 * canonical form decodes (`_41` for `A`, lower-case hex, or a bare `_` are refused), so every ticker has exactly
 * one key segment and every key segment one ticker.
 */
const PLAIN = /[A-Z0-9.=-]/;
const SEGMENT = /^(?:[A-Z0-9.=-]|_[0-9A-F]{2})+$/;

export function tickerSegment(ticker: string): string {
  const symbol = normalizeTicker(ticker);
  let segment = '';
  for (const byte of Buffer.from(symbol, 'utf8')) {
    const character = String.fromCharCode(byte);
    segment += PLAIN.test(character) ? character : `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return segment;
}

/** The ticker a key segment names, or undefined when the segment is not the canonical segment of a valid ticker. */
export function tickerFromSegment(segment: string): string | undefined {
  if (!SEGMENT.test(segment)) return undefined;
  const decoded = segment.replace(/_([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  try {
    return tickerSegment(decoded) === segment ? normalizeTicker(decoded) : undefined;
  } catch {
    return undefined;
  }
}
