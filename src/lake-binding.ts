import type { Kysely } from 'kysely';
import { UserError } from './errors.js';
import { establishLakeIdentity, LAKE_MARKER_KEY, readLakeIdentity, type LakeIdentity } from './lake/identity.js';
import { ObjectNotFoundError } from './storage/errors.js';
import type { ObjectStore } from './storage/object-store.js';
import {
  catalogueSampleKeys,
  getRecordedLake,
  recordLake,
  updateRecordedLocation,
  type RecordedLake,
} from './warehouse/lake-identity.js';
import type { Database } from './warehouse/schema.js';

/**
 * A database belongs to one lake. The lake's identity is its marker object (src/lake/identity.ts); the database
 * records the id of the lake it was first used with (`lake_identity`). Every command checks the two against
 * each other when it opens the runtime, before it writes anything to either:
 *
 * - the database records a lake: the lake opened must carry that id, else LakeMismatchError naming both;
 * - the database records none yet (a new database, or one from before lake identities): a writing command
 *   gives the lake its identity if it has none (create-only; a concurrent first opener that loses reads the
 *   winner's) and records it. A database that already catalogues objects adopts a lake only if the lake holds
 *   the newest or the oldest of them: an empty folder from a mistyped `--lake` holds neither;
 * - read-only commands (`readOnly`) check but never write: not the marker, not the record. So they work on a
 *   lake they may not write to; an unmarked lake stays unmarked until a writing command runs.
 * - an S3 lake that does not answer at all (run and lake retry go on, their writes wait in the outbox): its id
 *   cannot be read, so its location must be the recorded one. The id is checked at the next open that reaches it.
 */
export class LakeMismatchError extends UserError {
  override readonly name = 'LakeMismatchError';
}

export interface LakeBindingInput {
  store: ObjectStore;
  db: Kysely<Database>;
  /** The lake as configured, credentials removed: recorded, and named in messages. */
  location: string;
  /** The database, safe to print. */
  databaseLocation: string;
  /** Read-only commands check, and write neither the marker nor the record. */
  readOnly: boolean;
  /** False when the lake did not answer when it was opened (tolerated only by run and lake retry). */
  lakeAnswered: boolean;
}

/** Checks (and on first use records) which lake the database belongs to; the lake's identity when it is known. */
export async function bindLakeToDatabase(input: LakeBindingInput): Promise<LakeIdentity | undefined> {
  const { store, db, location, databaseLocation, readOnly } = input;
  const recorded = await getRecordedLake(db);
  const belongs = (record: RecordedLake): string =>
    `database ${databaseLocation} belongs to lake ${record.lakeId} (${record.location})`;
  const goElsewhere = 'point --lake at that lake, or use another database (--database, --home)';

  if (!input.lakeAnswered) {
    if (recorded !== undefined && recorded.location !== location) {
      throw new LakeMismatchError(
        `${belongs(recorded)}, but ${location} does not answer, so it cannot be shown to be that lake; ${goElsewhere}`,
      );
    }
    return undefined;
  }

  if (recorded !== undefined) {
    // The latest version agreeing is proof enough; anything else is decided on the first version (see identity.ts).
    let found = await readLakeIdentity(store);
    if (found?.lakeId !== recorded.lakeId) found = await readLakeIdentity(store, { oldest: true });
    if (found === undefined) {
      throw new LakeMismatchError(
        `${belongs(recorded)}, but ${location} has no lake identity (${LAKE_MARKER_KEY}): it is another or an empty lake; ${goElsewhere}`,
      );
    }
    if (found.lakeId !== recorded.lakeId) {
      throw new LakeMismatchError(`${belongs(recorded)}, but ${location} is lake ${found.lakeId}; ${goElsewhere}`);
    }
    if (!readOnly && recorded.location !== location) await updateRecordedLocation(db, recorded.lakeId, location);
    return found;
  }

  await checkLakeHoldsCatalogue(input);
  if (readOnly) return readLakeIdentity(store);
  const identity = await establishLakeIdentity(store);
  const nowRecorded = await recordLake(db, identity, location);
  if (nowRecorded.lakeId !== identity.lakeId) {
    // Another process recorded its lake between our read and our insert.
    throw new LakeMismatchError(`${belongs(nowRecorded)}, but ${location} is lake ${identity.lakeId}; ${goElsewhere}`);
  }
  return identity;
}

/** A database with no lake recorded but with catalogued objects was used with the lake that holds them. */
async function checkLakeHoldsCatalogue(input: LakeBindingInput): Promise<void> {
  const keys = await catalogueSampleKeys(input.db);
  if (keys.length === 0) return;
  for (const key of keys) {
    try {
      await input.store.head(key);
      return;
    } catch (error) {
      if (!(error instanceof ObjectNotFoundError)) throw error;
    }
  }
  throw new LakeMismatchError(
    `database ${input.databaseLocation} catalogues objects that ${input.location} does not hold (${keys.join(', ')}): ` +
      'it was used with another lake; point --lake at that lake, or use another database (--database, --home)',
  );
}
