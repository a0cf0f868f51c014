import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { ObjectStore } from '../storage/object-store.js';

/**
 * The local copy of a lake's table files (local-copy.ts), under the home: one folder per lake (named by the
 * store's address), so two lakes used from one home never mix their files.
 */
export function tablesCacheDir(config: Config, store: ObjectStore): string {
  const lake = createHash('sha256').update(store.description).digest('hex').slice(0, 16);
  return join(config.home, 'cache', 'tables', lake);
}
