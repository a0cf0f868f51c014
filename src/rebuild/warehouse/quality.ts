/**
 * `quality_runs` and `quality_results` from the lake's quality objects (`quality/{RUN_DATE}/{RUN_ID}.json`, one per
 * run that checked anything), and the raw snapshots those runs blocked: under `block`, a snapshot with a failed
 * error verdict never became prices or results (docs/design.md "Data quality"), so `daily_prices` must not be
 * rebuilt from it either (prices.ts leaves it out).
 *
 * Each object restores its run as the run recorded it (the object was made of those rows), marked written; a run
 * already in the table is left as it is, so a second rebuild inserts nothing. An object that cannot be read or is
 * not a quality document is reported with its key: the snapshots it blocked are then not known, and their bars
 * may enter `daily_prices` (the rebuild reports it; `verify` and the next daily run do not repair it).
 */
import { DocumentShapeError } from '../../lake/formats/schema-check.js';
import { parseQualityDocument, parseQualityKey, QUALITY_PREFIX } from '../../lake/formats/quality.js';
import { fetchObject } from '../../lake-scan/fetch.js';
import { listAllKeys } from '../../storage/listing.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { blockedRawOf } from '../../warehouse/blocked-raws.js';
import type { Warehouse } from '../../warehouse/database.js';
import { restoreQualityRun } from '../../warehouse/quality.js';
import type { FailureSink, WarehouseRebuildReport } from './report.js';

/** Restores the runs' verdicts; returns the raw keys a `block` run blocked. */
export async function restoreQuality(
  store: ObjectStore,
  warehouse: Warehouse,
  report: WarehouseRebuildReport,
  fail: FailureSink,
): Promise<Set<string>> {
  const blocked = new Set<string>();
  for await (const key of listAllKeys(store, QUALITY_PREFIX)) {
    const runDate = parseQualityKey(key)?.runDate;
    if (runDate === undefined) {
      fail(key, 'not a quality object key (quality/{RUN_DATE}/{RUN_ID}.json)');
      continue;
    }
    const fetched = await fetchObject(store, key);
    if (fetched.status !== 'ok') {
      fail(key, fetched.status === 'missing' ? 'not found (it was listed a moment before)' : fetched.error);
      continue;
    }
    let document;
    try {
      document = parseQualityDocument(Buffer.from(fetched.body).toString('utf8'), key);
    } catch (error) {
      // Foreign or damaged: reported with the field, and the other objects are still restored.
      if (!(error instanceof DocumentShapeError)) throw error;
      fail(key, `not a quality document: ${error.problem}`);
      continue;
    }
    report.quality.objects++;
    for (const row of document.results) {
      const raw = blockedRawOf(document.policy, row);
      if (raw !== undefined) blocked.add(raw);
    }
    const run = {
      runId: document.run_id,
      runDate,
      checkedAt: new Date(document.checked_at),
      policy: document.policy,
      computationVersion: document.computation_version,
      lakeKey: key,
    };
    if (await restoreQualityRun(warehouse.db, run, fetched.head.versionId, document.results)) {
      report.quality.runs_restored++;
      report.quality.results_restored += document.results.length;
    } else {
      report.quality.runs_present++;
    }
  }
  report.quality.blocked_snapshots = blocked.size;
  return blocked;
}
