import { describe, expect, it } from 'vitest';
import { parseKey } from '../lake/keys.js';
import { compareCatalogRow, deriveCatalogRow, knownSince } from './expected-catalog-row.js';
import type { CatalogObject } from '../warehouse/lake-objects.js';

const SHA = 'a'.repeat(64);
const PROCESSED = 'processed/indicators/NVDA/2026-11-26/20261126_213000_2.json';
const processedMetadata = {
  computed_at: '2026-11-26T21:30:00.250Z',
  computation_version: '1.0',
  source_raw_data_key: 'raw/sample/NVDA/2026-11-26/20261126_213000.json',
  source_raw_data_version_id: 'v-raw',
  content_sha256: SHA,
};

describe('deriveCatalogRow', () => {
  it('takes every column of a processed object from its key, head and metadata', () => {
    const derived = deriveCatalogRow({
      key: PROCESSED,
      parsed: parseKey(PROCESSED),
      versionId: 'v1',
      size: 42,
      metadata: processedMetadata,
    });
    expect(derived).toEqual({
      row: {
        key: PROCESSED,
        kind: 'indicators',
        ticker: 'NVDA',
        objectDate: '2026-11-26',
        versionId: 'v1',
        sha256: SHA,
        size: 42,
        computationVersion: '1.0',
        sourceRawKey: processedMetadata.source_raw_data_key,
        sourceRawVersionId: 'v-raw',
        createdAt: new Date('2026-11-26T21:30:00.250Z'),
      },
      missing: [],
    });
  });

  it('falls back to the body, then the tags; says what is missing when nothing has it', () => {
    const parsed = parseKey(PROCESSED);
    const bare = { key: PROCESSED, parsed, versionId: 'v1', size: 42, metadata: {} };
    expect(deriveCatalogRow(bare)).toEqual({
      row: undefined,
      missing: ['sha256', 'computation_version', 'source_raw_key'],
    });
    const fromTags = deriveCatalogRow({
      ...bare,
      bodySha256: SHA,
      tags: { computation_version: '2.0', source_raw_data: 'raw/x' },
    });
    expect(fromTags.row).toMatchObject({ computationVersion: '2.0', sourceRawKey: 'raw/x', sourceRawVersionId: null });
    const fromBody = deriveCatalogRow({
      ...bare,
      bodySha256: SHA,
      body: { computation_version: '1.0', source_raw_data_key: 'raw/y', source_raw_data_version_id: 'v9' },
    });
    expect(fromBody.row).toMatchObject({ computationVersion: '1.0', sourceRawKey: 'raw/y', sourceRawVersionId: 'v9' });
  });

  it('prefers the hash of the body as read over the metadata when both are given', () => {
    const derived = deriveCatalogRow({
      key: PROCESSED,
      parsed: parseKey(PROCESSED),
      versionId: 'v1',
      size: 42,
      metadata: processedMetadata,
      bodySha256: 'b'.repeat(64),
    });
    expect(derived.row?.sha256).toBe('b'.repeat(64));
  });
});

describe('knownSince', () => {
  it('is the metadata time, else the body time, else the key timestamp', () => {
    const raw = parseKey('raw/yfinance/NVDA/2026-11-26/20261126_150000.json');
    expect(knownSince(raw, { fetched_at: '2026-11-26T15:00:00.500Z' }).toISOString()).toBe('2026-11-26T15:00:00.500Z');
    expect(knownSince(raw, {}, { fetched_at: '2026-11-26T15:00:00.700Z' }).toISOString()).toBe(
      '2026-11-26T15:00:00.700Z',
    );
    expect(knownSince(raw, { fetched_at: 'garbage' }).toISOString()).toBe('2026-11-26T15:00:00.000Z');
  });
});

describe('compareCatalogRow', () => {
  const derived = deriveCatalogRow({
    key: PROCESSED,
    parsed: parseKey(PROCESSED),
    versionId: 'v1',
    size: 42,
    metadata: processedMetadata,
  }).row!;
  const row: CatalogObject = { ...derived };

  it('finds nothing for the row of the object', () => {
    expect(compareCatalogRow(row, derived)).toEqual([]);
  });

  it('names the columns that differ, with the catalog value first', () => {
    expect(compareCatalogRow({ ...row, size: 41, createdAt: new Date(0) }, derived)).toEqual([
      { column: 'size', catalog: 41, object: 42 },
      { column: 'created_at', catalog: '1970-01-01T00:00:00.000Z', object: '2026-11-26T21:30:00.250Z' },
    ]);
  });

  it('does not compare a version id the catalog does not know', () => {
    expect(compareCatalogRow({ ...row, versionId: null }, derived)).toEqual([]);
    expect(compareCatalogRow({ ...row, versionId: 'v0' }, derived)).toEqual([
      { column: 'version_id', catalog: 'v0', object: 'v1' },
    ]);
  });
});
