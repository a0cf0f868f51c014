/**
 * The stored data-quality verdicts, read from the lake's quality objects (`quality/{RUN_DATE}/{RUN_ID}.json`), not
 * from the database: they are the same verdicts (the run writes both), and the lake answers while a run holds an
 * embedded home. Each verdict is a row of the `quality` table (src/tables/rows.ts qualityRows), so the answer is
 * what `marketlake sql "SELECT * FROM quality"` holds. Every request reads the objects of the run dates it asks
 * for (one object per run).
 */
import { parseQualityDocument, parseQualityKey, QUALITY_PREFIX } from '../lake/formats/quality.js';
import { fetchObject } from '../lake-scan/fetch.js';
import { listAllKeys } from '../storage/listing.js';
import type { ObjectStore } from '../storage/object-store.js';
import { qualityRows, type TableRow } from '../tables/rows.js';
import { ApiProblem } from './problem.js';

export interface VerdictFilter {
  ticker?: string;
  /** The run's UTC date (the quality object's folder). */
  date?: string;
  runId?: string;
  /** Only the verdicts of checks that did not pass. */
  failed?: boolean;
}

/** The verdicts that pass `filter`, by run date, run id, ticker and check. */
export async function storedVerdicts(store: ObjectStore, filter: VerdictFilter): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  const prefix = filter.date === undefined ? QUALITY_PREFIX : `${QUALITY_PREFIX}${filter.date}/`;
  for await (const key of listAllKeys(store, prefix)) {
    const parsed = parseQualityKey(key);
    // Only quality objects: anything else under the prefix is not a run's verdicts.
    if (parsed === undefined) continue;
    if (filter.runId !== undefined && parsed.runId !== filter.runId) continue;
    const fetched = await fetchObject(store, key);
    if (fetched.status === 'missing') continue; // removed since the listing: it holds no verdict any more
    if (fetched.status === 'unreadable') {
      throw new ApiProblem(503, 'lake-unavailable', 'Lake unavailable', `${key} cannot be read: ${fetched.error}`);
    }
    const document = parseQualityDocument(Buffer.from(fetched.body).toString('utf8'), key);
    for (const row of qualityRows(document, key)) {
      if (filter.ticker !== undefined && row.ticker !== filter.ticker) continue;
      if (filter.failed === true && row.passed === true) continue;
      rows.push(row);
    }
  }
  return rows.sort(
    (a, b) =>
      compare(a.run_date, b.run_date) ||
      compare(a.run_id, b.run_id) ||
      compare(a.ticker, b.ticker) ||
      compare(a.check_id, b.check_id),
  );
}

function compare(a: unknown, b: unknown): number {
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
