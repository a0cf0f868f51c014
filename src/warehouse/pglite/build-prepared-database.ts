/**
 * `npm run build` runs this (from `dist/`) after tsc: it writes the prepared database next to the compiled
 * module that installs it, from the migrations of the same build.
 */
import { PREPARED_DATABASE_FILE } from './prepared-database.js';
import { writePreparedDatabase } from './write-prepared-database.js';

const applied = await writePreparedDatabase(PREPARED_DATABASE_FILE);
process.stdout.write(`prepared database ${PREPARED_DATABASE_FILE}: migrations ${applied.join(', ')}\n`);
