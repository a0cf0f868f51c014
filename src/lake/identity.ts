import { randomUUID } from 'node:crypto';
import { UserError } from '../errors.js';
import { ObjectExistsError, ObjectNotFoundError } from '../storage/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { PRODUCER } from '../version.js';

/**
 * The lake's identity: one object, `_marketlake/lake.json`, written once (create-only) when a database first
 * uses the lake, holding a random id and the time it was made. A database records the id it was first used with
 * (src/lake-binding.ts), so that it is never again opened against another lake: an empty folder that a mistyped
 * `--lake` made, another bucket, a copy made before the database existed.
 *
 * The id travels with the lake's content, not with its location: a lake copied or moved with its objects keeps
 * it. `_marketlake/` sits beside `raw/` and `processed/`, outside every prefix that the audits and the catalog
 * list, and no lifecycle rule archives it.
 */
export const LAKE_MARKER_KEY = '_marketlake/lake.json';
export const LAKE_MARKER_SCHEMA = 'marketlake.lake/1';

export interface LakeIdentity {
  /** A random UUID. */
  lakeId: string;
  createdAt: Date;
}

/** The marker object exists but is not a lake identity we wrote (edited by hand, or another tool's file). */
export class LakeMarkerError extends UserError {
  override readonly name = 'LakeMarkerError';
}

export function newLakeIdentity(now: Date = new Date()): LakeIdentity {
  return { lakeId: randomUUID(), createdAt: now };
}

/**
 * The lake's identity, or undefined when it has none yet.
 *
 * `oldest` reads the key's first version rather than the latest. On an S3 server that does not enforce
 * `If-None-Match` (Ceph RGW), a losing concurrent writer's version is the key's latest for the milliseconds
 * before it deletes it again (see S3ObjectStore); the first version is always the winner's. A check that
 * agrees with the latest version needs no more; deciding which id to record takes the first.
 */
export async function readLakeIdentity(
  store: ObjectStore,
  options: { oldest?: boolean } = {},
): Promise<LakeIdentity | undefined> {
  let versionId: string | undefined;
  if (options.oldest === true) {
    versionId = await oldestVersionId(store);
    if (versionId === undefined) return undefined;
  }
  try {
    const object = await store.get(LAKE_MARKER_KEY, versionId === undefined ? {} : { versionId });
    return parseLakeMarker(Buffer.from(object.body).toString('utf8'), markerLocation(store));
  } catch (error) {
    // The version listed a moment ago can only vanish when it was a losing writer's: read the winner's then.
    if (error instanceof ObjectNotFoundError) return versionId === undefined ? undefined : readLakeIdentity(store);
    throw error;
  }
}

/**
 * Gives the lake its identity unless it has one: a create-only write, so of several first openers exactly one
 * writes, and every other reads the winner's identity. Returns the lake's identity either way.
 */
export async function establishLakeIdentity(
  store: ObjectStore,
  candidate: LakeIdentity = newLakeIdentity(),
): Promise<LakeIdentity> {
  try {
    await store.put({
      key: LAKE_MARKER_KEY,
      body: renderLakeMarker(candidate),
      contentType: 'application/json',
      metadata: { lake_id: candidate.lakeId },
    });
    return candidate;
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
  }
  const winner = await readLakeIdentity(store, { oldest: true });
  // The key was taken, so it has a version; none readable means it was removed since: say so, do not guess.
  if (winner === undefined)
    throw new LakeMarkerError(`${markerLocation(store)} was written by another process but cannot be read back`);
  return winner;
}

export function renderLakeMarker(identity: LakeIdentity): string {
  return `${JSON.stringify({ schema: LAKE_MARKER_SCHEMA, lake_id: identity.lakeId, created_at: identity.createdAt.toISOString(), producer: PRODUCER })}\n`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `where` names the marker object in messages. */
export function parseLakeMarker(text: string, where: string): LakeIdentity {
  const refuse = (problem: string): never => {
    throw new LakeMarkerError(
      `${where} is not a marketlake lake identity (${problem}); restore the original or move it away`,
    );
  };
  let parsed: { schema?: unknown; lake_id?: unknown; created_at?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return refuse('not JSON');
  }
  if (parsed === null || typeof parsed !== 'object') return refuse('not a JSON object');
  if (parsed.schema !== LAKE_MARKER_SCHEMA) return refuse(`schema is not ${LAKE_MARKER_SCHEMA}`);
  if (typeof parsed.lake_id !== 'string' || !UUID.test(parsed.lake_id)) return refuse('lake_id is not a UUID');
  const createdAt = typeof parsed.created_at === 'string' ? new Date(parsed.created_at) : undefined;
  if (createdAt === undefined || Number.isNaN(createdAt.getTime())) return refuse('created_at is not a time');
  return { lakeId: parsed.lake_id, createdAt };
}

/** The marker's full location, for messages: `file:///srv/lake/_marketlake/lake.json`. */
export function markerLocation(store: ObjectStore): string {
  return `${store.description.replace(/\/+$/, '')}/${LAKE_MARKER_KEY}`;
}

async function oldestVersionId(store: ObjectStore): Promise<string | undefined> {
  let oldest: string | undefined;
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await store.listVersions({
      prefix: LAKE_MARKER_KEY,
      ...(keyMarker === undefined ? {} : { keyMarker }),
      ...(versionIdMarker === undefined ? {} : { versionIdMarker }),
    });
    // Newest first within a key: the last one seen is the oldest.
    for (const version of page.versions) if (version.key === LAKE_MARKER_KEY) oldest = version.versionId;
    keyMarker = page.nextKeyMarker;
    versionIdMarker = page.nextVersionIdMarker;
  } while (keyMarker !== undefined);
  return oldest;
}
