import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidObjectKeyError } from './errors.js';
import { checkKey, compareKeys, keyProblem } from './keys.js';
import { decodeSegment, encodeSegment } from './fs/layout.js';

const utf8Compare = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));

describe('object keys', () => {
  it('compareKeys is UTF-8 byte order', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(utf8Compare(a, b));
      }),
      { numRuns: 2000 },
    );
    expect(compareKeys('\uff01', '😀')).toBeLessThan(0); // `<` on UTF-16 says the opposite
    expect('\uff01' < '😀').toBe(false);
  });

  it('checkKey splits valid keys and refuses invalid ones with a reason', () => {
    expect(checkKey('raw/yfinance/EURUSD=X/2026-11-26/20261126_120000.json')).toEqual([
      'raw',
      'yfinance',
      'EURUSD=X',
      '2026-11-26',
      '20261126_120000.json',
    ]);
    expect(checkKey('x'.repeat(1024))).toHaveLength(1);
    for (const key of ['', '/a', 'a//b', 'a/', '.', 'a/..', 'a\u0000', 'a\u007f', '\udc00', 'é'.repeat(513)]) {
      expect(() => checkKey(key), JSON.stringify(key)).toThrow(InvalidObjectKeyError);
      expect(keyProblem(key)).toEqual(expect.any(String));
    }
    expect(() => checkKey(42)).toThrow(InvalidObjectKeyError);
  });
});

describe('file store segment names', () => {
  it('encode one way and decode back, for every valid segment', () => {
    const segment = fc
      .string({ unit: 'grapheme', minLength: 1 })
      .filter((s) => !s.includes('/') && keyProblem(s) === undefined);
    fc.assert(
      fc.property(segment, (s) => {
        const name = encodeSegment(s);
        expect(name).toMatch(/^[A-Za-z0-9\-_.=+,@~%]+$/);
        expect(name.startsWith('.') || name.endsWith('.') || name.endsWith('!')).toBe(false);
        expect(decodeSegment(name)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('leave lake key segments readable and refuse names they could not have written', () => {
    for (const s of ['NVDA', 'EURUSD=X', 'D05.SI', 'BRK-B', '2026-11-26', '20261126_120000_2.json'])
      expect(encodeSegment(s)).toBe(s);
    for (const name of ['%41', '%2e', 'a b', '.hidden', 'a.', '%', '%G0', '%2F', '%C3', 'a!'])
      expect(decodeSegment(name), name).toBeUndefined();
  });
});
