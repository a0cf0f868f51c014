/**
 * `<home>/serving.json`: the address of the `marketlake serve --schedule` that holds an embedded home (it owns the
 * database to run the daily job; src/api/served-runs.ts). A command refused by the home's lock reads it to say
 * where the server is, and `marketlake run` asks that server for the run instead (src/cli/served-home.ts).
 *
 * The record names the lock it goes with (the lock file's random token): a record left behind by a server that
 * was killed, or written under an earlier lock, matches no live holder and is ignored.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { heldLockToken, type LockHolder } from './lock.js';

export const SERVING_FILE_NAME = 'serving.json';

export interface ServingRecord {
  pid: number;
  /** The server's host: a home on a shared disk may be held from another machine, where 127.0.0.1 is not it. */
  hostname: string;
  /** Where the server answers, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The token of the home's lock the server holds. */
  lockToken: string;
}

/** Records that this process, holding `home`'s lock, serves at `url`; returns a function that removes the record. */
export function writeServingRecord(home: string, url: string): () => void {
  const lockToken = heldLockToken(home);
  if (lockToken === undefined) throw new Error(`this process does not hold the lock of ${home}`);
  const path = join(home, SERVING_FILE_NAME);
  const record: ServingRecord = { pid: process.pid, hostname: hostname(), url, lockToken };
  const temporary = `${path}.${process.pid}.tmp`;
  // Renamed into place: a reader never sees half a record.
  writeFileSync(temporary, `${JSON.stringify(record)}\n`, { mode: 0o644 });
  renameSync(temporary, path);
  return () => {
    if (readServingRecord(home)?.lockToken === lockToken) rmSync(path, { force: true });
  };
}

/**
 * The record, if there is a readable one of this host; with `holder`, only if it goes with that holder's lock.
 */
export function readServingRecord(home: string, holder?: LockHolder): ServingRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(home, SERVING_FILE_NAME), 'utf8'));
  } catch {
    // No record, or one being replaced or damaged: no server to name (the lock's own message stands).
    return undefined;
  }
  if (!isServingRecord(parsed) || parsed.hostname !== hostname()) return undefined;
  if (holder !== undefined && (holder.token !== parsed.lockToken || holder.pid !== parsed.pid)) return undefined;
  return parsed;
}

function isServingRecord(value: unknown): value is ServingRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.pid === 'number' &&
    typeof record.hostname === 'string' &&
    typeof record.lockToken === 'string' &&
    typeof record.url === 'string' &&
    isBareOrigin(record.url)
  );
}

/** `http://host:port` and nothing else: no user, path, query or fragment for a request to pick up. */
function isBareOrigin(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' && parsed.origin === url;
  } catch {
    return false;
  }
}
