import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SampleSource } from '../sources/sample/sample.js';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';
import { decodeBody, documentSize, UndecodableBodyError } from './compression.js';
import { DataLake, rawKeyParts } from './data-lake.js';
import { renderRaw } from './formats/raw.js';
import { objectKey, parseKey } from './keys.js';
import { MAX_DOCUMENT_BYTES } from './limits.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('decodeBody', () => {
  const document = Buffer.from('{"ticker":"NVDA"}');

  it('passes a .json body through and inflates a .json.gz one (or one whose Content-Encoding says gzip)', () => {
    expect(decodeBody('a.json', { body: document })).toBe(document);
    expect(Buffer.from(decodeBody('a.json.gz', { body: gzipSync(document) })).equals(document)).toBe(true);
    const inflated = decodeBody('a.json', { body: gzipSync(document), contentEncoding: 'gzip' });
    expect(Buffer.from(inflated).equals(document)).toBe(true);
  });

  it('refuses a truncated stream, bytes that are not gzip, and a body inflating past the document limit', () => {
    const gzipped = gzipSync(document);
    expect(() => decodeBody('a.json.gz', { body: gzipped.subarray(0, gzipped.length - 4) })).toThrow(
      /cannot decompress a\.json\.gz: not a complete gzip stream/,
    );
    expect(() => decodeBody('a.json.gz', { body: document })).toThrow(UndecodableBodyError);
    const bomb = gzipSync(Buffer.alloc(MAX_DOCUMENT_BYTES + 1), { level: 9 });
    expect(bomb.length).toBeLessThan(MAX_DOCUMENT_BYTES / 500);
    expect(() => decodeBody('a.json.gz', { body: bomb })).toThrow(/inflates to more than 67108864 bytes/);
    // Exactly at the limit is a document.
    const atLimit = gzipSync(Buffer.alloc(MAX_DOCUMENT_BYTES), { level: 1 });
    expect(decodeBody('a.json.gz', { body: atLimit }).length).toBe(MAX_DOCUMENT_BYTES);
  });

  it('documentSize: the stored size of a plain object, the recorded size of a gzipped one, else unknown', () => {
    expect(documentSize('a.json', { size: 10, metadata: {} })).toBe(10);
    expect(documentSize('a.json.gz', { size: 10, metadata: { uncompressed_size: '42' } })).toBe(42);
    expect(documentSize('a.json.gz', { size: 10, metadata: {} })).toBeUndefined();
    expect(documentSize('a.json.gz', { size: 10, metadata: { uncompressed_size: '4e2' } })).toBeUndefined();
  });
});

describe('DataLake.write with gzip', () => {
  let root: string;
  let store: FsObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'marketlake-compression-'));
    store = await FsObjectStore.open(root);
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  const snapshot = () =>
    new SampleSource({}).fetchSnapshot('NVDA', {
      start: '2025-01-01',
      end: '2026-11-26',
      now: new Date('2026-11-26T21:00:00Z'),
    });

  it('stores .json.gz with Content-Encoding; sha256, size and the lake reader see the uncompressed body', async () => {
    const lake = new DataLake(store, undefined, undefined, 'gzip');
    const raw = await snapshot();
    const parts = rawKeyParts(raw);
    const rendered = renderRaw(objectKey('raw', parts.ticker, parts.date, parts.timestamp, 1, parts.source), raw);
    const written = await lake.write(parts, rendered);

    expect(written.key).toBe('raw/sample/NVDA/2026-11-26/20261126_210000.json.gz');
    expect(written).toMatchObject({ sha256: rendered.sha256, size: rendered.size, created: true });
    const stored = await store.get(written.key);
    expect(stored.contentEncoding).toBe('gzip');
    expect(gunzipSync(stored.body).toString('utf8')).toBe(rendered.body);
    expect(stored.metadata).toEqual({ ...rendered.metadata, uncompressed_size: String(rendered.size) });
    expect(sha256(gunzipSync(stored.body))).toBe(stored.metadata.content_sha256);
    expect((await lake.get(written.key)).body).toEqual(raw);
    expect((await lake.getLatest('raw', 'NVDA')).key).toBe(written.key);

    // A retry whose first response was lost: the same object, found by its uncompressed sha256.
    expect(await lake.write(parts, rendered, { exactKey: true })).toMatchObject({
      key: written.key,
      versionId: written.versionId,
      created: false,
    });
  });

  it("a planned key's own form wins over the setting (an outbox entry planned before the setting changed)", async () => {
    const raw = await snapshot();
    const parts = rawKeyParts(raw);
    const planned = objectKey('raw', parts.ticker, parts.date, parts.timestamp, 1, parts.source);
    const rendered = renderRaw(planned, raw);
    const gzipLake = new DataLake(store, undefined, undefined, 'gzip');
    const written = await gzipLake.write(parseKey(planned), rendered, { exactKey: true });
    expect(written.key).toBe(planned);
    expect((await store.get(planned)).contentEncoding).toBeUndefined();

    const plainLake = new DataLake(store);
    const gzipped = objectKey('raw', parts.ticker, parts.date, parts.timestamp, 1, parts.source, 'gzip');
    expect((await plainLake.write(parseKey(gzipped), rendered, { exactKey: true })).key).toBe(gzipped);
    // Both forms of one second: the compressed one is the later, and each reads back as the same document.
    expect((await plainLake.getLatest('raw', 'NVDA')).key).toBe(gzipped);
    expect((await plainLake.get(planned)).body).toEqual((await plainLake.get(gzipped)).body);
  });
});
