/**
 * Where a read of the lake (get, versions, lineage, ls, and the HTTP API's reads) gets its lake from: on an
 * embedded home, the home's own lake folder with the listing as its catalog, without opening PGlite; anywhere
 * else, or where the listing is not conclusive, the database's catalog (docs/design.md "Reads from the lake
 * alone"). The CLI (src/cli/lake-reads.ts) and the API (src/api/) both read through here.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { DataLake } from '../lake/data-lake.js';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { pgliteDataDirectory } from '../warehouse/pglite/data-directory.js';
import { LakeNotConclusiveError, ListingCatalog } from './listing-catalog.js';

/** What a read of the lake works with: the store, and the lake over it with a catalog. */
export interface LakeReader {
  store: ObjectStore;
  lake: DataLake;
}

/**
 * Set to 0, the reads ask the database as they did before they answered from the lake (for comparing the two,
 * or when the lake's folder is suspected).
 */
export const LAKE_READS_VARIABLE = 'MARKETLAKE_LAKE_READS';

/** Runs a read against the database's catalog: opens the runtime for it, or lends one the caller keeps open. */
export type DatabaseReads = <T>(work: (reader: LakeReader) => Promise<T>) => Promise<T>;

/**
 * A read on an embedded home answers from its own lake folder (`<home>/lake`): the start-up of the database is
 * most of what such a read would cost, and it waits for no lock, so reads work while a run holds the home. The
 * lake's listing stands in for the catalog (listing-catalog.ts); where it is not conclusive the read asks the
 * database after all (`database`).
 *
 * Anywhere else `database` answers: PostgreSQL, an S3 lake, or a file lake other than the home's, which the
 * database's record of its lake must vouch for (src/lake-binding.ts). A home's own lake folder is its lake by
 * construction.
 */
export async function readLake<T>(
  config: Config,
  env: NodeJS.ProcessEnv,
  database: DatabaseReads,
  work: (reader: LakeReader) => Promise<T>,
): Promise<T> {
  const lakeFolder = lakeAloneAnswering(config, env);
  if (lakeFolder !== undefined) {
    // Not FsObjectStore.open: that prepares the folder for writes, and a read writes nothing.
    const store = new FsObjectStore(lakeFolder);
    try {
      return await work({ store, lake: new DataLake(store, new ListingCatalog(store)) });
    } catch (error) {
      // Not a failure: the catalog knows what the listing cannot tell, and the database answers. Nothing has
      // been answered yet (callers answer once they have their result).
      if (!(error instanceof LakeNotConclusiveError)) throw error;
    }
  }
  return database(work);
}

/** The home's own lake folder when the lake alone answers this configuration's reads, else undefined. */
export function lakeAloneAnswering(config: Config, env: NodeJS.ProcessEnv): string | undefined {
  if (env[LAKE_READS_VARIABLE] === '0' || config.databaseUrl !== undefined || config.lake.kind !== 'file') {
    return undefined;
  }
  if (config.lake.path !== resolve(config.home, 'lake')) return undefined;
  // A home without its database yet (a new one, a mistyped --home) is for the database path to create or to
  // refuse, with the messages it has always given.
  return hasDatabase(config.home) ? config.lake.path : undefined;
}

/**
 * Whether the home holds its PGlite folder. A home that cannot be looked into (a file, no permission) is not
 * refused here: the database path opens it and says what is wrong with it, as it always has.
 */
export function hasDatabase(home: string): boolean {
  try {
    return statSync(pgliteDataDirectory(home), { throwIfNoEntry: false })?.isDirectory() === true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    return false;
  }
}
