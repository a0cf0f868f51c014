import { documentSize } from '../lake/compression.js';
import type { ParsedKey } from '../lake/keys.js';
import { ObjectStoreError } from '../storage/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { type Derivation, deriveCatalogRow, type ObjectEvidence } from './expected-catalog-row.js';
import { fetchObject, headObject } from './fetch.js';

/**
 * The catalog row of the current version of `key`: from the HEAD when its metadata is complete (every object
 * marketlake writes), else reading the body, else the tags too.
 */
export async function describeObject(
  store: ObjectStore,
  key: string,
  parsed: ParsedKey,
): Promise<{ row: NonNullable<Derivation['row']> } | { reason: string }> {
  const headed = await headObject(store, key);
  if (headed.status === 'missing') return { reason: 'not found (it was listed a moment before)' };
  if (headed.status === 'unreadable') return { reason: headed.error };
  const { head } = headed;
  // The catalog's size is the document's: a compressed object records it in its metadata, else its body tells.
  const size = documentSize(key, head);
  const evidence: ObjectEvidence = { key, parsed, versionId: head.versionId, size: size ?? 0, metadata: head.metadata };
  let derivation = deriveCatalogRow(evidence);
  if (derivation.row !== undefined && size !== undefined) return { row: derivation.row };

  const fetched = await fetchObject(store, key, head.versionId);
  if (fetched.status === 'missing') return { reason: `version ${head.versionId} vanished between HEAD and GET` };
  if (fetched.status === 'unreadable') return { reason: fetched.error };
  evidence.size = fetched.size;
  // The body's hash only stands in for a missing content_sha256: the metadata is the record otherwise.
  if ((derivation.missing as readonly string[]).includes('sha256')) evidence.bodySha256 = fetched.sha256;
  evidence.body = jsonObject(fetched.body);
  derivation = deriveCatalogRow(evidence);
  if (derivation.row !== undefined) return { row: derivation.row };

  try {
    evidence.tags = await store.getTags(key, { versionId: head.versionId });
  } catch (error) {
    if (!(error instanceof ObjectStoreError)) throw error;
    return { reason: error.message };
  }
  derivation = deriveCatalogRow(evidence);
  if (derivation.row !== undefined) return { row: derivation.row };
  return { reason: `no ${derivation.missing.join(', ')} in its metadata, body or tags` };
}

/** A body's JSON object, or undefined when it is not one (then the tags are the last resort). */
function jsonObject(body: Uint8Array): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return undefined; // not JSON: the fields it would have given are reported as missing if nothing else has them
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
