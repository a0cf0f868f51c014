/**
 * `verify` over the lake's table files (`tables/`, src/tables): each file is read and checked on its own, and
 * against `lake_table_files` (the catalog of what runs wrote; files `tables rebuild` wrote are not in it and are
 * checked by their content alone).
 *
 * - the key is a table file key, and the body's sha256 is its metadata's `content_sha256` and what the key names;
 * - the body is Parquet with the table's columns (schema.ts) and the number of rows its metadata says;
 * - every catalogued file the lake should hold (written, not pending) is there, with the catalogued sha256.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { duckdb } from '../tables/duckdb-api.js';
import { fetchObject } from '../lake-scan/fetch.js';
import { listAllObjects } from '../storage/listing.js';
import type { ObjectStore } from '../storage/object-store.js';
import { TABLES_PREFIX, tableFileKeyOrUndefined } from '../tables/keys.js';
import { tableSchema } from '../tables/schema.js';
import type { Database } from '../warehouse/schema.js';
import { listCatalogedTableFiles } from '../warehouse/table-files.js';
import type { Findings } from './report.js';

const KIND = 'table';

/** Checks every table file; returns how many were read. */
export async function verifyTableFiles(store: ObjectStore, db: Kysely<Database>, findings: Findings): Promise<number> {
  const catalog = new Map((await listCatalogedTableFiles(db)).map((file) => [file.key, file]));
  const listed = new Set<string>();
  const folder = await mkdtemp(join(tmpdir(), 'marketlake-verify-tables-'));
  const instance = await duckdb.DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  let checked = 0;
  try {
    for await (const object of listAllObjects(store, TABLES_PREFIX)) {
      listed.add(object.key);
      if (object.damage !== undefined) {
        findings.mismatch({ key: object.key, kind: KIND, problem: 'read-error', actual: object.damage });
        continue;
      }
      const parsed = tableFileKeyOrUndefined(object.key);
      if (parsed === undefined) {
        findings.uncatalogued.push({ key: object.key, kind: 'unknown', size: object.size });
        continue;
      }
      const fetched = await fetchObject(store, object.key);
      checked++;
      if (fetched.status !== 'ok') {
        const actual = fetched.status === 'missing' ? 'not found (it was listed a moment before)' : fetched.error;
        findings.mismatch({ key: object.key, kind: KIND, problem: 'read-error', actual });
        continue;
      }
      const recorded = fetched.head.metadata.content_sha256;
      if (recorded !== fetched.sha256 || !fetched.sha256.startsWith(parsed.name)) {
        findings.mismatch({
          key: object.key,
          kind: KIND,
          problem: recorded === undefined ? 'content-sha256-missing' : 'content-sha256',
          expected: recorded ?? null,
          actual: fetched.sha256,
        });
        continue;
      }
      const cataloged = catalog.get(object.key);
      if (cataloged !== undefined && cataloged.sha256 !== fetched.sha256) {
        findings.mismatch({
          key: object.key,
          kind: KIND,
          problem: 'catalog',
          field: 'sha256',
          expected: cataloged.sha256,
          actual: fetched.sha256,
        });
      }
      const file = join(folder, `${parsed.name}.parquet`);
      await writeFile(file, fetched.body);
      const problem = await parquetProblem(connection, file, parsed.table, fetched.head.metadata.rows);
      if (problem !== undefined)
        findings.mismatch({ key: object.key, kind: KIND, problem: 'unparseable', actual: problem });
      await rm(file, { force: true });
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(folder, { recursive: true, force: true });
  }
  for (const file of catalog.values()) {
    if (file.writtenAt !== null && !listed.has(file.key)) {
      findings.missing.push({ key: file.key, kind: KIND, version_id: file.versionId, problem: 'no-object' });
    }
  }
  return checked;
}

/** Why the file is not the table's Parquet with `rows` rows, or undefined when it is (exported for its tests). */
export async function parquetProblem(
  connection: Awaited<ReturnType<InstanceType<typeof duckdb.DuckDBInstance>['connect']>>,
  file: string,
  table: Parameters<typeof tableSchema>[0],
  rows: string | undefined,
): Promise<string | undefined> {
  try {
    const path = `'${file.replaceAll("'", "''")}'`;
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${path})`);
    const columns = described.getRows().map((row) => String(row[0]));
    const schema = tableSchema(table).columns;
    const expected = schema.map((column) => column.name);
    // A file written before a column was added has the columns that came before it.
    const older = schema.filter((column) => !column.addedLater).map((column) => column.name);
    if (columns.join(',') !== expected.join(',') && columns.join(',') !== older.join(',')) {
      return `columns ${columns.join(', ')}; the ${table} table has ${expected.join(', ')}`;
    }
    const counted = await connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${path})`);
    const count = String(counted.getRows()[0][0]);
    if (count !== rows) return `${count} rows; its metadata says ${rows ?? 'nothing'}`;
    return undefined;
  } catch (error) {
    return `not a readable Parquet file: ${(error as Error).message}`;
  }
}
