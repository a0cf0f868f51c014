/**
 * Vitest's global setup: one prepared database for the whole test run. The tests run from the sources, which ship
 * no archive (`npm run build` makes it for `dist/`), so without one every new home would have PGlite create its
 * database: about 3 s each, for hundreds of homes. Made here from the same migrations and PGlite the build uses, and
 * named by `MARKETLAKE_PREPARED_DATABASE`, which the test processes (and the CLIs they start) inherit.
 * `src/warehouse/pglite/prepared-database.test.ts` still compares an archive with a database PGlite made itself.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PREPARED_DATABASE_ENV } from '../../src/warehouse/pglite/prepared-database.js';
import { writePreparedDatabase } from '../../src/warehouse/pglite/write-prepared-database.js';

export default async function setup(): Promise<() => void> {
  const folder = mkdtempSync(join(tmpdir(), 'marketlake-test-prepared-'));
  // mkdtemp makes the folder 0700: the suites that run the CLI as `nobody` (real permission errors) must read it.
  chmodSync(folder, 0o755);
  const archive = join(folder, 'prepared-database.tar.gz');
  await writePreparedDatabase(archive);
  chmodSync(archive, 0o644);
  process.env[PREPARED_DATABASE_ENV] = archive;
  return () => rmSync(folder, { recursive: true, force: true });
}
