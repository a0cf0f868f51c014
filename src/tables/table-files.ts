/**
 * Table rows to table files in the lake: grouped by their partition value, each group rendered to Parquet
 * (parquet-file.ts) and put create-only under its content-named key (keys.ts), with the tags and metadata every
 * lake object carries. A key that already holds the same bytes (sha256 in its metadata) is the same file written
 * before, returned as such: a retry or a second rebuild writes nothing.
 */
import { sha256Hex } from '../lake/formats/render.js';
import { checkMetadata, checkTags } from '../lake/limits.js';
import { ObjectExistsError } from '../storage/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { PRODUCER } from '../version.js';
import { TABLE_FILE_CONTENT_TYPE, tableFileKey } from './keys.js';
import { ParquetRenderer } from './parquet-file.js';
import type { RowBatchContent, TableRow } from './rows.js';
import { TABLE_NAMES, type TableName, tableSchema } from './schema.js';

/** The schema version of the files' columns, in their metadata: a reader can tell which layout a file has. */
export const TABLE_FILE_SCHEMA = (table: TableName) => `marketlake.table.${table}/1`;

/** One table file, rendered and ready to put. */
export interface RenderedTableFile {
  key: string;
  table: TableName;
  partition: string;
  rows: number;
  body: Uint8Array;
  sha256: string;
  tags: Record<string, string>;
  metadata: Record<string, string>;
}

export interface WrittenTableFile {
  key: string;
  versionId: string;
  sha256: string;
  size: number;
  rows: number;
  /** False when the same file was there already. */
  created: boolean;
}

/** The rows of one table grouped by partition value, each group ordered as given. */
export function partitionRows(table: TableName, rows: readonly TableRow[]): Map<string, TableRow[]> {
  const column = tableSchema(table).partition.name;
  const groups = new Map<string, TableRow[]>();
  for (const row of rows) {
    const value = row[column];
    if (typeof value !== 'string') throw new Error(`a ${table} row has no ${column}: ${JSON.stringify(row)}`);
    let group = groups.get(value);
    if (group === undefined) groups.set(value, (group = []));
    group.push(row);
  }
  return groups;
}

/** Some rows of one table and partition, made now or when the file is written (to hold less meanwhile). */
export interface RowBatch {
  table: TableName;
  partition: string;
  /** The lake object they come from: a file's batches are in this order, so the same objects make the same file. */
  source: string;
  rows: readonly TableRow[] | (() => RowBatchContent);
}

/** The rows one lake object makes in `table`, as batches: one a partition they fall in. */
export function rowBatches(table: TableName, source: string, rows: readonly TableRow[]): RowBatch[] {
  return [...partitionRows(table, rows)].map(([partition, group]) => ({ table, partition, source, rows: group }));
}

/**
 * The files of `batches`: one a table and partition, in that order, each with its batches in source order (a
 * source's batch keeps its rows' order). A batch is made only when its file is rendered; a file of no row is not
 * made.
 */
export async function renderBatchFiles(
  batches: readonly RowBatch[],
  runId: string | null,
  /** Opens a renderer to make them with (left open), if there is a file to make; by default one of their own. */
  shared?: () => Promise<ParquetRenderer>,
): Promise<RenderedTableFile[]> {
  const groups = new Map<TableName, Map<string, RowBatch[]>>();
  for (const batch of batches) {
    if (Array.isArray(batch.rows) && batch.rows.length === 0) continue;
    const partitions = groups.get(batch.table) ?? new Map<string, RowBatch[]>();
    groups.set(batch.table, partitions);
    const group = partitions.get(batch.partition) ?? [];
    partitions.set(batch.partition, group);
    group.push(batch);
  }
  if (groups.size === 0) return [];
  const renderer = await (shared ?? ParquetRenderer.open)();
  try {
    const files: RenderedTableFile[] = [];
    for (const table of TABLE_NAMES) {
      const partitions = groups.get(table);
      if (partitions === undefined) continue;
      for (const partition of [...partitions.keys()].sort(compareText)) {
        const group = partitions.get(partition)!.sort((a, b) => compareText(a.source, b.source));
        const file = await renderTableFile(renderer, table, partition, group.map(madeBy), runId);
        if (file.rows > 0) files.push(file);
      }
    }
    return files;
  } finally {
    if (shared === undefined) await renderer.close();
  }
}

/** A batch's rows, made when called. */
export function madeBy(batch: RowBatch): () => RowBatchContent {
  const rows = batch.rows;
  return typeof rows === 'function' ? rows : () => rows;
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One file of one partition, its rows made batch by batch (see ParquetRenderer.renderBatches). */
export async function renderTableFile(
  renderer: ParquetRenderer,
  table: TableName,
  partition: string,
  batches: readonly (() => RowBatchContent)[],
  runId: string | null,
): Promise<RenderedTableFile> {
  let rows = 0;
  const counted = batches.map((batch) => () => {
    const made = batch();
    rows += made.length;
    return made;
  });
  const body = await renderer.renderBatches(table, counted);
  return tableFile(table, partition, rows, body, runId);
}

/** A file's bytes as the lake takes them: its content-named key, tags and metadata. */
export function tableFile(
  table: TableName,
  partition: string,
  rows: number,
  body: Uint8Array,
  runId: string | null,
): RenderedTableFile {
  const sha256 = sha256Hex(body);
  const key = tableFileKey(table, partition, sha256);
  const tags = { source: 'tables', table, partition };
  const metadata: Record<string, string> = {
    schema: TABLE_FILE_SCHEMA(table),
    table,
    partition: `${tableSchema(table).partition.name}=${partition}`,
    rows: String(rows),
    data_classification: 'derived-data',
    content_sha256: sha256,
    producer: PRODUCER,
    ...(runId === null ? {} : { run_id: runId }),
  };
  checkTags(key, tags);
  checkMetadata(key, metadata);
  return { key, table, partition, rows, body, sha256, tags, metadata };
}

/** Puts one rendered file create-only; the same bytes already under its key count as written before. */
export async function putTableFile(store: ObjectStore, file: RenderedTableFile): Promise<WrittenTableFile> {
  const written = { key: file.key, sha256: file.sha256, size: file.body.length, rows: file.rows };
  try {
    const result = await store.put({
      key: file.key,
      body: file.body,
      contentType: TABLE_FILE_CONTENT_TYPE,
      tags: file.tags,
      metadata: file.metadata,
    });
    return { ...written, versionId: result.versionId, created: true };
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
    const existing = await store.head(file.key);
    // The key names the first 16 hex digits of the content: another body there is a collision or a foreign file.
    if (existing.metadata.content_sha256 !== file.sha256) throw error;
    return { ...written, versionId: existing.versionId, created: false };
  }
}
