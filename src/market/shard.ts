/**
 * Scale-out: a universe split into N shards, so that N machines (a Kubernetes Indexed Job, an AWS Batch array
 * job) run the daily job side by side against one database and one bucket, each on its own tickers.
 *
 * The shard of a ticker depends on the ticker and N alone, never on the universe's order or size, nor on the
 * machine or Node version:
 *
 *   shard(ticker, N) = uint64_be(sha256(utf8(normalizeTicker(ticker)))[0..8]) mod N
 *
 * (the first 8 bytes of the SHA-256 of the normalised ticker, read as an unsigned big-endian integer, modulo N;
 * in Python: `int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], 'big') % n`). A ticker that does not
 * normalise goes by its text trimmed and upper-cased, so that exactly one shard takes it and reports it failed.
 */
import { createHash } from 'node:crypto';
import { normalizeTicker } from './ticker.js';

/** Shard `index` of `count` (0 <= index < count). */
export interface Shard {
  index: number;
  count: number;
}

export function shardOf(ticker: string, count: number): number {
  if (!Number.isSafeInteger(count) || count < 1)
    throw new RangeError(`shard count must be a whole number >= 1, got ${count}`);
  const digest = createHash('sha256').update(shardKey(ticker), 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count));
}

/** The tickers of `universe` that fall in `shard`, in the universe's order. */
export function tickersOfShard(universe: readonly string[], shard: Shard): string[] {
  return universe.filter((ticker) => shardOf(ticker, shard.count) === shard.index);
}

function shardKey(ticker: string): string {
  try {
    return normalizeTicker(ticker);
  } catch {
    return ticker.trim().toUpperCase();
  }
}
