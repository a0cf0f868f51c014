import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { parseBarsCsv } from './csv.js';

const HEADER = 'Date,Open,High,Low,Close,Volume';

function parse(text: string) {
  return parseBarsCsv(text, 'prices.csv');
}

function errorOf(text: string): InputError {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('parseBarsCsv', () => {
  it('reads bars in any column order, keeping Adj Close', () => {
    const bars = parse(
      'Volume,Close,Date,Adj Close,High,Low,Open\n100,10.5,2024-01-02,10.1,11,10,10.2\n200,10.7,2024-01-03,,11.2,10.4,10.5\n',
    );
    expect(bars).toEqual([
      { date: '2024-01-02', open: 10.2, high: 11, low: 10, close: 10.5, adjClose: 10.1, volume: 100 },
      { date: '2024-01-03', open: 10.5, high: 11.2, low: 10.4, close: 10.7, adjClose: null, volume: 200 },
    ]);
  });

  it('accepts CRLF line ends, a BOM, blank trailing lines and exponents', () => {
    const bars = parse(`\uFEFF${HEADER}\r\n2024-01-02,1e1,11,9.5,10,1.5e3\r\n\r\n`);
    expect(bars).toHaveLength(1);
    expect(bars[0].open).toBe(10);
    expect(bars[0].volume).toBe(1500);
  });

  it.each([
    ['', undefined, /empty/],
    [`${HEADER}\n`, undefined, /no data rows/],
    ['Date,Open,High,Close\n2024-01-02,1,2,1.5\n', 1, /missing column\(s\) Low, Volume/],
    [`${HEADER}\n2024-01-02,1,2,1,1.5\n`, 2, /expected 6 fields/],
    [`${HEADER}\n2024-01-02,1,2,1,abc,10\n`, 2, /Close "abc" is not a number/],
    [`${HEADER}\n2024-01-02,1,2,1,NaN,10\n`, 2, /Close "NaN" is not a number/],
    [`${HEADER}\n2024-01-02,1,Infinity,1,1.5,10\n`, 2, /High "Infinity" is not a number/],
    [`${HEADER}\n2024-01-02,1,2,1,1.5,10\n2024-01-03,-1,2,1,1.5,10\n`, 3, /open is -1: prices must be positive/],
    [`${HEADER}\n2024-01-02,1,2,1,1.5,-10\n`, 2, /volume is -10: volume must not be negative/],
    [`${HEADER}\n2024-01-02,1,1,2,1.5,10\n`, 2, /high 1 is below low 2/],
    [`${HEADER}\n2024-01-03,1,2,1,1.5,10\n2024-01-02,1,2,1,1.5,10\n`, 3, /2024-01-02 comes after 2024-01-03/],
    [
      `${HEADER}\n2024-01-02,1,2,1,1.5,10\n2024-01-02,1,2,1,1.5,10\n`,
      3,
      /duplicate date 2024-01-02 \(also on line 2\)/,
    ],
    [`${HEADER}\n2024-02-30,1,2,1,1.5,10\n`, 2, /not a calendar date/],
    [`${HEADER}\n01/02/2024,1,2,1,1.5,10\n`, 2, /not a calendar date/],
  ])('refuses %j at line %s', (text, line, message) => {
    const error = errorOf(text);
    expect(error.line).toBe(line);
    expect(error.source).toBe('prices.csv');
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(line === undefined ? 'prices.csv: ' : `prices.csv:${line}: `)).toBe(true);
  });
});
