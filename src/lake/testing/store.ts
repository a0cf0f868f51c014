import { catalogEntry, processedKeyParts, rawKeyParts, type DataLake, type WrittenObject } from '../data-lake.js';
import { renderProcessed, type ProcessedDocument } from '../formats/processed.js';
import { renderRaw, type RawSnapshot } from '../formats/raw.js';
import { objectKey, type ProcessedKind } from '../keys.js';

/**
 * Test and bench setup: one document rendered, written with `DataLake.write` and recorded in the lake's catalog
 * (when it has one), as the pipeline leaves it, without a run, a database statement or an outbox.
 */
export async function storeRaw(lake: DataLake, snapshot: RawSnapshot): Promise<WrittenObject> {
  const parsed = rawKeyParts(snapshot);
  const written = await lake.write(
    parsed,
    renderRaw(objectKey('raw', parsed.ticker, parsed.date, parsed.timestamp, 1, parsed.source), snapshot),
  );
  await lake.catalog?.record(catalogEntry(parsed, written, null, null, new Date(snapshot.fetched_at)));
  return written;
}

export async function storeProcessed(
  lake: DataLake,
  kind: ProcessedKind,
  document: ProcessedDocument,
): Promise<WrittenObject> {
  const parsed = processedKeyParts(kind, document);
  const written = await lake.write(
    parsed,
    renderProcessed(objectKey(kind, parsed.ticker, parsed.date, parsed.timestamp), kind, document),
  );
  const raw = {
    key: document.source_raw_data_key,
    versionId: document.source_raw_data_version_id,
    sha256: document.source_raw_data_sha256,
  };
  await lake.catalog?.record(
    catalogEntry(parsed, written, document.computation_version, raw, new Date(document.computed_at)),
  );
  return written;
}
