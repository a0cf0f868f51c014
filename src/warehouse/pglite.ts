/**
 * The embedded backend: PGlite with its data directory at `<home>/pglite`, reached through kysely-pglite-dialect.
 * The caller must hold the home directory's lock (`lock.ts`) before calling this.
 */
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { PG_OID, parseDate, parseInt8 } from './type-parsers.js';

export function pgliteDataDirectory(home: string): string {
  return join(home, 'pglite');
}

export async function openPglite(home: string): Promise<PGliteDialect> {
  const pglite = new PGlite(pgliteDataDirectory(home), {
    parsers: { [PG_OID.DATE]: parseDate, [PG_OID.INT8]: parseInt8 },
  });
  await pglite.waitReady;
  return new PGliteDialect(pglite);
}
