/**
 * The prepared database: an empty PGlite data directory with every migration applied, made by `npm run build`
 * (`write-prepared-database.ts`) and shipped in `dist/`. A new home starts from a copy of it instead of having
 * PGlite create a database, which costs seconds (initdb runs in a second WebAssembly instance) and leaves that
 * instance's memory to the rest of the process: about 5 s and 0.4 GiB of peak RSS on the first command.
 *
 * Made at build time rather than checked in, so that it always comes from the migrations and the PGlite of the
 * same build. Migrations added later still apply as usual when the warehouse opens, so an archive that lacks
 * some is slower, never wrong. Running from the sources (tsx) there is no archive, and PGlite creates the
 * database itself as it always did (unless `MARKETLAKE_PREPARED_DATABASE` names one, as the tests do).
 *
 * Every home from this archive has the same PostgreSQL system identifier; marketlake does not use it (the lake
 * binding records the lake's own identity on first use).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpackArchive } from './directory-archive.js';

/** Next to this module: `dist/warehouse/pglite/` in the build (absent under `src/`). */
export const PREPARED_DATABASE_FILE = fileURLToPath(new URL('./prepared-database.tar.gz', import.meta.url));

/**
 * Names another archive for new homes. The test suite runs from the sources, which ship none: it makes one
 * archive for the whole run (test/support/global-setup.ts) rather than have PGlite create each test's database
 * (about 3 s each, hundreds of times). A packager can point it at an archive kept elsewhere.
 */
export const PREPARED_DATABASE_ENV = 'MARKETLAKE_PREPARED_DATABASE';

/** The archive a new home starts from: `MARKETLAKE_PREPARED_DATABASE` when set, else the one next to this module. */
export function preparedDatabaseFile(env: NodeJS.ProcessEnv = process.env): string {
  const named = env[PREPARED_DATABASE_ENV]?.trim() ?? '';
  return named === '' ? PREPARED_DATABASE_FILE : named;
}

/** Where a copy is unpacked before it is renamed into place; anything by this name is a leftover. */
const UNPACKING_PREFIX = 'pglite.unpacking-';

/**
 * Makes `dataDir` a copy of the prepared database, unless it exists already or there is no archive (then
 * PGlite creates the database when it opens). The caller holds the home's lock (`lock.ts`).
 *
 * The copy is unpacked into a sibling folder and renamed into place in one step, so a process that fails or
 * is killed meanwhile leaves no half-made database, only a leftover folder that the next call removes.
 */
export function installPreparedDatabase(dataDir: string, archiveFile: string = preparedDatabaseFile()): boolean {
  const home = dirname(dataDir);
  removeLeftovers(home);
  if (existsSync(dataDir)) return false;
  if (!existsSync(archiveFile)) {
    // Only the shipped archive may be absent (running from the sources); one named on purpose must exist.
    if (archiveFile === PREPARED_DATABASE_FILE) return false;
    throw new Error(`cannot create the database ${dataDir}: the prepared database ${archiveFile} does not exist`);
  }
  const archive = readFileSync(archiveFile);
  const unpacking = join(home, `${UNPACKING_PREFIX}${randomBytes(6).toString('hex')}`);
  mkdirSync(unpacking, { mode: 0o755 });
  try {
    unpackArchive(archive, unpacking);
    renameSync(unpacking, dataDir);
  } catch (error) {
    rmSync(unpacking, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot create the database ${dataDir} from ${archiveFile}: ${reason}`, { cause: error });
  }
  return true;
}

/** Folders left by a process that died while unpacking; with the lock held, no other process is unpacking. */
function removeLeftovers(home: string): void {
  for (const name of readdirSync(home)) {
    if (name.startsWith(UNPACKING_PREFIX)) rmSync(join(home, name), { recursive: true, force: true });
  }
}
