/**
 * One confined DuckDB session over the lake's tables, as `marketlake sql` and the API's `POST /v1/sql` run it: the
 * lake's table files that the query names are brought up to date in the local copy (fetched when new or changed,
 * reused otherwise), then a session opens that may read that copy only (duckdb-session.ts), with every view.
 */
import { mkdir } from 'node:fs/promises';
import type { ObjectStore } from '../storage/object-store.js';
import { type LocalTables, syncLocalTables } from '../tables/local-copy.js';
import { openSqlSession, type SqlSession } from './duckdb-session.js';
import { lakeSessionViews, tablesNamedIn } from './lake-views.js';

/** What one query may use of the machine (DuckDB memory, and spill to its temp folder). */
const SESSION_MEMORY_LIMIT = '2GB';
const SESSION_SPILL_LIMIT = '8GB';

export interface LakeSessionOptions {
  store: ObjectStore;
  /** The local copy's folder (src/tables/cache-dir.ts). */
  cacheRoot: string;
  /** The query to come: only the tables it names are copied. */
  query: string;
  timeLimitMs: number;
  maxRows: number;
  /** Files the session's `writeParquet` may write (see SqlSessionOptions.outputFiles). */
  outputFiles?: readonly string[];
}

export interface LakeSession {
  session: SqlSession;
  /** What the copy did: fetched and reused files, and the objects under `tables/` it left out, with why. */
  local: LocalTables;
}

/** Brings the copy up to date, then opens the session; the caller closes `session`. */
export async function openLakeSession(options: LakeSessionOptions): Promise<LakeSession> {
  await mkdir(options.cacheRoot, { recursive: true });
  const local = await syncLocalTables(options.store, options.cacheRoot, tablesNamedIn(options.query));
  const session = await openSqlSession({
    readableDirectories: [local.root],
    views: lakeSessionViews(local),
    timeLimitMs: options.timeLimitMs,
    maxRows: options.maxRows,
    // A query cannot take the machine: DuckDB's own defaults are 80 % of the memory and 90 % of the free disk.
    memoryLimit: SESSION_MEMORY_LIMIT,
    maxTempDirectorySize: SESSION_SPILL_LIMIT,
    ...(options.outputFiles === undefined ? {} : { outputFiles: options.outputFiles }),
  });
  return { session, local };
}
