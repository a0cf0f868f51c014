import { describe, expect, it } from 'vitest';
import { compareKeys, formatTimestamp, InvalidKeyError, objectKey, parseKey, parseTimestamp } from './keys.js';

describe('lake keys', () => {
  it('lays out raw and processed keys as docs/design.md', () => {
    const ts = formatTimestamp(new Date('2026-11-26T09:05:07.999Z'));
    expect(ts).toBe('20261126_090507');
    expect(parseTimestamp(ts).toISOString()).toBe('2026-11-26T09:05:07.000Z');
    expect(objectKey('raw', 'nvda', '2026-11-26', ts, 1, 'yfinance')).toBe(
      'raw/yfinance/NVDA/2026-11-26/20261126_090507.json',
    );
    expect(objectKey('indicators', 'EURUSD=X', '2026-11-25', ts, 3)).toBe(
      'processed/indicators/EURUSD=X/2026-11-25/20261126_090507_3.json',
    );
  });

  it('parses keys back, with the sequence of {TS}_n.json', () => {
    expect(parseKey('processed/percentiles/0700.HK/2026-11-25/20261126_090507_2.json')).toEqual({
      kind: 'percentiles',
      ticker: '0700.HK',
      date: '2026-11-25',
      timestamp: '20261126_090507',
      sequence: 2,
      compression: 'none',
    });
    expect(parseKey('raw/sample/D05.SI/2026-11-26/20261126_090507.json')).toMatchObject({
      kind: 'raw',
      source: 'sample',
      sequence: 1,
    });
  });

  it('lays out and parses compressed keys: .json.gz, the only other extension', () => {
    const key = objectKey('raw', 'NVDA', '2026-11-26', '20261126_090507', 2, 'csv', 'gzip');
    expect(key).toBe('raw/csv/NVDA/2026-11-26/20261126_090507_2.json.gz');
    expect(parseKey(key)).toEqual({
      kind: 'raw',
      source: 'csv',
      ticker: 'NVDA',
      date: '2026-11-26',
      timestamp: '20261126_090507',
      sequence: 2,
      compression: 'gzip',
    });
    for (const other of ['.gz', '.json.bz2', '.json.gz.gz', '.json.GZ', '.jsongz'])
      expect(() => parseKey(`raw/csv/NVDA/2026-11-26/20261126_090507${other}`)).toThrow(InvalidKeyError);
  });

  it('orders {TS}.json before {TS}.json.gz of the same second, so the order stays total', () => {
    const plain = parseKey('processed/indicators/NVDA/2026-11-26/20261126_090507.json');
    const gzipped = parseKey('processed/indicators/NVDA/2026-11-26/20261126_090507.json.gz');
    const second = parseKey('processed/indicators/NVDA/2026-11-26/20261126_090507_2.json');
    expect([gzipped, second, plain].sort(compareKeys)).toEqual([plain, gzipped, second]);
  });

  it.each([
    'raw/yfinance/NVDA/2026-11-26/20261126_0905.json',
    'raw/ftp/NVDA/2026-11-26/20261126_090507.json',
    'processed/prices/NVDA/2026-11-26/20261126_090507.json',
    'processed/indicators/nvda/2026-11-26/20261126_090507.json',
    'processed/indicators/A..B/2026-11-26/20261126_090507.json',
    'processed/indicators/NVDA/2026-02-30/20261126_090507.json',
    'processed/indicators/NVDA/2026-11-26/20261126_090507_0.json',
  ])('refuses %s', (key) => {
    expect(() => parseKey(key)).toThrow();
  });

  it('refuses a bad ticker or date before building a key', () => {
    expect(() => objectKey('indicators', '../x', '2026-11-26', '20261126_090507')).toThrow(/invalid ticker/);
    expect(() => objectKey('indicators', 'NVDA', '26-11-2026', '20261126_090507')).toThrow(InvalidKeyError);
  });

  it('orders versions by date, time, then sequence as a number (_10 after _9)', () => {
    const keys = [
      'processed/indicators/NVDA/2026-11-26/20261126_090507_10.json',
      'processed/indicators/NVDA/2026-11-25/20261126_235959.json',
      'processed/indicators/NVDA/2026-11-26/20261126_090507_9.json',
      'processed/indicators/NVDA/2026-11-26/20261126_090507.json',
    ];
    const sorted = keys
      .map(parseKey)
      .sort(compareKeys)
      .map((k) => `${k.date} ${k.timestamp} ${k.sequence}`);
    expect(sorted).toEqual([
      '2026-11-25 20261126_235959 1',
      '2026-11-26 20261126_090507 1',
      '2026-11-26 20261126_090507 9',
      '2026-11-26 20261126_090507 10',
    ]);
  });
});
