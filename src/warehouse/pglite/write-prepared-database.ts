/**
 * Makes the prepared database (`prepared-database.ts`): a new PGlite data directory with the migrations applied,
 * closed cleanly (so opening a copy needs no recovery), then archived. Run by `npm run build` through
 * `build-prepared-database.ts`, and by tests with an archive of their own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { packDirectory } from './directory-archive.js';
import { pgliteOptions } from './pglite-options.js';
import { migrateThrough, migrateToLatest } from '../migrations/index.js';

export interface PreparedDatabaseOptions {
  /** Apply the migrations up to this one only (tests: an archive made before later migrations existed). */
  through?: string;
}

/** Writes the archive to `file` (replacing it in one step); returns the migrations it holds. */
export async function writePreparedDatabase(file: string, options: PreparedDatabaseOptions = {}): Promise<string[]> {
  const workspace = mkdtempSync(join(tmpdir(), 'marketlake-prepared-'));
  try {
    const dataDir = join(workspace, 'pglite');
    const pglite = new PGlite(dataDir, pgliteOptions());
    await pglite.waitReady;
    const db = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) });
    let applied: string[];
    try {
      applied = options.through === undefined ? await migrateToLatest(db) : await migrateThrough(db, options.through);
    } finally {
      await db.destroy(); // Closes PGlite, which writes a shutdown checkpoint.
    }
    const partial = `${file}.${randomBytes(6).toString('hex')}.partial`;
    try {
      writeFileSync(partial, packDirectory(dataDir));
      renameSync(partial, file);
    } catch (error) {
      rmSync(partial, { force: true });
      throw error;
    }
    return applied;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
