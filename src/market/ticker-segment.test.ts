import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { objectKey, parseKey } from '../lake/keys.js';
import { isValidTicker, normalizeTicker } from './ticker.js';
import { tickerFromSegment, tickerSegment } from './ticker-segment.js';

/** Valid tickers, plain and index, built from the ticker alphabet (and lower case, which normalises). */
const tickerArbitrary = fc
  .tuple(
    fc.boolean(),
    fc.constantFrom(...'ABCXYZabc0189'),
    fc.string({ unit: fc.constantFrom(...'AZaz09.=-'), maxLength: 30 }),
  )
  .map(([index, first, rest]) => `${index ? '^' : ''}${first}${rest}`)
  .filter(isValidTicker);

describe('tickers in keys', () => {
  it('index symbols are tickers; their key segment escapes "^"', () => {
    for (const [ticker, segment] of [
      ['^GSPC', '_5EGSPC'],
      ['^n225', '_5EN225'],
      ['^STI', '_5ESTI'],
      ['^HSI', '_5EHSI'],
      ['NVDA', 'NVDA'],
      ['EURUSD=X', 'EURUSD=X'],
    ]) {
      expect(tickerSegment(ticker)).toBe(segment);
      expect(tickerFromSegment(segment)).toBe(normalizeTicker(ticker));
    }
    expect(objectKey('indicators', '^gspc', '2026-11-25', '20261126_090507')).toBe(
      'processed/indicators/_5EGSPC/2026-11-25/20261126_090507.json',
    );
    expect(parseKey('raw/yfinance/_5EN225/2026-11-26/20261126_090507.json')).toMatchObject({
      ticker: '^N225',
      source: 'yfinance',
    });
    for (const bad of ['^', '^^GSPC', 'A^B', '^.X', 'GSPC^']) expect(isValidTicker(bad)).toBe(false);
  });

  it('round-trips every valid ticker through its segment and through a whole key', () => {
    fc.assert(
      fc.property(tickerArbitrary, (ticker) => {
        const symbol = normalizeTicker(ticker);
        const segment = tickerSegment(ticker);
        expect(segment).toMatch(/^[A-Z0-9._=-]+$/); // nothing S3 asks to avoid, nothing a tag refuses
        expect(tickerFromSegment(segment)).toBe(symbol);
        const key = objectKey('features', ticker, '2026-11-25', '20261126_090507', 2);
        expect(parseKey(key)).toMatchObject({ kind: 'features', ticker: symbol, sequence: 2 });
        expect(key.split('/')[2]).toBe(segment);
      }),
      { numRuns: 500 },
    );
  });

  it('never lets two tickers share a segment, and decodes only canonical segments', () => {
    fc.assert(
      fc.property(tickerArbitrary, tickerArbitrary, (a, b) => {
        expect(tickerSegment(a) === tickerSegment(b)).toBe(normalizeTicker(a) === normalizeTicker(b));
      }),
      { numRuns: 500 },
    );
    // Any string at all: it decodes to a ticker only if it is exactly that ticker's segment.
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'_5E^AZaz09.=-'), maxLength: 12 })),
        (segment) => {
          const ticker = tickerFromSegment(segment);
          if (ticker !== undefined) expect(tickerSegment(ticker)).toBe(segment);
        },
      ),
      { numRuns: 1000 },
    );
    for (const segment of ['_5egspc', '_41', '_', '_5', '^GSPC', 'nvda', '_5E_5EGSPC', ''])
      expect(tickerFromSegment(segment)).toBeUndefined();
  });
});
