import type { Config } from './config.js';
import { DataLake } from './lake/data-lake.js';
import { FsObjectStore } from './storage/fs/fs-object-store.js';
import type { ObjectStore } from './storage/object-store.js';
import { openWarehouse, type Warehouse } from './warehouse/database.js';
import { WarehouseLakeCatalog } from './warehouse/lake-catalog.js';
import { UserError } from './errors.js';

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
}

/**
 * Opens the database first: when PostgreSQL is unreachable the command fails with a clear error before it
 * touches the lake.
 */
export async function openRuntime(config: Config, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const warehouse = await openWarehouse({ home: config.home, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) });
  try {
    const store = overrides.store ?? (await openObjectStore(config));
    const lake = new DataLake(store, new WarehouseLakeCatalog(warehouse.repository));
    return { config, store, lake, warehouse, close: () => warehouse.close() };
  } catch (error) {
    await warehouse.close();
    throw error;
  }
}

export async function openObjectStore(config: Config): Promise<ObjectStore> {
  if (config.lake.kind === 'file') return FsObjectStore.open(config.lake.path);
  throw new UserError(`S3 lakes (${config.lake.bucket}) are not supported yet: use a file:// lake`);
}
