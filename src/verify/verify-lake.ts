import type { ParsedKey } from '../lake/keys.js';
import type { ObjectStore } from '../storage/object-store.js';
import { catalogRowsInScope, compareByComputation, listLakeObjects, scopePrefixes } from '../lake-scan/scope.js';
import { sampleItems } from './sample.js';
import { mapAll } from '../concurrency.js';
import { noProgress, type ProgressSink } from '../lake-scan/progress.js';
import type { Kysely } from 'kysely';
import type { CatalogObject } from '../warehouse/lake-objects.js';
import type { Database } from '../warehouse/schema.js';
import { ObjectChecks } from './object-checks.js';
import { RawSource } from './raw-source.js';
import { Findings, type VerifyReport } from './report.js';
import { verifyTableFiles } from './table-files.js';

export interface VerifyOptions {
  store: ObjectStore;
  db: Kysely<Database>;
  /** Only these (normalised) tickers; default: the whole lake. */
  tickers?: readonly string[];
  /** Recompute only a random sample of this many processed objects (the catalog is still checked in full). */
  sample?: number;
  /** For the sample; default Math.random. */
  random?: () => number;
  /** Objects read at once; default 8. */
  concurrency?: number;
  progress?: ProgressSink;
}

/**
 * `marketlake verify`: that the lake holds exactly what was written and that every computed number follows from
 * its raw snapshot.
 *
 * 1. Completeness: every catalog row in scope has an object under its key, every object has a row.
 * 2. Every processed object in scope (or a sample): its sha256 against its metadata and the catalog; its source
 *    raw object, read BY VERSION ID, against its own metadata, the catalog and the processed object's
 *    `source_raw_data_sha256`; then `computeResults` under the RECORDED computation version, compared bit for
 *    bit with the stored values.
 * 3. Without a sample, every other raw object's body too, and the current version of a raw key whose listed ETag
 *    is not that of the version its results named (a version written behind the lake's back); with one, the catalog
 *    rows not read in full are
 *    checked against a HEAD of their version (sha256 from the metadata, size, lineage columns).
 * 4. For the whole lake, every table file under `tables/` (table-files.ts).
 */
export async function verifyLake(options: VerifyOptions): Promise<VerifyReport> {
  const { store, db } = options;
  const progress = options.progress ?? noProgress;
  const concurrency = options.concurrency ?? 8;
  const findings = new Findings();

  const [rows, listed] = await Promise.all([
    catalogRowsInScope(db, options.tickers),
    listLakeObjects(store, scopePrefixes(options.tickers)),
  ]);
  const catalog = new Map(rows.map((row) => [row.key, row]));
  const listedKeys = new Set(listed.map((object) => object.key));
  // A folder the store cannot read is listed as one damaged entry under its prefix (ending in "/"); the rows of
  // the objects inside it are covered by that finding, not reported missing one by one.
  const unreadableFolders = listed
    .filter((object) => object.damage !== undefined && object.key.endsWith('/'))
    .map((object) => object.key);
  const inUnreadableFolder = (key: string) => unreadableFolders.some((folder) => key.startsWith(folder));
  for (const row of rows) {
    if (!listedKeys.has(row.key) && !inUnreadableFolder(row.key)) {
      findings.missing.push({ key: row.key, kind: row.kind, version_id: row.versionId, problem: 'no-object' });
    }
  }
  // What the store lists but cannot serve is one finding, from the listing, and is not read again: the other
  // checks would only fail on it once more (or, for a foreign entry, look for an object that is not there).
  const damaged = new Map<string, string>();
  for (const object of listed) {
    if (object.damage === undefined) continue;
    damaged.set(object.key, object.damage);
    findings.mismatch({
      key: object.key,
      kind: object.parsed?.kind ?? 'unknown',
      problem: 'read-error',
      actual: object.damage,
    });
  }
  for (const object of listed) {
    if (!catalog.has(object.key) && !damaged.has(object.key)) {
      findings.uncatalogued.push({ key: object.key, kind: object.parsed?.kind ?? 'unknown', size: object.size });
    }
  }

  const ours = listed.flatMap((object) =>
    object.parsed && !damaged.has(object.key) ? [{ key: object.key, parsed: object.parsed, etag: object.etag }] : [],
  );
  // Neighbours share a raw snapshot, so the raw cache stays small whatever the size of the lake.
  const processed = ours
    .filter((object) => object.parsed.kind !== 'raw')
    .sort((a, b) => compareByComputation(a.parsed, b.parsed));
  const selected = options.sample === undefined ? processed : sampleItems(processed, options.sample, options.random);
  const checks = new ObjectChecks(store, catalog, new RawSource(store), findings, damaged);

  await phase(
    progress,
    'verify processed',
    selected,
    concurrency,
    (object) => checks.checkProcessed(object.key, object.parsed),
    (o) => o.key,
  );
  if (options.sample === undefined) {
    const raws = ours.filter(
      (object) => object.parsed.kind === 'raw' && !checks.currentRawChecked(object.key, object.etag),
    );
    await phase(
      progress,
      'verify raw',
      raws,
      concurrency,
      (object) => checks.checkRawKey(object.key),
      (o) => o.key,
    );
  }
  const parsedByKey = new Map<string, ParsedKey>(ours.map((object) => [object.key, object.parsed]));
  const unchecked = rows.filter(
    (row) => listedKeys.has(row.key) && !checks.comparedRows.has(row.key) && !damaged.has(row.key),
  );
  for (const row of unchecked.filter((row) => !parsedByKey.has(row.key))) {
    findings.mismatch({
      key: row.key,
      kind: row.kind,
      problem: 'catalog',
      field: 'key',
      actual: 'not a marketlake object key (docs/design.md "Keys")',
    });
  }
  await phase(
    progress,
    'check catalog',
    unchecked.filter((row) => parsedByKey.has(row.key)),
    concurrency,
    (row: CatalogObject) => checks.checkCatalogRow(row, parsedByKey.get(row.key)!),
    (row) => row.key,
  );

  // The tables are of the whole lake: a check of some tickers leaves them out.
  const tableFiles = options.tickers === undefined ? await verifyTableFiles(store, db, findings) : 0;
  return findings.report({
    checked: selected.length,
    rawChecked: checks.rawBodiesChecked,
    catalogRows: rows.length,
    tableFiles,
  });
}

async function phase<T>(
  progress: ProgressSink,
  label: string,
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  describe: (item: T) => string,
): Promise<void> {
  if (items.length === 0) return;
  progress.start(items.length, label);
  try {
    await mapAll(items, concurrency, async (item) => {
      await work(item);
      progress.tick(describe(item));
    });
  } finally {
    progress.stop();
  }
}
