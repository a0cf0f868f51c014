import { decodeBody } from '../lake/compression.js';
import { sha256Hex } from '../lake/formats/render.js';
import { ObjectNotFoundError, ObjectStoreError } from '../storage/errors.js';
import type { ObjectHead, ObjectStore } from '../storage/object-store.js';

/**
 * One read for a scan of the lake (verify, the rebuilds), with the outcomes it reports on instead of stopping:
 * the object is there (with its document body, decompressed when stored compressed, and that body's sha256 and
 * size), it is not (no key, or not that version), or the store refused to serve it or its bytes cannot be
 * decompressed (a damaged file, an I/O error, a truncated or oversized gzip stream; the message says which).
 * Anything else is a bug and propagates. `head.size` stays the size as stored.
 */
export type Fetched =
  | { status: 'ok'; head: ObjectHead; body: Uint8Array; sha256: string; size: number }
  | { status: 'missing' }
  | { status: 'unreadable'; error: string };

export async function fetchObject(store: ObjectStore, key: string, versionId?: string): Promise<Fetched> {
  try {
    const object = await store.get(key, versionId === undefined ? undefined : { versionId });
    const { body: stored, ...head } = object;
    const body = decodeBody(key, { ...head, body: stored });
    return { status: 'ok', head, body, sha256: sha256Hex(body), size: body.length };
  } catch (error) {
    return unreadable(error);
  }
}

/**
 * fetchObject of each key, answered in the order given, with up to `ahead` reads in flight: a scan that reads one
 * object at a time waits for each read in turn (the thread pool on a file lake, the network on S3). A read that
 * throws (a bug, see fetchObject) throws where its turn comes; one started but never reached is dropped.
 */
export async function* fetchInOrder(
  store: ObjectStore,
  keys: readonly string[],
  ahead = 4,
): AsyncGenerator<{ key: string; fetched: Fetched }> {
  if (!Number.isSafeInteger(ahead) || ahead < 1) throw new RangeError(`ahead must be a whole number >= 1: ${ahead}`);
  const started: Promise<Fetched>[] = [];
  const start = (index: number) => {
    if (index >= keys.length) return;
    const read = fetchObject(store, keys[index]);
    read.catch(() => undefined); // thrown at its turn, or dropped with the scan
    started[index] = read;
  };
  for (let index = 0; index < Math.min(ahead, keys.length); index++) start(index);
  for (let index = 0; index < keys.length; index++) {
    const fetched = await started[index];
    delete started[index];
    start(index + ahead);
    yield { key: keys[index], fetched };
  }
}

export type Headed =
  { status: 'ok'; head: ObjectHead } | { status: 'missing' } | { status: 'unreadable'; error: string };

export async function headObject(store: ObjectStore, key: string, versionId?: string): Promise<Headed> {
  try {
    return { status: 'ok', head: await store.head(key, versionId === undefined ? undefined : { versionId }) };
  } catch (error) {
    return unreadable(error);
  }
}

function unreadable(error: unknown): { status: 'missing' } | { status: 'unreadable'; error: string } {
  if (error instanceof ObjectNotFoundError) return { status: 'missing' };
  if (error instanceof ObjectStoreError) return { status: 'unreadable', error: error.message };
  throw error;
}
