import type { Config } from './config.js';
import { DataLake } from './lake/data-lake.js';
import { FsObjectStore } from './storage/fs/fs-object-store.js';
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
}

/**
 * Opens the database first: when PostgreSQL is unreachable the command fails with a clear error before it
 * touches the lake.
 */
export async function openRuntime(config: Config, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const warehouse = await openWarehouse({ home: config.home, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) });
  try {
    const store = overrides.store ?? (await openObjectStore(config, overrides.tolerateUnreachableLake ?? false));
    const lake = new DataLake(store, new WarehouseLakeCatalog(warehouse.repository));
    return { config, store, lake, warehouse, close: () => warehouse.close() };
  } catch (error) {
    await warehouse.close();
    throw error;
  }
}

export async function openObjectStore(config: Config, tolerateUnreachable = false): Promise<ObjectStore> {
  if (config.lake.kind === 'file') return FsObjectStore.open(config.lake.path);
  // The AWS SDK costs about 200 ms to load: only S3 lakes pay for it.
  const [{ S3ObjectStore }, { s3ErrorFacts }] = await Promise.all([
    import('./storage/s3/s3-object-store.js'),
    import('./storage/s3/s3-errors.js'),
  ]);
  const { bucket, prefix, endpoint } = config.lake;
  const options = { bucket, prefix, ...(endpoint ? { endpoint } : {}) };
  try {
    return await S3ObjectStore.open(options);
  } catch (error) {
    // No HTTP status at all: the server did not answer (refused, timed out, unresolvable).
    const unreachable = s3ErrorFacts((error as Error).cause).status === undefined;
    if (!tolerateUnreachable || !unreachable) throw error;
    process.stderr.write(`marketlake: warning: ${(error as Error).message}; lake writes wait in the outbox (marketlake lake retry)\n`);
    return new S3ObjectStore(options);
  }
}
