import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../errors.js';
import type { RawSnapshot } from './raw.js';
import { parseRawDocument } from './raw-parse.js';

const LEGACY_DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'test/fixtures/yahoo/legacy');
const NVDA_KEY = 'raw/yfinance/NVDA/2024-06-12/20240612_213005.json';

const current: RawSnapshot = {
  schema: 'marketlake.raw/1',
  source: 'yfinance',
  ticker: 'D05.SI',
  fetched_at: '2024-05-10T10:00:00.000Z',
  interval: '1d',
  currency: 'SGD',
  exchange: 'SES',
  timezone: 'Asia/Singapore',
  bars: [
    { date: '2024-05-09', open: 35.9, high: 36.05, low: 35.62, close: 35.88, adj_close: 35.88, volume: 6_450_900 },
    { date: '2024-05-10', open: 35.95, high: 36.3, low: 35.9, close: 36.21, adj_close: null, volume: 3_102_000 },
  ],
  events: { dividends: [{ date: '2024-05-09', amount: 0.54 }], splits: [] },
  dropped_bars: [{ date: '2024-05-08', reason: 'open, high, low, close, volume are null' }],
};
const KEY = 'raw/yfinance/D05.SI/2024-05-10/20240510_100000.json';

describe('parseRawDocument: marketlake.raw/1', () => {
  it('reads back what a source wrote (single-line JSON)', () => {
    expect(parseRawDocument(JSON.stringify(current), KEY)).toEqual(current);
  });

  it('keeps the synthetic flag and leaves absent optional fields absent', () => {
    const { dropped_bars: _, ...withoutDropped } = current;
    const sample = { ...withoutDropped, source: 'sample' as const, synthetic: true };
    const parsed = parseRawDocument(JSON.stringify(sample), KEY);
    expect(parsed).toEqual(sample);
    expect('dropped_bars' in parsed).toBe(false);
  });

  it('names the key and the bad field', () => {
    const bad = structuredClone(current) as unknown as { bars: { close: unknown }[] };
    bad.bars[1].close = '36.21';
    expect(() => parseRawDocument(JSON.stringify(bad), KEY)).toThrow(InputError);
    expect(() => parseRawDocument(JSON.stringify(bad), KEY)).toThrow(
      `${KEY}: bars[1].close: expected number, received string`,
    );
    const noCurrency = { ...current } as Partial<RawSnapshot>;
    delete noCurrency.currency;
    expect(() => parseRawDocument(JSON.stringify(noCurrency), KEY)).toThrow(`${KEY}: currency:`);
    expect(() => parseRawDocument(JSON.stringify({ ...current, interval: '1wk' }), KEY)).toThrow(`${KEY}: interval:`);
    expect(() => parseRawDocument(JSON.stringify({ ...current, fetched_at: 'yesterday' }), KEY)).toThrow(
      `${KEY}: fetched_at:`,
    );
  });

  it('refuses bars that are not a series (order, duplicates, naming the date), and not-numbers', () => {
    const reversed = { ...current, bars: [...current.bars].reverse() };
    expect(() => parseRawDocument(JSON.stringify(reversed), KEY)).toThrow(/date 2024-05-09 comes after 2024-05-10/);
    const duplicate = { ...current, bars: [current.bars[0], current.bars[0]] };
    expect(() => parseRawDocument(JSON.stringify(duplicate), KEY)).toThrow(/duplicate date 2024-05-09/);
    const text = { ...current, bars: [{ ...current.bars[0], open: '1' }] };
    expect(() => parseRawDocument(JSON.stringify(text), KEY)).toThrow(`${KEY}: bars[0].open:`);
  });

  it("reads a vendor's wrong values as stored (high below low, a negative price): the quality checks judge them", () => {
    const inverted = { ...current, bars: [current.bars[0], { ...current.bars[1], high: 35, low: 36 }] };
    expect(parseRawDocument(JSON.stringify(inverted), KEY).bars[1]).toMatchObject({ high: 35, low: 36 });
    const negative = { ...current, bars: [{ ...current.bars[0], open: -1, volume: -5 }] };
    expect(parseRawDocument(JSON.stringify(negative), KEY).bars[0]).toMatchObject({ open: -1, volume: -5 });
  });

  it('refuses an unknown schema, non-JSON and non-objects', () => {
    expect(() => parseRawDocument(JSON.stringify({ ...current, schema: 'marketlake.raw/2' }), KEY)).toThrow(
      `${KEY}: schema "marketlake.raw/2" is not marketlake.raw/1`,
    );
    expect(() => parseRawDocument('{"schema":', KEY)).toThrow(`${KEY}: not JSON`);
    expect(() => parseRawDocument('[1,2]', KEY)).toThrow(`${KEY}: expected a JSON object`);
    expect(() => parseRawDocument('{"bars":[]}', KEY)).toThrow(
      /neither a marketlake\.raw\/1 document .* nor the older format/,
    );
  });
});

describe('parseRawDocument: the older format', () => {
  const text = readFileSync(join(LEGACY_DIR, 'raw-yfinance-NVDA-20240612_213005.json'), 'utf8');

  it('reads the pretty-printed Python document: NaN row dropped, split and dividend kept, local dates as written', () => {
    expect(text.split('\n').length).toBeGreaterThan(20); // the fixture really is pretty-printed, with bare NaN
    const snapshot = parseRawDocument(text, NVDA_KEY);
    expect(snapshot).toMatchObject({
      schema: 'marketlake.raw/1',
      source: 'yfinance',
      ticker: 'NVDA',
      fetched_at: '2024-06-12T21:30:05.123Z',
      interval: '1d',
      currency: 'USD',
      exchange: 'NMS',
      timezone: 'America/New_York',
    });
    // 2024-06-06T00:00:00-04:00 is 04:00 UTC the same day; the date part is taken as written in any case.
    expect(snapshot.bars.map((b) => b.date)).toEqual(['2024-06-06', '2024-06-10', '2024-06-11', '2024-06-12']);
    expect(snapshot.bars[1]).toEqual({
      date: '2024-06-10',
      open: 120.37000274658203,
      high: 123.0999984741211,
      low: 117.01000213623047,
      close: 121.79000091552734,
      adj_close: 121.77899932861328,
      volume: 314162700,
    });
    expect(snapshot.dropped_bars).toEqual([{ date: '2024-06-07', reason: 'open, high, low, close, volume are null' }]);
    expect(snapshot.events).toEqual({
      dividends: [{ date: '2024-06-11', amount: 0.01 }],
      splits: [{ date: '2024-06-10', numerator: 10, denominator: 1 }],
    });
    expect(snapshot.synthetic).toBeUndefined();
  });

  it('reads plain dates, takes the ticker and the fetch time from the key, and no Adj Close as null', () => {
    const minimal = JSON.stringify({
      history: [
        { Date: '2024-01-03', Open: 10.5, High: 11, Low: 10, Close: 10.8, Volume: 1000 },
        { Date: '2024-01-02', Open: 10, High: 10.6, Low: 9.8, Close: 10.5, Volume: 1200 },
      ],
    });
    const snapshot = parseRawDocument(minimal, 'lake-prefix/raw/yfinance/0700.HK/2024-01-03/20240103_083000_2.json');
    expect(snapshot.ticker).toBe('0700.HK');
    expect(snapshot.fetched_at).toBe('2024-01-03T08:30:00.000Z');
    expect(snapshot.bars.map((b) => [b.date, b.adj_close])).toEqual([
      ['2024-01-02', null],
      ['2024-01-03', null],
    ]);
    expect(snapshot).toMatchObject({
      currency: null,
      exchange: null,
      timezone: null,
      events: { dividends: [], splits: [] },
    });
  });

  it('takes the date part of a timestamp as written, east of UTC too', () => {
    const doc = JSON.stringify({
      symbol: '7203.T',
      fetched_at: '2024-01-05T07:00:00+00:00',
      history: [{ Date: '2024-01-04 00:00:00+09:00', Open: 2600, High: 2650, Low: 2590, Close: 2640, Volume: 100 }],
    });
    const snapshot = parseRawDocument(doc, 'anything.json');
    expect(snapshot.bars[0].date).toBe('2024-01-04'); // 2024-01-03T15:00Z in UTC: the local date is the right one
    expect(snapshot.ticker).toBe('7203.T');
    expect(snapshot.fetched_at).toBe('2024-01-05T07:00:00.000Z');
  });

  it('reads reverse and fractional split ratios', () => {
    const doc = (ratio: number) =>
      JSON.stringify({
        ticker: 'X',
        fetched_at: '2024-01-05T00:00:00Z',
        history: [{ Date: '2024-01-04', Open: 1, High: 1, Low: 1, Close: 1, Volume: 1, 'Stock Splits': ratio }],
      });
    expect(parseRawDocument(doc(0.5), 'k').events.splits).toEqual([
      { date: '2024-01-04', numerator: 1, denominator: 2 },
    ]);
    expect(parseRawDocument(doc(1.5), 'k').events.splits).toEqual([
      { date: '2024-01-04', numerator: 3, denominator: 2 },
    ]);
    expect(() => parseRawDocument(doc(-2), 'k')).toThrow(
      'k: history[0]["Stock Splits"]: a split ratio must be positive, got -2',
    );
  });

  it('names the key and the field of what it cannot read', () => {
    const row = { Date: '2024-01-02', Open: 10, High: 10.6, Low: 9.8, Close: 10.5, Volume: 1200 };
    const withRows = (...rows: unknown[]) =>
      JSON.stringify({ ticker: 'NVDA', fetched_at: '2024-01-03T00:00:00Z', history: rows });
    expect(() => parseRawDocument(withRows(row, { ...row, Date: '2024-01-03', Close: 'x' }), NVDA_KEY)).toThrow(
      `${NVDA_KEY}: history[1].Close: expected number, received string`,
    );
    const { Open: _, ...noOpen } = row;
    expect(() => parseRawDocument(withRows(noOpen), NVDA_KEY)).toThrow(`${NVDA_KEY}: history[0].Open:`);
    expect(() => parseRawDocument(withRows({ ...row, Date: '02/01/2024' }), NVDA_KEY)).toThrow(
      `${NVDA_KEY}: history[0].Date: "02/01/2024" is neither YYYY-MM-DD nor an ISO timestamp`,
    );
    expect(() => parseRawDocument(withRows({ ...row, Date: 1704153600000 }), NVDA_KEY)).toThrow(
      `${NVDA_KEY}: history[0].Date:`,
    );
    expect(() => parseRawDocument(withRows(row, row), NVDA_KEY)).toThrow(/duplicate date 2024-01-02/);
    expect(parseRawDocument(withRows({ ...row, High: 9 }), NVDA_KEY).bars[0]).toMatchObject({ high: 9, low: 9.8 });
    expect(() => parseRawDocument(withRows({ ...row, Open: null }), NVDA_KEY)).toThrow(
      `${NVDA_KEY}: history has no rows with prices (1 row)`,
    );
  });

  it('refuses a document whose ticker disagrees with its key, or that has neither', () => {
    const doc = (fields: object) =>
      JSON.stringify({ ...fields, history: [{ Date: '2024-01-02', Open: 1, High: 1, Low: 1, Close: 1, Volume: 1 }] });
    expect(() => parseRawDocument(doc({ ticker: 'AAPL' }), NVDA_KEY)).toThrow(
      'the document is for AAPL but its key names NVDA',
    );
    expect(() => parseRawDocument(doc({ fetched_at: '2024-01-02T00:00:00Z' }), 'elsewhere.json')).toThrow(/no ticker/);
    expect(() => parseRawDocument(doc({ ticker: 'NVDA' }), 'elsewhere.json')).toThrow(/no fetch time/);
    expect(() => parseRawDocument(doc({ ticker: 'NV DA', fetched_at: '2024-01-02T00:00:00Z' }), 'k')).toThrow(
      /k: ticker: invalid ticker/,
    );
    expect(() => parseRawDocument(doc({ ticker: 'NVDA', fetched_at: 'soon' }), 'k')).toThrow(
      'k: fetched_at: "soon" is not an ISO timestamp',
    );
    expect(() =>
      parseRawDocument(doc({ ticker: 'NVDA', fetched_at: '2024-01-02T00:00:00Z', interval: '1wk' }), 'k'),
    ).toThrow('k: interval "1wk" is not daily');
  });

  it('turns bare NaN and -Infinity into nulls, but not the same words inside strings', () => {
    const doc = `{"ticker": "NVDA", "currency": "NaN", "exchange": "-Infinity", "fetched_at": "2024-01-03T00:00:00Z",
      "history": [{"Date": "2024-01-02", "Open": 1, "High": 1, "Low": 1, "Close": 1, "Volume": -Infinity},
                  {"Date": "2024-01-03", "Open": 1, "High": 1, "Low": 1, "Close": 1, "Volume": 5}]}`;
    const snapshot = parseRawDocument(doc, 'k');
    expect(snapshot).toMatchObject({ currency: 'NaN', exchange: '-Infinity' });
    expect(snapshot.dropped_bars).toEqual([{ date: '2024-01-02', reason: 'volume is null' }]);
  });
});
