/**
 * `lake_table_files` (migration 0007): the catalog of the lake's Parquet table files, and their outbox. A run
 * puts its files, then records them in one statement (`recordTableFiles`): the ones the lake took as catalogued,
 * the ones it refused with their bytes and the error, pending for `lake retry`, which marks each written
 * (dropping the bytes) or failed again.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface TableFileRecord {
  key: string;
  table: string;
  /** `YYYY-MM-DD` */
  partition: string;
  rows: number;
  sha256: string;
  size: number;
  tags: Record<string, string>;
  metadata: Record<string, string>;
  runId: string | null;
}

export interface PendingTableFile extends TableFileRecord {
  body: Uint8Array;
  attempts: number;
}

export interface CatalogedTableFile extends TableFileRecord {
  versionId: string | null;
  writtenAt: Date | null;
}

/** A file to record: written (the lake's version id), or refused (its bytes and the error, pending). */
export type TableFileOutcome = TableFileRecord & ({ versionId: string } | { body: Uint8Array; error: string });

/**
 * One statement for all of them: a written file as catalogued, a refused one as pending with its bytes. A key
 * recorded before (the same bytes: keys are content-named) is left as it is.
 */
export async function recordTableFiles(db: Kysely<Database>, files: readonly TableFileOutcome[]): Promise<void> {
  if (files.length === 0) return;
  const now = new Date();
  await db
    .insertInto('lake_table_files')
    .values(
      files.map((file) => ({
        key: file.key,
        table_name: file.table,
        partition_date: file.partition,
        rows: file.rows,
        sha256: file.sha256,
        size: file.size,
        tags: JSON.stringify(file.tags),
        metadata: JSON.stringify(file.metadata),
        run_id: file.runId,
        ...('versionId' in file
          ? { version_id: file.versionId, written_at: now, body: null }
          : { body: file.body, attempts: 1, last_error: file.error }),
      })),
    )
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute();
}

export async function markTableFileWritten(db: Kysely<Database>, key: string, versionId: string): Promise<void> {
  await db
    .updateTable('lake_table_files')
    .set({ version_id: versionId, written_at: new Date(), body: null, last_error: null })
    .where('key', '=', key)
    .where('written_at', 'is', null)
    .execute();
}

export async function markTableFileFailed(db: Kysely<Database>, key: string, error: string): Promise<void> {
  await db
    .updateTable('lake_table_files')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error }))
    .where('key', '=', key)
    .where('written_at', 'is', null)
    .execute();
}

export async function listPendingTableFiles(db: Kysely<Database>): Promise<PendingTableFile[]> {
  const rows = await db
    .selectFrom('lake_table_files')
    .selectAll()
    .where('written_at', 'is', null)
    .orderBy('created_at')
    .orderBy('key')
    .execute();
  return rows.map((row) => ({ ...recordOf(row), body: row.body ?? new Uint8Array(), attempts: row.attempts }));
}

export async function countPendingTableFiles(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('lake_table_files')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('written_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listCatalogedTableFiles(db: Kysely<Database>): Promise<CatalogedTableFile[]> {
  const rows = await db
    .selectFrom('lake_table_files')
    .select([
      'key',
      'table_name',
      'partition_date',
      'rows',
      'sha256',
      'size',
      'tags',
      'metadata',
      'run_id',
      'version_id',
      'written_at',
    ])
    .orderBy('key')
    .execute();
  return rows.map((row) => ({ ...recordOf(row), versionId: row.version_id, writtenAt: row.written_at }));
}

function recordOf(row: {
  key: string;
  table_name: string;
  partition_date: string;
  rows: number;
  sha256: string;
  size: number | string;
  tags: Record<string, string>;
  metadata: Record<string, string>;
  run_id: string | null;
}): TableFileRecord {
  return {
    key: row.key,
    table: row.table_name,
    partition: row.partition_date,
    rows: row.rows,
    sha256: row.sha256,
    size: Number(row.size),
    tags: row.tags,
    metadata: row.metadata,
    runId: row.run_id,
  };
}

/** Forgets a pending file that will never be written (a rebuild wrote rows of the same objects meanwhile). */
export async function dropPendingTableFile(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('lake_table_files').where('key', '=', key).where('written_at', 'is', null).execute();
}
