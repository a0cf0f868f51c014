import { decodeBody } from '../lake/compression.js';
import { type RawReference } from '../lake/formats/processed.js';
import { sha256Hex } from '../lake/formats/render.js';
import type { RawSnapshot } from '../lake/formats/raw.js';
import { parseRawDocument } from '../lake/formats/raw-parse.js';
import type { ObjectStore } from '../storage/object-store.js';
import { UserError } from '../errors.js';

export interface RawToRead {
  key: string;
  /** The catalogued version id; null when the catalog has none (the current version is read then). */
  versionId: string | null;
  /** The catalogued sha256 of the body. */
  sha256: string;
}

export class RawIntegrityError extends UserError {
  override readonly name = 'RawIntegrityError';
}

/**
 * Reads one raw snapshot from the lake (never from the vendor) and returns it with the exact reference results
 * computed from it will name. The bytes must hash to the catalogued sha256: lineage that points at other bytes
 * than the ones computed from would be worse than none.
 */
export async function readRawSnapshot(
  store: ObjectStore,
  raw: RawToRead,
): Promise<{ snapshot: RawSnapshot; reference: RawReference }> {
  const object = await store.get(raw.key, raw.versionId === null ? undefined : { versionId: raw.versionId });
  // The catalog's sha256 is the uncompressed body's, whichever form the object is stored in.
  const body = decodeBody(raw.key, object);
  const sha256 = sha256Hex(body);
  if (sha256 !== raw.sha256) {
    throw new RawIntegrityError(
      `raw object ${raw.key} (version ${object.versionId}) has sha256 ${sha256}, but the catalog recorded ${raw.sha256}; ` +
        'it is not the snapshot the catalog describes (run the catalog verification before reprocessing)',
    );
  }
  const snapshot = parseRawDocument(Buffer.from(body).toString('utf8'), raw.key);
  if (snapshot.bars.length === 0) throw new UserError(`raw object ${raw.key} holds no bars: nothing to compute`);
  return { snapshot, reference: { key: raw.key, versionId: object.versionId, sha256 } };
}
