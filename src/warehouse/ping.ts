import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/** One round trip: whether the database answers (the API's /readyz). */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
