import { expect, it } from 'vitest';
import { describeOnDatabases, makeBars } from '../../test/support/databases.js';
import { countStatements } from '../../test/support/statements.js';
import { numberArrayLiteral, textArrayLiteral, upsertPrices } from './prices.js';
import { chunkRows } from './sql-helpers.js';

const RAW = {
  key: 'raw/yfinance/NVDA/2024-03-01/20240301_210000.json',
  versionId: 'v1',
  fetchedAt: new Date('2024-03-01T21:00:00Z'),
};

describeOnDatabases('upsertPrices', (ctx) => {
  const prices = (symbol: string) =>
    ctx
      .warehouse()
      .db.selectFrom('daily_prices')
      .selectAll()
      .where('symbol', '=', symbol)
      .orderBy('price_date')
      .execute();

  it('stores bars with dates as YYYY-MM-DD strings and null adj_close', async () => {
    const bars = makeBars(3, '2024-02-28');
    expect(await upsertPrices(ctx.warehouse().db, 'NVDA', bars, RAW)).toBe(3);
    const rows = await prices('NVDA');
    expect(rows.map((row) => row.price_date)).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect(rows[0]).toEqual({
      symbol: 'NVDA',
      price_date: '2024-02-28',
      open: bars[0].open,
      high: bars[0].high,
      low: bars[0].low,
      close: bars[0].close,
      adj_close: bars[0].adjClose,
      volume: bars[0].volume,
      raw_key: RAW.key,
      raw_version_id: 'v1',
      fetched_at: RAW.fetchedAt,
    });
    expect(rows[1].adj_close).toBeNull();
  });

  it('is idempotent, and a later snapshot replaces overlapping dates', async () => {
    const { db } = ctx.warehouse();
    await upsertPrices(db, 'NVDA', makeBars(10), RAW);
    await upsertPrices(db, 'NVDA', makeBars(10), RAW);
    expect(await prices('NVDA')).toHaveLength(10);

    const later = {
      key: 'raw/yfinance/NVDA/2024-03-02/20240302_210000.json',
      versionId: null,
      fetchedAt: '2024-03-02T21:00:00Z',
    };
    const revised = makeBars(12, '2024-01-06', 500); // overlaps days 6..10 and adds two new days
    await upsertPrices(db, 'NVDA', revised, later);
    const rows = await prices('NVDA');
    expect(rows).toHaveLength(17);
    const jan6 = rows.find((row) => row.price_date === '2024-01-06')!;
    expect(jan6).toMatchObject({ close: 500, raw_key: later.key, raw_version_id: null });
    expect(jan6.fetched_at.toISOString()).toBe('2024-03-02T21:00:00.000Z');
    expect(rows.find((row) => row.price_date === '2024-01-05')).toMatchObject({ close: 102, raw_key: RAW.key });
  });

  it('writes a long history (2500 bars) in one statement and keeps symbols apart', async () => {
    const { db } = ctx.warehouse();
    const statements = countStatements();
    const counted = db.withPlugin(statements.plugin);
    await upsertPrices(counted, '0700.HK', makeBars(2500, '2010-01-01'), RAW);
    expect(statements.labels).toEqual(['insert daily_prices']);
    await upsertPrices(counted, 'D05.SI', makeBars(5), RAW);
    expect(await prices('0700.HK')).toHaveLength(2500);
    expect(await prices('D05.SI')).toHaveLength(5);
  });

  it('stores every double exactly as given (the bars travel as array literals)', async () => {
    const { db } = ctx.warehouse();
    const extremes = [5e-324, 1e-300, 0.1 + 0.2, 1 / 3, 123456789.12345679, 1.7976931348623157e308, -2.5e-7, 0];
    const bars = extremes.map((value, i) => ({
      ...makeBars(1, `2024-01-${String(i + 1).padStart(2, '0')}`)[0],
      open: value,
      high: -value,
      adjClose: i % 2 === 0 ? null : value,
      volume: Math.abs(value),
    }));
    await upsertPrices(db, 'NVDA', bars, RAW);
    const rows = await prices('NVDA');
    expect(rows.map((row) => [row.open, row.high, row.adj_close, row.volume])).toEqual(
      bars.map((bar) => [bar.open, bar.high === 0 ? 0 : bar.high, bar.adjClose, bar.volume]),
    );
  });

  it('refuses NaN prices and repeated dates before writing anything', async () => {
    const { db } = ctx.warehouse();
    const bad = makeBars(3);
    bad[2] = { ...bad[2], close: Number.NaN };
    await expect(upsertPrices(db, 'NVDA', bad, RAW)).rejects.toThrow(/NVDA 2024-01-03 close is NaN/);
    const repeated = [...makeBars(2), makeBars(1)[0]];
    await expect(upsertPrices(db, 'NVDA', repeated, RAW)).rejects.toThrow(/2024-01-01 appears more than once/);
    expect(await prices('NVDA')).toHaveLength(0);
  });

  it('accepts an empty list', async () => {
    expect(await upsertPrices(ctx.warehouse().db, 'NVDA', [], RAW)).toBe(0);
  });
});

it('chunks multi-row inserts to at most 1000 rows and below the bind-parameter limit', () => {
  const rows = Array.from({ length: 2500 }, (_, i) => i);
  expect(chunkRows(rows, 11).map((chunk) => chunk.length)).toEqual([1000, 1000, 500]);
  expect(chunkRows(rows, 100).map((chunk) => chunk.length)).toEqual([600, 600, 600, 600, 100]);
  expect(chunkRows([], 5)).toEqual([]);
});

it('renders array literals that PostgreSQL cannot misread', () => {
  expect(numberArrayLiteral([1.5, null, -2e-7, 0])).toBe('{1.5,NULL,-2e-7,0}');
  expect(textArrayLiteral(['2024-01-01', 'a"b\\c', 'x,y'])).toBe('{"2024-01-01","a\\"b\\\\c","x,y"}');
});
