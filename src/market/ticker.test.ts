import { describe, expect, it } from 'vitest';
import { InvalidTickerError, normalizeTicker } from './ticker.js';

describe('normalizeTicker', () => {
  it.each([
    ['NVDA', 'NVDA'],
    ['d05.si', 'D05.SI'],
    ['0700.HK', '0700.HK'],
    ['7974.T', '7974.T'],
    ['MSN.HM', 'MSN.HM'],
    ['BRK-B', 'BRK-B'],
    ['EURUSD=X', 'EURUSD=X'],
    [' aapl ', 'AAPL'],
    ['^gspc', '^GSPC'],
    ['^N225', '^N225'],
  ])('accepts %j as %s', (input, expected) => {
    expect(normalizeTicker(input)).toBe(expected);
  });

  it.each([
    '../x',
    'A/B',
    '',
    '   ',
    'A'.repeat(40),
    'A'.repeat(33),
    '^',
    '^^GSPC',
    'A^B',
    '^.X',
    'A B',
    '.HK',
    'A..B',
    '-X',
    'A\u0000',
  ])('refuses %j before any I/O', (input) => {
    expect(() => normalizeTicker(input)).toThrow(InvalidTickerError);
    expect(() => normalizeTicker(input)).toThrow(/invalid ticker/);
  });

  it('shows a refused ticker with its control characters escaped', () => {
    expect(() => normalizeTicker('\x1b]0;pwned\x07')).toThrow('invalid ticker "\\x1b]0;pwned\\x07"');
  });

  it('says why a long ticker is refused', () => {
    expect(() => normalizeTicker('A'.repeat(40))).toThrow(/40 characters long \(at most 32\)/);
  });
});
