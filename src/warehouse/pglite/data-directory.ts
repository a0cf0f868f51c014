import { join } from 'node:path';

/** Where PGlite keeps a home's database; apart from pglite.ts, so that asking costs no PGlite load. */
export function pgliteDataDirectory(home: string): string {
  return join(home, 'pglite');
}
