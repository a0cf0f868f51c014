/**
 * `marketlake tables rebuild [--from D] [--to D]`: the lake's tables (src/tables) from its JSON objects alone, no
 * database: for a lake written before the tables existed, and after any loss of table files.
 *
 *   prices, lake_objects (raw)    the raw snapshots, each compared with the ticker's previous one
 *   indicators, percentiles, features, lake_objects (processed)
 *                                 the processed objects
 *   restatements                  the `restatements/` objects
 *   quality                       the runs' `quality/` objects
 *   runs, and every run_id        the OpenLineage events in the lake (lineage-runs.ts)
 *
 * Idempotent: the rows of a source object (schema.ts `source`) that a table file already holds are not written
 * again, and files are named by their content, so a second rebuild writes nothing. `--from`/`--to` bound the
 * partition dates (fetch date, as_of, run date). An object that cannot be read or parsed is reported with its key
 * and skipped; the rest is rebuilt.
 */
import { mapAll } from '../../concurrency.js';
import {
  parseRestatementDocument,
  RESTATEMENT_PREFIX,
  type RestatementDocument,
} from '../../lake/formats/restatement.js';
import { DocumentShapeError } from '../../lake/formats/schema-check.js';
import { readQualityMark } from '../../lake/formats/quality-mark.js';
import { parseQualityDocument, parseQualityKey, QUALITY_PREFIX } from '../../lake/formats/quality.js';
import { messageOf } from '../../errors.js';
import { parseRawDocument } from '../../lake/formats/raw-parse.js';
import type { RawSnapshot } from '../../lake/formats/raw.js';
import { compareKeys, type ParsedKey, type ProcessedKind } from '../../lake/keys.js';
import { fetchInOrder, fetchObject, type Fetched } from '../../lake-scan/fetch.js';
import { noProgress, type ProgressSink } from '../../lake-scan/progress.js';
import { listLakeKeys, type ListedLakeKey } from '../../lake-scan/scope.js';
import { listAllKeys } from '../../storage/listing.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { coveredSources } from '../../tables/coverage.js';
import { syncLocalTables } from '../../tables/local-copy.js';
import {
  type ComputedDocument,
  firstPriceColumns,
  lakeObjectRow,
  priceRows,
  processedRows,
  qualityRows,
  restatementRows,
  runRow,
  type TableRow,
} from '../../tables/rows.js';
import { TABLE_NAMES, type TableName } from '../../tables/schema.js';
import {
  putTableFile,
  renderBatchFiles,
  type RenderedTableFile,
  type RowBatch,
  rowBatches,
  type WrittenTableFile,
} from '../../tables/table-files.js';
import { processedDocumentOf } from '../warehouse/processed-document.js';
import { readLineageRuns } from './lineage-runs.js';

export interface TablesRebuildOptions {
  store: ObjectStore;
  /** Where the local copy of the table files is kept (read to know what the tables hold). */
  cacheDir: string;
  /** Inclusive bounds on the partition dates. */
  from?: string;
  to?: string;
  /** Tickers in flight; default 4. */
  concurrency?: number;
  progress?: ProgressSink;
}

export interface TablesRebuildReport {
  /** Source objects read. */
  scanned: { raw: number; processed: number; restatements: number; quality: number; lineageEvents: number };
  /** Rows written per table, and source objects whose rows the tables held already. */
  tables: Record<TableName, { rows: number; alreadyHeld: number }>;
  files: WrittenTableFile[];
  failed: { key: string; reason: string }[];
}

export async function rebuildTables(options: TablesRebuildOptions): Promise<TablesRebuildReport> {
  // The prices are complete once every raw snapshot is read: their files are rendered while the processed objects
  // are read. Filling DuckDB's table is on this thread, but its copy to Parquet is not: that part overlaps the
  // reading.
  let pricesFiles: Promise<RenderedTableFile[]> | undefined;
  let read: Awaited<ReturnType<typeof readTableBatches>>;
  try {
    read = await readTableBatches(options, (prices) => {
      pricesFiles = renderBatchFiles(prices, null);
      pricesFiles.catch(() => undefined); // awaited below, once the reading is done
    });
  } catch (error) {
    // Nothing is left running once the rebuild has failed: the prices' rendering ends (its own failure is moot).
    await pricesFiles?.catch(() => undefined);
    throw error;
  }
  const { report, batches } = read;
  const files = [...((await pricesFiles) ?? []), ...(await renderBatchFiles(batches, null))];
  const written = await putTableFiles(options.store, files);
  report.files = written.files;
  for (const table of TABLE_NAMES) report.tables[table].rows = written.rows[table];
  return report;
}

/**
 * The reading half of a rebuild: the rows the tables lack, as batches (a first snapshot's prices as columns, as a
 * run makes them), and the report so far (no files yet, no rows counted). Every raw snapshot is read first, then
 * every processed object: given `onPrices`, the prices' batches go to it as soon as they are complete, and are not
 * in the batches returned.
 */
export async function readTableBatches(
  options: TablesRebuildOptions,
  onPrices?: (prices: RowBatch[]) => void,
): Promise<{ report: TablesRebuildReport; batches: RowBatch[] }> {
  const { store } = options;
  const progress = options.progress ?? noProgress;
  const inRange = (date: string) =>
    (options.from === undefined || date >= options.from) && (options.to === undefined || date <= options.to);

  const local = await syncLocalTables(store, options.cacheDir, TABLE_NAMES);
  const covered = new Map<TableName, Set<string>>();
  for (const table of TABLE_NAMES) covered.set(table, await coveredSources(local, table));
  const report: TablesRebuildReport = {
    scanned: { raw: 0, processed: 0, restatements: 0, quality: 0, lineageEvents: 0 },
    tables: Object.fromEntries(
      TABLE_NAMES.map((t) => [t, { rows: 0, alreadyHeld: 0 }]),
    ) as TablesRebuildReport['tables'],
    files: [],
    failed: local.skipped.map((s) => ({ key: s.key, reason: s.reason })),
  };
  const batches: RowBatch[] = [];
  // Apart, to be handed to `onPrices` once complete.
  let prices: RowBatch[] = [];
  const held = (table: TableName, source: string): boolean => covered.get(table)?.has(source) === true;
  /** Whether `table` still needs the rows of `source`; counts the ones it holds. */
  const wanted = (table: TableName, source: string): boolean => {
    if (!held(table, source)) return true;
    report.tables[table].alreadyHeld++;
    return false;
  };
  const add = (table: TableName, source: string, made: readonly TableRow[] | RowBatch) => {
    const to = table === 'prices' ? prices : batches;
    if (!Array.isArray(made)) to.push(made as RowBatch);
    else for (const batch of rowBatches(table, source, made)) to.push(batch);
  };
  const fail = (key: string, reason: string) => report.failed.push({ key, reason });

  const lineage = await readLineageRuns(store);
  report.scanned.lineageEvents = lineage.events;
  report.failed.push(...lineage.failed);
  for (const run of lineage.runs) {
    if (inRange(run.startedAt.slice(0, 10)) && wanted('runs', run.runId)) add('runs', run.runId, [runRow(run)]);
  }
  const runOf = (key: string) => lineage.runOfKey.get(key) ?? null;

  const byTicker = groupByTicker(await listLakeKeys(store, ['raw/', 'processed/']), fail);
  const work: TickerWork = { inRange, held, wanted, add, fail, runOf, scanned: report.scanned };
  // Each ticker twice: its raw snapshots, then (once every ticker's are read) its processed objects.
  progress.start(2 * byTicker.size, 'tables rebuild');
  try {
    for (const pass of [rebuildRawSnapshots, rebuildProcessedObjects]) {
      await mapAll([...byTicker.values()], options.concurrency ?? 4, async (objects) => {
        await pass(store, objects, work);
        progress.tick(objects[0]?.parsed.ticker ?? '');
      });
      if (pass === rebuildRawSnapshots && onPrices !== undefined) {
        onPrices(prices);
        prices = [];
      }
    }
  } finally {
    progress.stop();
  }
  await rebuildRestatements(store, { inRange, held, wanted, add, fail, scanned: report.scanned });
  await rebuildQuality(store, { inRange, held, wanted, add, fail, scanned: report.scanned });

  report.failed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { report, batches: prices.length === 0 ? batches : batches.concat(prices) };
}

/** The writing half: the batches rendered to files and put, and the rows each table got. */
export async function writeTableBatches(
  store: ObjectStore,
  batches: readonly RowBatch[],
): Promise<{ files: WrittenTableFile[]; rows: Record<TableName, number> }> {
  return putTableFiles(store, await renderBatchFiles(batches, null));
}

async function putTableFiles(
  store: ObjectStore,
  rendered: readonly RenderedTableFile[],
): Promise<{ files: WrittenTableFile[]; rows: Record<TableName, number> }> {
  const rows = Object.fromEntries(TABLE_NAMES.map((table) => [table, 0])) as Record<TableName, number>;
  const files: WrittenTableFile[] = [];
  for (const file of rendered) {
    rows[file.table] += file.rows;
    files.push(await putTableFile(store, file));
  }
  return { files, rows };
}

interface ParsedObject extends ListedLakeKey {
  parsed: ParsedKey;
}

interface TickerWork {
  inRange: (date: string) => boolean;
  held: (table: TableName, source: string) => boolean;
  wanted: (table: TableName, source: string) => boolean;
  add: (table: TableName, source: string, rows: readonly TableRow[] | RowBatch) => void;
  fail: (key: string, reason: string) => void;
  runOf: (key: string) => string | null;
  scanned: TablesRebuildReport['scanned'];
}

function groupByTicker(
  objects: readonly ListedLakeKey[],
  fail: (key: string, reason: string) => void,
): Map<string, ParsedObject[]> {
  const byTicker = new Map<string, ParsedObject[]>();
  for (const object of objects) {
    if (object.damage !== undefined) {
      fail(object.key, object.damage);
      continue;
    }
    // Keys outside the layout (another tool's files) are not the lake's documents: verify reports them.
    if (object.parsed === undefined) continue;
    const list = byTicker.get(object.parsed.ticker) ?? [];
    list.push(object as ParsedObject);
    byTicker.set(object.parsed.ticker, list);
  }
  return byTicker;
}

/** A ticker's raw snapshots, oldest first: each compared with the one before (read even when out of range). */
async function rebuildRawSnapshots(store: ObjectStore, objects: ParsedObject[], work: TickerWork): Promise<void> {
  const raws = objects.filter((o) => o.parsed.kind === 'raw').sort((a, b) => compareKeys(a.parsed, b.parsed));
  // What each object is read for, decided first, so that the reads can run ahead of the work on them.
  const plans = raws.map((object, i) => {
    const { key, parsed } = object;
    const needsPrices = work.inRange(parsed.date) && work.wanted('prices', key);
    const needsCatalog = work.inRange(parsed.date) && work.wanted('lake_objects', key);
    // The next snapshot's price rows are made against this one: read it when those will be rebuilt.
    const next = raws[i + 1];
    const nextNeeds = next !== undefined && work.inRange(next.parsed.date) && !work.held('prices', next.key);
    return { object, needsPrices, needsCatalog, read: needsPrices || needsCatalog || nextNeeds };
  });
  const nextRead = readsInOrder(store, plans);

  let previous: { key: string; snapshot: RawSnapshot } | undefined;
  // The key of the snapshot before, when it could not be read: the next one's price rows cannot be made then
  // (compared with nothing, every bar would pass for new and no removed bar would show).
  let unreadable: string | undefined;
  for (const { object, needsPrices, needsCatalog, read } of plans) {
    const { key, parsed } = object;
    if (!read) {
      previous = undefined;
      unreadable = undefined;
      continue;
    }
    const fetched = await nextRead(key);
    work.scanned.raw++;
    const snapshot = fetched.status === 'ok' ? rawOf(fetched, key, work) : notRead(fetched, key, work);
    if (snapshot === undefined || fetched.status !== 'ok') {
      previous = undefined;
      unreadable = key;
      continue;
    }
    const raw = { key, versionId: fetched.head.versionId, sha256: fetched.sha256 };
    const runId = work.runOf(key);
    if (needsPrices && unreadable !== undefined) {
      work.fail(key, `its price rows are not made: the snapshot before it, ${unreadable}, cannot be read`);
    } else if (needsPrices && previous === undefined) {
      // Every bar is new: columns, as a run makes them (src/pipeline/table-write.ts). Made now, so the parsed
      // bars are garbage at once instead of being held (and copied by the collector) until the file is written.
      const columns = firstPriceColumns(snapshot, raw, runId);
      work.add('prices', key, { table: 'prices', partition: parsed.date, source: key, rows: () => columns });
    } else if (needsPrices) work.add('prices', key, priceRows(snapshot, raw, previous, runId));
    unreadable = undefined;
    if (needsCatalog) {
      work.add('lake_objects', key, [
        lakeObjectRow({
          key,
          versionId: fetched.head.versionId,
          kind: 'raw',
          ticker: parsed.ticker,
          source: snapshot.source,
          sha256: fetched.sha256,
          size: fetched.size,
          createdAt: new Date(snapshot.fetched_at).toISOString(),
          computationVersion: null,
          sourceRawKey: null,
          sourceRawVersionId: null,
          runId,
        }),
      ]);
    }
    previous = { key, snapshot };
  }
}

/** A ticker's processed objects. */
async function rebuildProcessedObjects(store: ObjectStore, objects: ParsedObject[], work: TickerWork): Promise<void> {
  const plans = objects
    .filter((object) => object.parsed.kind !== 'raw' && work.inRange(object.parsed.date))
    .map((object) => {
      const kind = object.parsed.kind as ProcessedKind;
      const needsRows = work.wanted(kind, object.key);
      const needsCatalog = work.wanted('lake_objects', object.key);
      return { object, kind, needsRows, needsCatalog, read: needsRows || needsCatalog };
    });
  const nextRead = readsInOrder(store, plans);
  for (const { object, kind, needsRows, needsCatalog, read } of plans) {
    const { key, parsed } = object;
    if (!read) continue;
    const fetched = await nextRead(key);
    work.scanned.processed++;
    if (fetched.status !== 'ok') {
      notRead(fetched, key, work);
      continue;
    }
    const document = processedOf(kind, parsed, fetched, key, work);
    if (document === undefined) continue;
    const runId = work.runOf(key);
    if (needsRows) {
      // The rows carry the object's quality mark, which is in its metadata (src/lake/formats/quality-mark.ts).
      // Half a mark is not ours: its rows are not made (reported), its catalog row is.
      const marked = readQualityMark(fetched.head.metadata);
      if (marked.ok) {
        const qualityFailed = marked.mark?.failed;
        const source = { objectKey: key, objectVersionId: fetched.head.versionId, runId, qualityFailed };
        work.add(kind, key, processedRows(kind, document, source));
      } else {
        work.fail(key, marked.reason);
      }
    }
    if (needsCatalog) {
      work.add('lake_objects', key, [
        lakeObjectRow({
          key,
          versionId: fetched.head.versionId,
          kind,
          ticker: parsed.ticker,
          source: fetched.head.metadata.source ?? `${kind}_computation`,
          sha256: fetched.sha256,
          size: fetched.size,
          createdAt: new Date(document.computed_at).toISOString(),
          computationVersion: document.computation_version,
          sourceRawKey: document.source_raw_data_key,
          sourceRawVersionId: document.source_raw_data_version_id,
          runId,
        }),
      ]);
    }
  }
}

/**
 * The objects of `plans` that are read, fetched ahead of the work on them (fetchInOrder); the returned function
 * answers them one by one, in the plans' order.
 */
function readsInOrder(
  store: ObjectStore,
  plans: readonly { object: ParsedObject; read: boolean }[],
): (key: string) => Promise<Fetched> {
  const reads = fetchInOrder(
    store,
    plans.filter((plan) => plan.read).map((plan) => plan.object.key),
  );
  return async (key) => {
    const result = await reads.next();
    // The plans are walked in the order their keys were given: anything else is a bug here.
    if (result.done === true || result.value.key !== key) throw new Error(`rebuild read ${key} out of order`);
    return result.value.fetched;
  };
}

function rawOf(fetched: Extract<Fetched, { status: 'ok' }>, key: string, work: TickerWork): RawSnapshot | undefined {
  try {
    return parseRawDocument(Buffer.from(fetched.body).toString('utf8'), key);
  } catch (error) {
    work.fail(key, (error as Error).message);
    return undefined;
  }
}

function processedOf(
  kind: ProcessedKind,
  parsed: ParsedKey,
  fetched: Extract<Fetched, { status: 'ok' }>,
  key: string,
  work: TickerWork,
): ComputedDocument | undefined {
  // What the key says is checked by processedDocumentOf; the computation and raw source are the document's own.
  let claimed: Record<string, unknown> = {};
  try {
    claimed = JSON.parse(Buffer.from(fetched.body).toString('utf8')) as Record<string, unknown>;
  } catch {
    // processedDocumentOf names the parse error.
  }
  const expected = {
    key,
    kind,
    ticker: parsed.ticker,
    objectDate: parsed.date,
    versionId: fetched.head.versionId,
    sha256: fetched.sha256,
    size: fetched.size,
    computationVersion: typeof claimed.computation_version === 'string' ? claimed.computation_version : null,
    sourceRawKey: typeof claimed.source_raw_data_key === 'string' ? claimed.source_raw_data_key : null,
    sourceRawVersionId: null,
    createdAt: new Date(0),
  };
  const document = processedDocumentOf(kind, expected, fetched.body);
  if ('reason' in document) {
    work.fail(key, document.reason);
    return undefined;
  }
  return document;
}

function notRead(fetched: Exclude<Fetched, { status: 'ok' }>, key: string, work: Pick<TickerWork, 'fail'>): undefined {
  work.fail(key, fetched.status === 'missing' ? 'not found (it was listed a moment before)' : fetched.error);
  return undefined;
}

async function rebuildRestatements(store: ObjectStore, work: Omit<TickerWork, 'runOf'>): Promise<void> {
  for await (const key of listAllKeys(store, RESTATEMENT_PREFIX)) {
    // restatements/{TICKER}/{FETCH_DATE}/{TS}.json: the fetch date is the partition.
    const date = key.split('/')[2] ?? '';
    if (!work.inRange(date) || !work.wanted('restatements', key)) continue;
    const fetched = await fetchObject(store, key);
    work.scanned.restatements++;
    if (fetched.status !== 'ok') {
      notRead(fetched, key, work);
      continue;
    }
    let document: RestatementDocument;
    try {
      document = parseRestatementDocument(Buffer.from(fetched.body).toString('utf8'), key);
    } catch (error) {
      // Foreign or damaged: reported with the field, and the other objects are still made into rows.
      if (!(error instanceof DocumentShapeError)) throw error;
      work.fail(key, `not a restatement document: ${error.problem}`);
      continue;
    }
    work.add('restatements', key, restatementRows(document, key));
  }
}

async function rebuildQuality(store: ObjectStore, work: Omit<TickerWork, 'runOf'>): Promise<void> {
  for await (const key of listAllKeys(store, QUALITY_PREFIX)) {
    // quality/{RUN_DATE}/{RUN_ID}.json: the run date is the partition.
    const runDate = parseQualityKey(key)?.runDate;
    if (runDate === undefined) {
      work.fail(key, 'not a quality object key (quality/{RUN_DATE}/{RUN_ID}.json)');
      continue;
    }
    if (!work.inRange(runDate) || !work.wanted('quality', key)) continue;
    const fetched = await fetchObject(store, key);
    work.scanned.quality++;
    if (fetched.status !== 'ok') {
      notRead(fetched, key, work);
      continue;
    }
    let document;
    try {
      document = parseQualityDocument(Buffer.from(fetched.body).toString('utf8'), key);
    } catch (error) {
      work.fail(key, messageOf(error));
      continue;
    }
    work.add('quality', key, qualityRows(document, key));
  }
}
