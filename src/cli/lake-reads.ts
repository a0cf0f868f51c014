import { type ConfigFlags, resolveConfig } from '../config.js';
import { type LakeReader, readLake } from '../lake-scan/lake-reader.js';
import { READ_ONLY, withRuntime } from './runtime-options.js';

export { LAKE_READS_VARIABLE, type LakeReader } from '../lake-scan/lake-reader.js';

/**
 * `get`, `versions`, `ls` and `lineage`: on an embedded home they answer from its own lake folder without opening
 * PGlite (src/lake-scan/lake-reader.ts), so they work while a run holds the home; anywhere else, or where the
 * listing is not conclusive, the database is opened for the one command (and created, for a home that has none yet).
 */
export async function withLakeReader<T>(flags: ConfigFlags, work: (reader: LakeReader) => Promise<T>): Promise<T> {
  return readLake(resolveConfig(flags), process.env, (read) => withRuntime(flags, read, READ_ONLY), work);
}
