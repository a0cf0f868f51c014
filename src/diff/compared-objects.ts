import { compareKeys, parseKey, type ProcessedKind } from '../lake/keys.js';
import type { Warehouse } from '../warehouse/database.js';
import { listCatalogObjects, listTickersWithResults, type CatalogObject } from '../warehouse/lake-objects.js';

/**
 * Which objects a diff compares: results computed from the SAME raw snapshot (same source raw key and version id)
 * as of the same date, one under each version; when a version has several such objects (the same computation
 * repeated), the newest. Anything else would mix a change of data into a change of definitions.
 */
export interface ObjectPair {
  ticker: string;
  kind: ProcessedKind;
  asOf: string;
  from: CatalogObject;
  to: CatalogObject;
}

export interface PairsOfTicker {
  pairs: ObjectPair[];
  /** Objects of one version with no counterpart from the same raw snapshot under the other. */
  onlyFrom: number;
  onlyTo: number;
}

export async function findPairs(
  warehouse: Warehouse,
  ticker: string,
  kind: ProcessedKind,
  versions: { from: string; to: string },
  date?: string,
): Promise<PairsOfTicker> {
  const newest = async (computationVersion: string) => {
    const objects = await listCatalogObjects(warehouse.db, {
      kind,
      ticker,
      computationVersion,
      ...(date ? { fromDate: date, toDate: date } : {}),
    });
    const byIdentity = new Map<string, CatalogObject>();
    for (const object of objects) {
      const identity = `${object.objectDate}|${object.sourceRawKey}|${object.sourceRawVersionId ?? ''}`;
      const current = byIdentity.get(identity);
      if (!current || compareKeys(parseKey(object.key), parseKey(current.key)) > 0) byIdentity.set(identity, object);
    }
    return byIdentity;
  };
  const [from, to] = await Promise.all([newest(versions.from), newest(versions.to)]);
  const pairs: ObjectPair[] = [];
  for (const [identity, a] of from) {
    const b = to.get(identity);
    if (b) pairs.push({ ticker, kind, asOf: a.objectDate, from: a, to: b });
  }
  pairs.sort((x, y) => (x.asOf < y.asOf ? -1 : x.asOf > y.asOf ? 1 : 0));
  return { pairs, onlyFrom: from.size - pairs.length, onlyTo: to.size - pairs.length };
}

/** Tickers with processed objects of either version: the default scope of a diff. */
export async function tickersWithResults(
  warehouse: Warehouse,
  versions: { from: string; to: string },
): Promise<string[]> {
  return listTickersWithResults(warehouse.db, [versions.from, versions.to]);
}
