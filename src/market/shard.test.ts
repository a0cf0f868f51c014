import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SAMPLE_TICKERS } from '../sources/sample/sample-universe.js';
import { shardOf, tickersOfShard } from './shard.js';

describe('shardOf', () => {
  it('gives the documented values: the first 8 bytes of sha256(ticker), big-endian, mod N', () => {
    // Pinned: a change here moves tickers between the machines of a running deployment. The same values come
    // from Python: int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], 'big') % n
    const pinned: Record<string, number[]> = {
      // n =    1  2  3  4  7  16
      NVDA: [0, 0, 0, 2, 6, 6],
      AAPL: [0, 1, 1, 3, 1, 11],
      'D05.SI': [0, 1, 2, 1, 1, 1],
      '7974.T': [0, 0, 1, 0, 3, 8],
      '0700.HK': [0, 1, 0, 3, 2, 7],
      'BRK-B': [0, 1, 1, 3, 1, 15],
    };
    for (const [ticker, expected] of Object.entries(pinned)) {
      expect(
        [1, 2, 3, 4, 7, 16].map((n) => shardOf(ticker, n)),
        ticker,
      ).toEqual(expected);
    }
  });

  it('hashes the normalised ticker: case and surrounding blanks do not move it', () => {
    for (const n of [2, 4, 16]) {
      expect(shardOf(' nvda ', n)).toBe(shardOf('NVDA', n));
      expect(shardOf('d05.si', n)).toBe(shardOf('D05.SI', n));
    }
  });

  it('spreads the sample universe evenly over 4 shards', () => {
    const sizes = [0, 1, 2, 3].map((index) => tickersOfShard(SAMPLE_TICKERS, { index, count: 4 }).length);
    expect(sizes).toEqual([13, 13, 11, 14]);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(SAMPLE_TICKERS.length);
  });

  it('puts every ticker in exactly one shard, whatever the order or size of the universe', () => {
    const ticker = fc.stringMatching(/^[A-Z0-9][A-Z0-9.=-]{0,9}$/);
    fc.assert(
      fc.property(fc.uniqueArray(ticker, { maxLength: 40 }), fc.integer({ min: 1, max: 12 }), (universe, count) => {
        const shards = Array.from({ length: count }, (_, index) => tickersOfShard(universe, { index, count }));
        expect(shards.flat().sort()).toEqual([...universe].sort());
        // A ticker's shard is its own: the same in the reversed universe and in a universe of it alone.
        const reversed = [...universe].reverse();
        for (const [index, members] of shards.entries()) {
          expect(tickersOfShard(reversed, { index, count })).toEqual([...members].reverse());
          for (const member of members) expect(tickersOfShard([member], { index, count })).toEqual([member]);
        }
      }),
    );
  });

  it('sends a ticker that does not normalise to one shard, which then reports it failed', () => {
    expect(shardOf('../x', 4)).toBe(shardOf('../X', 4));
    const universe = ['NVDA', '../x', 'A/B'];
    const taken = [0, 1, 2, 3].flatMap((index) => tickersOfShard(universe, { index, count: 4 }));
    expect(taken.sort()).toEqual([...universe].sort());
  });

  it('refuses a shard count that is not a whole number >= 1', () => {
    for (const count of [0, -1, 1.5, Number.NaN]) expect(() => shardOf('NVDA', count)).toThrow(RangeError);
  });
});
