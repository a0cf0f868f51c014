import { listAllCommonPrefixes } from '../storage/listing.js';
import type { ObjectStore } from '../storage/object-store.js';
import { tickerFromSegment } from '../market/ticker-segment.js';
import { type ObjectKind, PROCESSED_KINDS, RAW_SOURCES } from './keys.js';

export interface LakeTicker {
  ticker: string;
  /** The ticker's key form (`^GSPC` is `_5EGSPC`). */
  key_segment: string;
  /** The kinds the lake holds objects of for it, in name order. */
  kinds: ObjectKind[];
}

/**
 * Every ticker the lake holds an object of, by symbol, from the ticker folders of its keys (docs/design.md "Keys"):
 * one delimited listing per kind and raw source (all at once), never the objects themselves. A folder that is not
 * the key form of a ticker is not a ticker and is left out.
 */
export async function listLakeTickers(store: ObjectStore, options: { limit?: number } = {}): Promise<LakeTicker[]> {
  const { limit } = options;
  const folders: { kind: ObjectKind; prefix: string }[] = [
    ...RAW_SOURCES.map((source) => ({ kind: 'raw' as const, prefix: `raw/${source}/` })),
    ...PROCESSED_KINDS.map((kind) => ({ kind, prefix: `processed/${kind}/` })),
  ];
  // The listings at once: on the file store each one checks every ticker folder for an object (a readdir or two
  // each, thousands on a large lake), waiting on the disk, not the CPU (docs/benchmarks.md "HTTP API").
  const listed = await Promise.all(
    folders.map(async ({ prefix }) => {
      const segments: string[] = [];
      let left = limit ?? Infinity;
      const listing = listAllCommonPrefixes(store, prefix, '/', limit === undefined ? {} : { pageSize: limit });
      for await (const common of listing) {
        const segment = common.slice(prefix.length, -1);
        segments.push(segment);
        if (tickerFromSegment(segment) !== undefined && --left <= 0) break;
      }
      if (limit !== undefined) segments.push(...(await dashPrefixesPresent(store, prefix, segments)));
      return segments;
    }),
  );
  const found = new Map<string, { segment: string; kinds: Set<ObjectKind> }>();
  folders.forEach(({ kind }, i) => {
    for (const segment of listed[i]!) {
      const ticker = tickerFromSegment(segment);
      if (ticker === undefined) continue;
      const entry = found.get(ticker) ?? { segment, kinds: new Set<ObjectKind>() };
      entry.kinds.add(kind);
      found.set(ticker, entry);
    }
  });
  return [...found.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limit)
    .map(([ticker, { segment, kinds }]) => ({ ticker, key_segment: segment, kinds: [...kinds].sort() }));
}

/**
 * With a limit, each kind's listing stops after N tickers in key order, which is the symbols' order but for one
 * case: a folder sorts as `{segment}/`, and `-` and `.` sort below `/`, so `BRK-B/` and `BRK.A/` come before `BRK/`
 * although the symbol `BRK` comes first (`^`, written `_5E`, and `=` sort above `/` and keep the order). So the
 * tickers that could precede a listed one by symbol and yet come after the N listed are exactly the prefixes of a
 * listed segment cut before a `-` or `.`: each is looked for with a one-key listing. With them, the first N of
 * all kinds together by symbol are among each kind's found tickers, with all their kinds.
 */
async function dashPrefixesPresent(store: ObjectStore, prefix: string, listed: readonly string[]): Promise<string[]> {
  const known = new Set(listed);
  const candidates = new Set<string>();
  for (const segment of listed) {
    for (let i = 1; i < segment.length; i++) {
      const cut = segment.slice(0, i);
      if ((segment[i] === '-' || segment[i] === '.') && !known.has(cut) && tickerFromSegment(cut) !== undefined)
        candidates.add(cut);
    }
  }
  const present = await Promise.all(
    [...candidates].map(async (cut) => {
      const page = await store.list({ prefix: `${prefix}${cut}/`, maxKeys: 1 });
      return page.objects.length > 0 ? cut : undefined;
    }),
  );
  return present.filter((cut): cut is string => cut !== undefined);
}
