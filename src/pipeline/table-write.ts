/**
 * The lake's tables as a run writes them (src/tables): each ticker job leaves its rows as batches (tableBatches),
 * and the batches of each table and partition become one Parquet file, most of them filled while the jobs run
 * (ticker-tables.ts), the run's quality verdicts and its own row at its end. The files are put
 * create-only first, like a raw snapshot, then recorded in `lake_table_files` (migration 0007) in ONE statement:
 * the ones the lake took as catalogued, the ones it refused with their bytes, pending for `lake retry` (their
 * outbox). Putting first keeps the bytes out of the database on the common path (recording a first run's prices
 * file cost more than a second: docs/benchmarks.md "Measurements behind design choices"); a process that dies
 * between the put and the record leaves a file uncatalogued, or no file, and `tables rebuild` makes the missing
 * rows from the JSON objects, of which every table row is made. A failure is reported, never swallowed.
 *
 * Only rows of objects the lake took are written: a raw snapshot or result still in the outbox gets its rows from
 * `tables rebuild` once `lake retry` has written it.
 */
import type { ComputationVersion } from '../compute/fields.js';
import type { TickerResults } from '../compute/results.js';
import type { WrittenObject } from '../lake/data-lake.js';
import type { RawReference } from '../lake/formats/processed.js';
import type { RawSnapshot } from '../lake/formats/raw.js';
import type { RestatementDocument } from '../lake/formats/restatement.js';
import { parseKey, PROCESSED_KINDS, type ProcessedKind } from '../lake/keys.js';
import { mapAll } from '../concurrency.js';
import { messageOf } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import {
  firstPriceColumns,
  lakeObjectRow,
  type PreviousSnapshot,
  priceRows,
  processedRows,
  restatementRows,
  type RunEntry,
  runRow,
  type TableRow,
} from '../tables/rows.js';
import type { TableName } from '../tables/schema.js';
import { putTableFile, renderBatchFiles, type RenderedTableFile, type RowBatch } from '../tables/table-files.js';
import type { Warehouse } from '../warehouse/database.js';
import { coverageOfTables } from '../tables/coverage.js';
import {
  dropPendingTableFile,
  listPendingTableFiles,
  markTableFileFailed,
  markTableFileWritten,
  recordTableFiles,
  type TableFileOutcome,
} from '../warehouse/table-files.js';
import { processedDocument } from './result-write.js';

/** What a ticker job wrote, as the tables need it. */
export interface TickerTableInput {
  ticker: string;
  runId: string;
  snapshot: RawSnapshot;
  /** The raw object the lake took (absent: it waits in the outbox, and the ticker gets no rows now). */
  raw: RawReference & { size: number };
  previous: PreviousSnapshot | undefined;
  /**
   * The previous snapshot's key when the lake could not return it: the prices then get no rows from this run
   * (compared with nothing, every bar would pass for new); `tables rebuild` makes them once it can be read.
   */
  previousUnreadable?: string;
  /** Absent when the quality checks blocked them: no processed object was written either. */
  results?: TickerResults;
  /** The quality mark of the results (`quality_failed`), when checks failed and they were written all the same. */
  qualityFailed?: string;
  computationVersion: ComputationVersion;
  computedAt: string;
  /** The objects the drain wrote for this ticker (processed ones among them). */
  written: readonly WrittenObject[];
  /** The restatement recorded, with its lake key once written. */
  restatement?: RestatementDocument & { lake_key: string | null };
}

/** The ticker's rows, as batches. Price rows against a previous snapshot are made now (they are few). */
export function tableBatches(input: TickerTableInput): RowBatch[] {
  const { snapshot, raw, previous, runId } = input;
  const fetchDate = parseKey(raw.key).date;
  const batches: RowBatch[] = [];
  const prices =
    input.previousUnreadable !== undefined
      ? []
      : previous === undefined
        ? () => firstPriceColumns(snapshot, raw, runId)
        : priceRows(snapshot, raw, previous, runId);
  if (typeof prices === 'function' || prices.length > 0) {
    batches.push({ table: 'prices', partition: fetchDate, source: raw.key, rows: prices });
  }
  const catalog: TableRow[] = [
    lakeObjectRow({
      key: raw.key,
      versionId: raw.versionId,
      kind: 'raw',
      ticker: input.ticker,
      source: snapshot.source,
      sha256: raw.sha256,
      size: raw.size,
      createdAt: new Date(snapshot.fetched_at).toISOString(),
      computationVersion: null,
      sourceRawKey: null,
      sourceRawVersionId: null,
      runId,
    }),
  ];
  for (const object of input.written) {
    const kind = processedKindOf(object.key);
    if (kind === undefined || input.results === undefined) continue;
    const document = processedDocument(
      kind,
      input.ticker,
      input.results,
      input.computationVersion,
      input.computedAt,
      raw,
    );
    const source = {
      objectKey: object.key,
      objectVersionId: object.versionId,
      runId,
      qualityFailed: input.qualityFailed,
    };
    batches.push({
      table: kind,
      partition: document.as_of,
      source: object.key,
      rows: processedRows(kind, document, source),
    });
    catalog.push(
      lakeObjectRow({
        key: object.key,
        versionId: object.versionId,
        kind,
        ticker: input.ticker,
        source: `${kind}_computation`,
        sha256: object.sha256,
        size: object.size,
        createdAt: new Date(input.computedAt).toISOString(),
        computationVersion: input.computationVersion,
        sourceRawKey: raw.key,
        sourceRawVersionId: raw.versionId,
        runId,
      }),
    );
  }
  for (const row of catalog) {
    batches.push({ table: 'lake_objects', partition: String(row.object_date), source: String(row.key), rows: [row] });
  }
  const restatement = input.restatement;
  if (restatement?.lake_key) {
    batches.push({
      table: 'restatements',
      partition: fetchDate,
      source: restatement.lake_key,
      rows: restatementRows(restatement, restatement.lake_key),
    });
  }
  return batches;
}

function processedKindOf(key: string): ProcessedKind | undefined {
  if (!key.startsWith('processed/')) return undefined;
  const kind = parseKey(key).kind;
  return (PROCESSED_KINDS as readonly string[]).includes(kind) ? (kind as ProcessedKind) : undefined;
}

export interface TableWriteReport {
  /** Files the lake took, and files left pending in the outbox (their keys). */
  written: string[];
  pending: string[];
  rows: number;
  errors: string[];
}

/**
 * Writes the run's table files: one per table and partition of `batches` (plus the run's own row), each put
 * directly, then all recorded in one statement, those the lake refused with their bytes (pending). A failure to
 * render or record is reported in `errors` (every table row can be made again by `tables rebuild`).
 */
export async function writeRunTables(
  store: ObjectStore,
  warehouse: Warehouse,
  runId: string,
  batches: readonly RowBatch[],
  run: RunEntry,
  made: {
    /** Files of the run rendered before (those of its ticker jobs), written with those of `batches`. */
    rendered?: Promise<RenderedTableFile[]>;
    /** How `batches` are rendered (the run's RunTableFiles.render); by default with a DuckDB of their own. */
    render?: (batches: readonly RowBatch[]) => Promise<RenderedTableFile[]>;
  } = {},
): Promise<TableWriteReport> {
  const report: TableWriteReport = { written: [], pending: [], rows: 0, errors: [] };
  const runBatch: RowBatch = {
    table: 'runs',
    partition: run.startedAt.slice(0, 10),
    source: runId,
    rows: [runRow(run)],
  };
  let files: RenderedTableFile[];
  try {
    // Side by side: the files rendered before may still be copying to Parquet.
    const render = made.render ?? ((all: readonly RowBatch[]) => renderBatchFiles(all, runId));
    const [before, these] = await Promise.allSettled([made.rendered ?? [], render([...batches, runBatch])]);
    if (before.status === 'rejected') throw before.reason;
    if (these.status === 'rejected') throw these.reason;
    files = [...before.value, ...these.value];
  } catch (error) {
    report.errors.push(`tables: not written (run \`marketlake tables rebuild\` to make them): ${messageOf(error)}`);
    return report;
  }
  report.rows = files.reduce((n, file) => n + file.rows, 0);
  const outcomes: TableFileOutcome[] = await mapAll(files, 4, async (file): Promise<TableFileOutcome> => {
    const record = { ...file, size: file.body.length, runId };
    try {
      const written = await putTableFile(store, file);
      report.written.push(file.key);
      return { ...record, versionId: written.versionId };
    } catch (error) {
      report.pending.push(file.key);
      report.errors.push(`${file.key}: ${messageOf(error)}`);
      return { ...record, body: file.body, error: messageOf(error) };
    }
  });
  try {
    await recordTableFiles(warehouse.db, outcomes);
  } catch (error) {
    // The files the lake took are there, uncatalogued (verify checks them by their content); the refused ones are
    // not kept anywhere: `tables rebuild` makes their rows from the JSON objects.
    report.errors.push(
      `tables: the run's table files could not be recorded (${report.pending.length} refused by the lake are not ` +
        `kept; run \`marketlake tables rebuild\`): ${messageOf(error)}`,
    );
    report.pending = [];
  }
  return report;
}

/**
 * `lake retry` for table files: puts every pending one, marking each written or failed again. A pending file whose
 * objects already have rows in the lake's table (a `tables rebuild` ran while it waited) is dropped instead, so
 * that no row is there twice; `dropped` names them.
 */
export async function drainPendingTableFiles(
  store: ObjectStore,
  warehouse: Warehouse,
): Promise<{ written: string[]; dropped: string[]; failed: { key: string; error: string }[] }> {
  const written: string[] = [];
  const dropped: string[] = [];
  const failed: { key: string; error: string }[] = [];
  const pending = await listPendingTableFiles(warehouse.db);
  if (pending.length === 0) return { written, dropped, failed };
  let coverage: Awaited<ReturnType<typeof coverageOfTables>>;
  try {
    coverage = await coverageOfTables(
      store,
      pending.map((file) => file.table as TableName),
    );
  } catch (error) {
    // The lake cannot say what its tables hold (it does not answer): every file stays pending, with the reason.
    for (const file of pending) {
      failed.push({ key: file.key, error: messageOf(error) });
      await markTableFileFailed(warehouse.db, file.key, messageOf(error));
    }
    return { written, dropped, failed };
  }
  try {
    for (const file of pending) {
      try {
        const table = file.table as TableName;
        if (await coverage.overlaps(table, file.body)) {
          await dropPendingTableFile(warehouse.db, file.key);
          dropped.push(file.key);
          continue;
        }
        const result = await putTableFile(store, {
          key: file.key,
          table,
          partition: file.partition,
          rows: file.rows,
          body: file.body,
          sha256: file.sha256,
          tags: file.tags,
          metadata: file.metadata,
        });
        await markTableFileWritten(warehouse.db, file.key, result.versionId);
        written.push(file.key);
      } catch (error) {
        failed.push({ key: file.key, error: messageOf(error) });
        await markTableFileFailed(warehouse.db, file.key, messageOf(error));
      }
    }
  } finally {
    await coverage.close();
  }
  return { written, dropped, failed };
}
