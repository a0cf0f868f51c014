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
 * one delimited listing per kind and raw source, never the objects themselves. A folder that is not the key form
 * of a ticker is not a ticker and is left out.
 */
export async function listLakeTickers(store: ObjectStore): Promise<LakeTicker[]> {
  const folders: { kind: ObjectKind; prefix: string }[] = [
    ...RAW_SOURCES.map((source) => ({ kind: 'raw' as const, prefix: `raw/${source}/` })),
    ...PROCESSED_KINDS.map((kind) => ({ kind, prefix: `processed/${kind}/` })),
  ];
  const found = new Map<string, { segment: string; kinds: Set<ObjectKind> }>();
  for (const { kind, prefix } of folders) {
    for await (const common of listAllCommonPrefixes(store, prefix, '/')) {
      const segment = common.slice(prefix.length, -1);
      const ticker = tickerFromSegment(segment);
      if (ticker === undefined) continue;
      const entry = found.get(ticker) ?? { segment, kinds: new Set<ObjectKind>() };
      entry.kinds.add(kind);
      found.set(ticker, entry);
    }
  }
  return [...found.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ticker, { segment, kinds }]) => ({ ticker, key_segment: segment, kinds: [...kinds].sort() }));
}
