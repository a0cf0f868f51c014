import { compareKeys, parseKey } from '../lake/keys.js';
import type { CatalogObject } from './lake-objects.js';

/**
 * Orders catalogued objects by when they were written: `created_at` (the fetch time of a raw snapshot, the
 * computation time of a processed object, to the millisecond), then the key (`{TS}_2.json` after `{TS}.json`).
 * That is the order in which the write path upserted the rows they mirror, so the last one wins.
 */
export function compareByWriteTime(a: CatalogObject, b: CatalogObject): number {
  const time = a.createdAt.getTime() - b.createdAt.getTime();
  return time !== 0 ? time : compareKeys(parseKey(a.key), parseKey(b.key));
}
