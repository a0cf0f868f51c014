/**
 * Opening the warehouse: PostgreSQL when a `postgres://` URL is configured, else embedded PGlite under the
 * marketlake home (a new home starts from the prepared database, see pglite/prepared-database.ts). Either way the
 * schema is migrated to the latest version before the warehouse is returned.
 */
import { Kysely, type Dialect } from 'kysely';
import { failAfterCleanup } from './cleanup.js';
import { acquireDataDirectoryLock, type DataDirectoryLock } from './pglite/lock.js';
import { migrateToLatest } from './migrations/index.js';
import { openPglite, pgliteDataDirectory } from './pglite/pglite.js';
import { installPreparedDatabase } from './pglite/prepared-database.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, openPostgres } from './postgres/postgres.js';
import type { Database } from './schema.js';

export type WarehouseKind = 'pglite' | 'postgres';

export interface WarehouseOptions {
  /** `postgres://...`; unset means PGlite under `home`. */
  databaseUrl?: string;
  /** The marketlake home (`MARKETLAKE_HOME`); PGlite keeps its data in `<home>/pglite`. */
  home: string;
  /** How long to wait for a PostgreSQL connection before failing; default 5 s. */
  connectTimeoutMs?: number;
}

export interface Warehouse {
  readonly db: Kysely<Database>;
  readonly kind: WarehouseKind;
  /** Where the data lives, safe to print: the PGlite directory, or `user@host:port/database`. */
  readonly location: string;
  /** Closes the connections (and releases the home lock for PGlite). Safe to call more than once. */
  close(): Promise<void>;
}

export async function openWarehouse(options: WarehouseOptions): Promise<Warehouse> {
  const url = options.databaseUrl?.trim();
  if (url !== undefined && url !== '') {
    const backend = await openPostgres(url, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    return migrateAndWrap('postgres', backend.target, backend.dialect, undefined);
  }
  // The lock comes first: PGlite itself would happily open a directory another process is writing.
  const lock = acquireDataDirectoryLock(options.home);
  let dialect: Dialect;
  try {
    installPreparedDatabase(pgliteDataDirectory(lock.home));
    dialect = await openPglite(lock.home);
  } catch (error) {
    return failAfterCleanup(error, [() => lock.release()]);
  }
  return migrateAndWrap('pglite', pgliteDataDirectory(lock.home), dialect, lock);
}

async function migrateAndWrap(
  kind: WarehouseKind,
  location: string,
  dialect: Dialect,
  lock: DataDirectoryLock | undefined,
): Promise<Warehouse> {
  const db = new Kysely<Database>({ dialect });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Nothing more is written through this process once destroy() returned or failed: release either way.
      const release = (): void => lock?.release();
      try {
        await db.destroy();
      } catch (error) {
        return failAfterCleanup(error, [release]);
      }
      release();
    })();
    return closing;
  };
  try {
    await migrateToLatest(db);
  } catch (error) {
    return failAfterCleanup(error, [close]);
  }
  return { db, kind, location, close };
}
