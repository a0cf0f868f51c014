/**
 * Part 3: what `getLatest('indicators', ticker)` costs with 1, 100 and 10,000 stored versions of one ticker, in
 * object-store requests (a FaultyObjectStore with no faults counts them) and time (median of several calls),
 * on the DataLake without a catalog (it lists the recent date folders with a delimiter, then the newest folder) and
 * with the WarehouseLakeCatalog (one indexed query, then the object).
 *
 * Versions are spread over dates as a lake that is re-computed would hold them: at most 25 versions per as-of
 * date (25 computations of the same day), on consecutive business days, so 100 = 4 dates x 25 and
 * 10,000 = 400 dates x 25. They are stored through `lake.write` with the catalog attached (src/lake/testing/store.ts)
 * (so both the objects and their catalog rows exist), each one a real indicators document of the ticker.
 */
import type { CatalogFilter, LakeCatalog } from '../../src/lake/catalog.js';
import { DataLake } from '../../src/lake/data-lake.js';
import { processedDocument } from '../../src/lake/formats/processed.js';
import { storeProcessed, storeRaw } from '../../src/lake/testing/store.js';
import { computeResults } from '../../src/compute/results.js';
import { dateRange } from '../../src/pipeline/daily-run.js';
import { createSource } from '../../src/sources/index.js';
import { FaultyObjectStore, type ObjectStoreCounts } from '../../src/storage/testing/faulty-object-store.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import type { Backend } from './backends.js';
import { median, msSince, now, pool } from './common.js';

export const VERSIONS_PER_DATE = 25;

export interface GetLatestRow {
  versions: number;
  dates: number;
  perDate: number;
  mode: 'no catalog' | 'catalog';
  /** Object-store requests of one call (the same for every timed call, checked). */
  requests: number;
  /** Non-zero request counts of one call, e.g. "list 2, get 1, getTags 1". */
  breakdown: string;
  /** Catalog queries of one call. */
  catalogQueries: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  calls: number;
}

export interface GetLatestPopulate {
  versions: number;
  ms: number;
  concurrency: number;
}

export interface GetLatestResult {
  rows: GetLatestRow[];
  populate: GetLatestPopulate[];
}

/** Consecutive business days ending at `end` (inclusive), oldest first. */
function businessDays(end: string, count: number): string[] {
  const days: string[] = [];
  for (let ms = Date.parse(`${end}T00:00:00Z`); days.length < count; ms -= 86_400_000) {
    const weekday = new Date(ms).getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(new Date(ms).toISOString().slice(0, 10));
  }
  return days.reverse();
}

function describeCounts(c: ObjectStoreCounts): string {
  const parts: [string, number][] = [
    ['put', c.putsAttempted],
    ['list', c.lists],
    ['listVersions', c.listVersions],
    ['head', c.heads],
    ['get', c.gets],
    ['getTags', c.getTags],
  ];
  return parts
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}

/** A catalog that counts the queries the lake makes through it. */
function countingCatalog(inner: LakeCatalog): LakeCatalog & { queries: number } {
  const counted = {
    queries: 0,
    findLatest(filter: CatalogFilter) {
      counted.queries++;
      return inner.findLatest(filter);
    },
    list(filter: CatalogFilter) {
      counted.queries++;
      return inner.list(filter);
    },
    findDerived(rawKey: string) {
      counted.queries++;
      return inner.findDerived(rawKey);
    },
    record: (entry: Parameters<LakeCatalog['record']>[0]) => inner.record(entry),
  };
  return counted;
}

export async function measureGetLatest(
  backend: Backend,
  options: {
    versions: readonly number[];
    calls: number;
    end: string;
    populateConcurrency: number;
    log: (line: string) => void;
  },
): Promise<GetLatestResult> {
  const catalog = new WarehouseLakeCatalog(backend.warehouse.db);
  const writer = new DataLake(backend.store, catalog);
  const source = createSource('sample');
  const rows: GetLatestRow[] = [];
  const populate: GetLatestPopulate[] = [];

  for (const versions of options.versions) {
    const ticker = `LATEST-${versions}`;
    const perDate = Math.min(versions, VERSIONS_PER_DATE);
    const dates = businessDays(options.end, Math.ceil(versions / perDate));
    const { start } = dateRange(new Date(`${options.end}T12:00:00Z`), '2y');
    const snapshot = await source.fetchSnapshot(ticker, {
      start,
      end: options.end,
      now: new Date(`${options.end}T22:00:00Z`),
    });
    const raw = await storeRaw(writer, snapshot);
    const values = computeResults(snapshot, '1.0').indicators;
    const items: { asOf: string; computedAt: string }[] = [];
    for (const asOf of dates) {
      for (let j = 0; j < perDate && items.length < versions; j++) {
        // Computed the evening after the as-of date, one minute apart: 25 re-computations of that day.
        items.push({
          asOf,
          computedAt: new Date(Date.parse(`${asOf}T00:00:00Z`) + 86_400_000 + 3_600_000 + j * 60_000).toISOString(),
        });
      }
    }
    const t0 = now();
    const written = await pool(items, options.populateConcurrency, (item) =>
      storeProcessed(
        writer,
        'indicators',
        processedDocument(
          'indicators',
          { ticker, as_of: item.asOf, computation_version: '1.0', computed_at: item.computedAt, values },
          { key: raw.key, versionId: raw.versionId, sha256: raw.sha256 },
        ),
      ),
    );
    const populateMs = msSince(t0);
    populate.push({ versions, ms: populateMs, concurrency: options.populateConcurrency });
    options.log(
      `  stored ${versions} versions of ${ticker} (${dates.length} dates x ${perDate}) in ${(populateMs / 1000).toFixed(1)} s`,
    );
    const expectedKey = written[written.length - 1].key;

    for (const mode of ['no catalog', 'catalog'] as const) {
      const counting = new FaultyObjectStore(backend.store, { failPuts: 'none' });
      const countedCatalog = mode === 'catalog' ? countingCatalog(catalog) : undefined;
      const lake = new DataLake(counting, countedCatalog);
      const samples: number[] = [];
      const requestCounts = new Set<number>();
      let lastCounts: ObjectStoreCounts | undefined;
      let queries = 0;
      for (let call = 0; call <= options.calls; call++) {
        counting.resetCounts();
        if (countedCatalog) countedCatalog.queries = 0;
        const t = now();
        const latest = await lake.getLatest('indicators', ticker);
        const ms = msSince(t);
        if (latest.key !== expectedKey)
          throw new Error(
            `getLatest('indicators', ${ticker}) [${mode}] returned ${latest.key}, expected ${expectedKey}`,
          );
        if (call === 0) continue; // warm-up
        samples.push(ms);
        requestCounts.add(counting.requests);
        lastCounts = counting.counts;
        queries = countedCatalog?.queries ?? 0;
      }
      if (requestCounts.size !== 1)
        throw new Error(
          `getLatest('indicators', ${ticker}) [${mode}] made varying numbers of requests: ${[...requestCounts].join(', ')}`,
        );
      rows.push({
        versions,
        dates: dates.length,
        perDate,
        mode,
        requests: [...requestCounts][0],
        breakdown: describeCounts(lastCounts!),
        catalogQueries: queries,
        medianMs: median(samples),
        minMs: Math.min(...samples),
        maxMs: Math.max(...samples),
        calls: samples.length,
      });
    }
  }
  return { rows, populate };
}
