import { describeLake, type Config } from './config.js';
import { DataLake } from './lake/data-lake.js';
import { bindLakeToDatabase } from './lake-binding.js';
import { FsObjectStore } from './storage/fs/fs-object-store.js';
import { openS3Store, warnUnanswered } from './storage/open-store.js';
import type { ObjectStore } from './storage/object-store.js';
import { openWarehouse, type Warehouse } from './warehouse/database.js';
import { WarehouseLakeCatalog } from './warehouse/lake-catalog.js';

/** The lake, the database and the store behind them, opened from one configuration and closed together. */
export interface Runtime {
  config: Config;
  store: ObjectStore;
  lake: DataLake;
  warehouse: Warehouse;
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  /** Replaces the configured store (tests inject faults this way). */
  store?: ObjectStore;
  /**
   * For commands that write through the outbox (run, lake retry): an S3 lake that does not answer at all is not
   * fatal, since its writes wait in the outbox. A lake that answers with a configuration problem (no bucket, no
   * versioning, access denied) still is.
   */
  tolerateUnreachableLake?: boolean;
  /**
   * For commands that write neither to the lake nor to the database (get, ls, verify, ...): the lake identity is
   * checked but never written (see lake-binding.ts).
   */
  readOnly?: boolean;
}

/**
 * Opens the database first: when PostgreSQL is unreachable the command fails with a clear error before it
 * touches the lake. Then the lake, checking that the database belongs to it (lake-binding.ts) before the
 * command writes anything.
 */
export async function openRuntime(config: Config, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const warehouse = await openWarehouse({
    home: config.home,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
  });
  try {
    const store = await openBoundStore(config, warehouse, overrides);
    const lake = new DataLake(
      store,
      new WarehouseLakeCatalog(warehouse.db),
      undefined,
      config.lakeCompression ?? 'none',
    );
    return { config, store, lake, warehouse, close: () => warehouse.close() };
  } catch (error) {
    await warehouse.close();
    throw error;
  }
}

/** The lake's store, once the database is known to belong to it. */
async function openBoundStore(config: Config, warehouse: Warehouse, overrides: RuntimeOverrides): Promise<ObjectStore> {
  const binding = {
    db: warehouse.db,
    location: describeLake(config.lake),
    databaseLocation: warehouse.location,
    readOnly: overrides.readOnly ?? false,
  };
  if (overrides.store !== undefined) {
    await bindLakeToDatabase({ ...binding, store: overrides.store, lakeAnswered: true });
    return overrides.store;
  }
  if (config.lake.kind === 'file') {
    // Checked through a store that has not touched the disk yet (reads need no preparation), and only then
    // opened, which creates the folder: a mistyped --lake is refused without leaving a folder behind.
    await bindLakeToDatabase({ ...binding, store: new FsObjectStore(config.lake.path), lakeAnswered: true });
    return FsObjectStore.open(config.lake.path);
  }
  const { store, unanswered } = await openS3Store(config.lake, overrides.tolerateUnreachableLake ?? false);
  await bindLakeToDatabase({ ...binding, store, lakeAnswered: unanswered === undefined });
  // Said once the command is known to go on: a refusal is the only line a refused command prints.
  if (unanswered !== undefined) warnUnanswered(unanswered);
  return store;
}

// The store alone lives in storage/open-store.ts, which loads no database driver (tables and sql use it).
export { openObjectStore } from './storage/open-store.js';
