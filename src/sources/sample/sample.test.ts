import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MARKET_CODES, MARKETS, marketOfTicker } from '../markets.js';
import { SAMPLE_EPOCH, SampleSource } from './sample.js';
import { SAMPLE_TICKERS, SAMPLE_UNIVERSE } from './sample-universe.js';
import { NoDataError } from '../source.js';
import { normalizeTicker } from '../../market/ticker.js';

const NOW = new Date('2025-01-06T00:00:00Z');
const request = (start: string, end: string) => ({ start, end, now: NOW });

describe('SampleSource', () => {
  it('is byte-identical for the same seed, ticker and range', async () => {
    const a = await new SampleSource({ seed: 7 }).fetchSnapshot('NVDA', request('2024-01-01', '2024-12-31'));
    const b = await new SampleSource({ seed: 7 }).fetchSnapshot('nvda', request('2024-01-01', '2024-12-31'));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it("serves the markets' benchmark indices in their own market", async () => {
    const range = request('2024-01-01', '2024-03-31');
    const expected = {
      '^GSPC': 'America/New_York',
      '^N225': 'Asia/Tokyo',
      '^STI': 'Asia/Singapore',
      '^HSI': 'Asia/Hong_Kong',
    };
    for (const [index, timezone] of Object.entries(expected)) {
      const snapshot = await new SampleSource().fetchSnapshot(index.toLowerCase(), range);
      expect(snapshot).toMatchObject({ ticker: index, timezone, synthetic: true });
      expect(snapshot.bars.length).toBeGreaterThan(50);
    }
  });

  it('differs by seed and by ticker', async () => {
    const range = request('2024-01-01', '2024-03-31');
    const base = await new SampleSource({ seed: 7 }).fetchSnapshot('NVDA', range);
    const otherSeed = await new SampleSource({ seed: 8 }).fetchSnapshot('NVDA', range);
    const otherTicker = await new SampleSource({ seed: 7 }).fetchSnapshot('AAPL', range);
    expect(otherSeed.bars.map((b) => b.close)).not.toEqual(base.bars.map((b) => b.close));
    expect(otherTicker.bars.map((b) => b.close)).not.toEqual(base.bars.map((b) => b.close));
  });

  it('gives the same bar for a date whatever range it was asked in', async () => {
    const source = new SampleSource();
    const year = await source.fetchSnapshot('D05.SI', request('2024-01-01', '2024-12-31'));
    const month = await source.fetchSnapshot('D05.SI', request('2024-06-01', '2024-06-30'));
    const june = year.bars.filter((b) => b.date >= '2024-06-01' && b.date <= '2024-06-30');
    expect(month.bars).toEqual(june);
  });

  it('has business days only, every one of them, sorted', async () => {
    const snapshot = await new SampleSource().fetchSnapshot('7203.T', request('2024-01-01', '2024-12-31'));
    const dates = snapshot.bars.map((b) => b.date);
    expect(dates).toHaveLength(262); // 2024: 366 days, 104 weekend days
    expect(dates[0]).toBe('2024-01-01');
    expect(dates.at(-1)).toBe('2024-12-31');
    for (const date of dates) expect([1, 2, 3, 4, 5]).toContain(new Date(`${date}T00:00:00Z`).getUTCDay());
    expect([...dates].sort()).toEqual(dates);
  });

  it('labels the snapshot synthetic, source sample, with the listing metadata', async () => {
    const snapshot = await new SampleSource().fetchSnapshot('0700.HK', request('2024-01-02', '2024-01-05'));
    expect(snapshot).toMatchObject({
      schema: 'marketlake.raw/1',
      source: 'sample',
      ticker: '0700.HK',
      fetched_at: NOW.toISOString(),
      interval: '1d',
      currency: 'HKD',
      exchange: 'HKG',
      timezone: 'Asia/Hong_Kong',
      synthetic: true,
      events: { dividends: [], splits: [] },
    });
    const unknown = await new SampleSource().fetchSnapshot('ZZZ.VN', request('2024-01-02', '2024-01-05'));
    expect(unknown).toMatchObject({ currency: 'VND', timezone: 'Asia/Ho_Chi_Minh', synthetic: true });
  });

  it('has no bars before its epoch or on a weekend-only range', async () => {
    const source = new SampleSource();
    await expect(source.fetchSnapshot('NVDA', request('1999-01-01', '1999-12-31'))).rejects.toThrow(NoDataError);
    await expect(source.fetchSnapshot('NVDA', request('2024-01-06', '2024-01-07'))).rejects.toThrow(
      `no data for NVDA from sample: no business days between 2024-01-06 and 2024-01-07 (synthetic series start on ${SAMPLE_EPOCH})`,
    );
    const straddling = await source.fetchSnapshot('NVDA', request('1999-12-01', '2000-01-07'));
    expect(straddling.bars.map((b) => b.date)).toEqual([
      '2000-01-03',
      '2000-01-04',
      '2000-01-05',
      '2000-01-06',
      '2000-01-07',
    ]);
  });

  it('is plausible for every ticker and seed: OHLC consistent, positive volume in lots, prices at the market level', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SAMPLE_TICKERS),
        fc.integer({ min: -1_000, max: 1_000_000 }),
        async (ticker, seed) => {
          const snapshot = await new SampleSource({ seed }).fetchSnapshot(ticker, request('2023-01-01', '2024-12-31'));
          const profile = MARKETS[marketOfTicker(ticker)];
          const [low, high] = profile.priceRange;
          // Collected, then asserted once: an expect per field per bar would dominate the run time.
          const problems: string[] = [];
          for (const bar of snapshot.bars) {
            const is = (ok: boolean, what: string) =>
              ok || problems.push(`${ticker} seed ${seed} ${bar.date}: ${what}`);
            is(bar.high >= Math.max(bar.open, bar.close), 'high below open or close');
            is(bar.low <= Math.min(bar.open, bar.close), 'low above open or close');
            is(bar.low > 0, 'low not positive');
            is(
              bar.volume > 0 && bar.volume % profile.lot === 0,
              `volume ${bar.volume} not a positive multiple of ${profile.lot}`,
            );
            is(bar.adj_close === bar.close, 'adj_close differs from close');
            // Within a factor of four of the market's range, after twenty-five years of walking.
            is(bar.close > low / 4 && bar.close < high * 4, `close ${bar.close} far from ${low}-${high}`);
            // The day's range stays below 25 % (volatility is 1-3 % a day).
            is(bar.high / bar.low < 1.25, `range ${bar.low}-${bar.high} too wide`);
          }
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('prices on the market tick, printed without binary noise', async () => {
    const yen = await new SampleSource().fetchSnapshot('7974.T', request('2024-01-01', '2024-03-31'));
    for (const bar of yen.bars) expect(Number.isInteger(bar.close)).toBe(true);
    const usd = await new SampleSource().fetchSnapshot('AAPL', request('2024-01-01', '2024-03-31'));
    for (const bar of usd.bars)
      for (const price of [bar.open, bar.high, bar.low, bar.close]) {
        expect(String(price)).toMatch(/^\d+(\.\d{1,2})?$/);
      }
  });
});

describe('SAMPLE_UNIVERSE', () => {
  it('has about fifty listings across all six markets', () => {
    expect(SAMPLE_UNIVERSE.length).toBeGreaterThanOrEqual(45);
    expect(SAMPLE_UNIVERSE.length).toBeLessThanOrEqual(60);
    const markets = new Set(SAMPLE_UNIVERSE.map((entry) => entry.market));
    expect([...markets].sort()).toEqual([...MARKET_CODES].sort());
    for (const market of MARKET_CODES) {
      expect(SAMPLE_UNIVERSE.filter((entry) => entry.market === market).length).toBeGreaterThanOrEqual(5);
    }
  });

  it('holds the report names, spelt as Yahoo spells them, each once and valid', () => {
    for (const ticker of [
      'NVDA',
      'AAPL',
      'MSFT',
      'D05.SI',
      'O39.SI',
      '7974.T',
      '7203.T',
      '0700.HK',
      '9988.HK',
      'VNM.VN',
      'FPT.VN',
      '0050.TW',
      '2330.TW',
    ]) {
      expect(SAMPLE_TICKERS).toContain(ticker);
    }
    expect(new Set(SAMPLE_TICKERS).size).toBe(SAMPLE_TICKERS.length);
    for (const ticker of SAMPLE_TICKERS) expect(normalizeTicker(ticker)).toBe(ticker);
  });

  it('gives every listing a currency, exchange and zone consistent with its suffix', () => {
    for (const entry of SAMPLE_UNIVERSE) {
      expect(marketOfTicker(entry.ticker)).toBe(entry.market);
      expect(entry.currency).toBe(MARKETS[entry.market].currency);
      expect(entry.timezone).toBe(MARKETS[entry.market].timezone);
      expect(entry.exchange).toMatch(/^[A-Z]{3,4}$/);
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: entry.timezone })).not.toThrow();
    }
  });
});
