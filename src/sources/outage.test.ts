import { describe, expect, it } from 'vitest';
import type { RawSnapshot } from '../lake/formats/raw.js';
import { networkFailure, VendorOutageGuard, VendorUnreachableError } from './outage.js';
import { NoDataError, SourceFetchError, type MarketDataSource, type SnapshotRequest } from './source.js';
import { unreachableYahoo } from './yahoo/testing/unreachable.js';

const REQUEST: SnapshotRequest = { start: '2025-01-02', end: '2025-01-03', now: new Date('2025-01-06T12:00:00Z') };

/** A source whose answers a test scripts: a snapshot, or an error to throw. */
class ScriptedSource implements MarketDataSource {
  readonly name = 'sample' as const;
  calls: string[] = [];
  constructor(private readonly answer: (ticker: string) => Error | undefined) {}
  async fetchSnapshot(ticker: string): Promise<RawSnapshot> {
    this.calls.push(ticker);
    const error = this.answer(ticker);
    if (error) throw error;
    return { ticker } as RawSnapshot;
  }
}

const refused = (ticker: string) =>
  new SourceFetchError(ticker, 'yfinance', 'network error', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
  });

async function outcomes(source: MarketDataSource, tickers: string[]): Promise<(string | Error)[]> {
  const results: (string | Error)[] = [];
  for (const ticker of tickers) {
    try {
      await source.fetchSnapshot(ticker, REQUEST);
      results.push('ok');
    } catch (error) {
      results.push(error as Error);
    }
  }
  return results;
}

describe('VendorOutageGuard', () => {
  it('stops asking an unreachable Yahoo after 3 tickers and gives the rest one reason', async () => {
    const yahoo = await unreachableYahoo();
    const guard = new VendorOutageGuard(yahoo.source);
    const tickers = Array.from({ length: 20 }, (_, i) => `T${i}`);
    const results = await outcomes(guard, tickers);

    // The first three were really tried (2 attempts each, plus whatever the library's crumb flow asks first).
    const tried = results.slice(0, 3);
    for (const error of tried) expect(error).toBeInstanceOf(SourceFetchError);
    const requestsForThree = yahoo.requests();
    expect(requestsForThree).toBeGreaterThanOrEqual(3 * 2);
    expect(guard.outage).toMatch(/ECONNREFUSED 127\.0\.0\.1:\d+/);

    // The other 17 were not: no request at all, and one message, without the ticker.
    const skipped = results.slice(3);
    for (const error of skipped) expect(error).toBeInstanceOf(VendorUnreachableError);
    expect(new Set(skipped.map((error) => (error as Error).message)).size).toBe(1);
    expect((skipped[0] as Error).message).toMatch(
      /^not fetched: yfinance is unreachable \(3 tickers in a row failed with: connect ECONNREFUSED/,
    );
    expect(yahoo.requests()).toBe(requestsForThree);
  });

  it('counts only the same network failure in a row: an answer from the vendor or a success starts again', async () => {
    let plan: (Error | undefined)[] = [];
    const source = new ScriptedSource(() => plan.shift());
    const guard = new VendorOutageGuard(source, 3);

    plan = [
      refused('A'),
      refused('B'),
      undefined,
      refused('C'),
      new NoDataError('D', 'yfinance', 'No data found'),
      refused('E'),
      refused('F'),
    ];
    await outcomes(guard, ['A', 'B', 'OK', 'C', 'D', 'E', 'F']);
    expect(guard.outage).toBeUndefined();

    // Two different network errors alternate: not "the same error", so no outage either.
    const dns = (t: string) =>
      new SourceFetchError(t, 'yfinance', 'network error', {
        cause: Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }),
      });
    plan = [dns('G'), refused('H'), dns('I')];
    await outcomes(guard, ['G', 'H', 'I']);
    expect(guard.outage).toBeUndefined();

    plan = [refused('J'), refused('K')];
    await outcomes(guard, ['J', 'K']);
    expect(guard.outage).toBeUndefined();
    plan = [refused('L')];
    await outcomes(guard, ['L']);
    expect(guard.outage).toBe('connect ECONNREFUSED 127.0.0.1:9');
    expect(source.calls).toHaveLength(13);
    await expect(guard.fetchSnapshot('M', REQUEST)).rejects.toBeInstanceOf(VendorUnreachableError);
    expect(source.calls).toHaveLength(13);
  });

  it('tells a network failure from an answer', () => {
    expect(networkFailure(refused('A'))).toBe('connect ECONNREFUSED 127.0.0.1:9');
    expect(
      networkFailure(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })),
    ).toBe('The operation was aborted due to timeout');
    expect(networkFailure(new NoDataError('A', 'yfinance', 'No data found'))).toBeUndefined();
    expect(networkFailure(new SourceFetchError('A', 'yfinance', 'HTTP 500'))).toBeUndefined();
    expect(networkFailure('a string')).toBeUndefined();
  });
});
