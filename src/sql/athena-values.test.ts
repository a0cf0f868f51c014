/**
 * The type rules beyond what the replayed result pages show (src/sql/athena.test.ts): type names with parameters,
 * the exactness limits of numbers, and values that do not fit their type.
 */
import { describe, expect, it } from 'vitest';
import { athenaValueConverter } from './athena-values.js';

const convert = (type: string, text: string) => athenaValueConverter('c', type)(text);

describe('athenaValueConverter', () => {
  it('reads type names with parameters and in any case', () => {
    expect(convert('decimal(10,2)', '12.50')).toBe(12.5);
    expect(convert('VARCHAR(3)', '007')).toBe('007');
    expect(convert('timestamp(6)', '2026-12-04 22:00:00.123456')).toBe('2026-12-04T22:00:00.123456Z');
    expect(convert('BIGINT', '42')).toBe(42);
  });

  it('keeps the text of types JSON has no scalar for, zoned timestamps included', () => {
    expect(convert('timestamp(3) with time zone', '2026-12-04 22:00:00.000 UTC')).toBe('2026-12-04 22:00:00.000 UTC');
    expect(convert('array(row(a integer))', '[{a=1}]')).toBe('[{a=1}]');
    expect(convert('varbinary', '00 ff')).toBe('00 ff');
    expect(convert('time', '22:00:00.000')).toBe('22:00:00.000');
  });

  it('gives integers as numbers up to 2^53 - 1 and as exact text beyond', () => {
    expect(convert('bigint', '9007199254740991')).toBe(9007199254740991);
    expect(convert('bigint', '9007199254740992')).toBe('9007199254740992');
    expect(convert('bigint', '-9223372036854775808')).toBe('-9223372036854775808');
  });

  it('gives decimals of up to 15 significant digits as numbers and longer ones as exact text', () => {
    expect(convert('decimal', '123456789012.345')).toBe(123456789012.345);
    expect(convert('decimal', '0.000000000000000000001')).toBe(1e-21);
    expect(convert('decimal', '1234567890123.456')).toBe('1234567890123.456');
    expect(convert('decimal', '-0.10')).toBe(-0.1);
    expect(convert('decimal', '0')).toBe(0);
  });

  it('reads doubles in Java notation and keeps NaN and the infinities as text', () => {
    expect(convert('double', '1.7976931348623157E308')).toBe(Number.MAX_VALUE);
    expect(convert('double', '-2.5e-3')).toBe(-0.0025);
    expect(convert('real', 'Infinity')).toBe('Infinity');
    expect(convert('double', '-Infinity')).toBe('-Infinity');
  });

  it('refuses a value its type cannot have, naming the column', () => {
    expect(() => athenaValueConverter('volume', 'bigint')('12.5')).toThrow(
      'Athena result column "volume" of type bigint: unexpected value "12.5"',
    );
    expect(() => convert('boolean', 'TRUE')).toThrow('unexpected value "TRUE"');
    expect(() => convert('date', '2026-12-04 00:00:00')).toThrow('unexpected value');
    expect(() => convert('timestamp', '2026-12-04T22:00:00Z')).toThrow('unexpected value');
    expect(() => convert('double', '')).toThrow('unexpected value ""');
  });
});
