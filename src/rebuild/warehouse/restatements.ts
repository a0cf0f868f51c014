/**
 * `restatements` and `restatement_bars` from the lake's `restatements/` objects: each object is the record the
 * database held when it was written (detect.ts writes what it reads back), so it is inserted as it is, with the
 * warehouse's own statement (insertRestatement, src/warehouse/restatements.ts), and marked as written under its
 * key and version id. The document's schema is its format's (src/lake/formats/restatement.ts).
 *
 * Idempotent: the insert does nothing for a raw key already recorded (see insertRestatement), and the lake key
 * is only set on a record that has none. A second object for the same raw key (not written by marketlake, which
 * writes one per snapshot) leaves the first one's record as it is.
 */
import {
  RESTATEMENT_DOCUMENT,
  RESTATEMENT_PREFIX,
  RESTATEMENT_SCHEMA,
  type RestatementDocument,
} from '../../lake/formats/restatement.js';
import { describeIssues } from '../../lake/formats/schema-check.js';
import { insertRestatement, markRestatementWritten } from '../../warehouse/restatements.js';
import { listAllKeys } from '../../storage/listing.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Warehouse } from '../../warehouse/database.js';
import { fetchObject } from '../../lake-scan/fetch.js';
import type { FailureSink, WarehouseRebuildReport } from './report.js';

export async function restoreRestatements(
  store: ObjectStore,
  warehouse: Warehouse,
  report: WarehouseRebuildReport,
  fail: FailureSink,
): Promise<void> {
  const keys: string[] = [];
  for await (const key of listAllKeys(store, RESTATEMENT_PREFIX)) keys.push(key);
  // Key order is detection order per ticker (the newer raw key's date and time), and `_n` after the first.
  keys.sort();
  report.restatements.listed = keys.length;
  for (const key of keys) {
    const fetched = await fetchObject(store, key);
    if (fetched.status === 'missing') {
      fail(key, 'not found (it was listed a moment before)');
      continue;
    }
    if (fetched.status === 'unreadable') {
      fail(key, fetched.error);
      continue;
    }
    const recorded = fetched.head.metadata.content_sha256;
    if (recorded !== undefined && recorded !== fetched.sha256) {
      fail(key, `its body has sha256 ${fetched.sha256}, its metadata says ${recorded}`);
      continue;
    }
    const document = restatementOf(key, fetched.body);
    if ('reason' in document) {
      fail(key, document.reason);
      continue;
    }
    const stored = await insertRestatement(warehouse.db, document);
    if (stored.lakeKey === null) {
      await markRestatementWritten(warehouse.db, stored.id, key, fetched.head.versionId);
      report.restatements.inserted += stored.inserted ? 1 : 0;
      report.restatements.already_present += stored.inserted ? 0 : 1;
    } else {
      report.restatements.already_present++;
    }
  }
}

function restatementOf(key: string, body: Uint8Array): RestatementDocument | { reason: string } {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (error) {
    return { reason: `not JSON: ${(error as Error).message}` };
  }
  const parsed = RESTATEMENT_DOCUMENT.safeParse(document);
  if (!parsed.success)
    return { reason: `not a ${RESTATEMENT_SCHEMA} document: ${describeIssues(parsed.error).problem}` };
  if (!key.startsWith(`${RESTATEMENT_PREFIX}${parsed.data.ticker}/`))
    return { reason: `its ticker ${parsed.data.ticker} is not the one of its key` };
  return parsed.data as RestatementDocument;
}
