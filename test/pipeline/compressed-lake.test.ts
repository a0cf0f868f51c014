/**
 * Compressed lake objects (issue 12, item 2): a lake written first without, then with `--lake-compression gzip`
 * holds `.json` and `.json.gz` objects side by side, and everything reads both. The gzipped objects carry
 * `Content-Encoding: gzip`, and their sha256 (metadata, catalog, lineage) is the uncompressed body's, so
 * get, lineage, verify, reprocess and both rebuilds agree with the rows the runs wrote. A truncated `.json.gz`
 * and a gzip bomb are findings, not crashes. Once on the embedded default, once on RGW.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UndecodableBodyError } from '../../src/lake/compression.js';
import { DataLake } from '../../src/lake/data-lake.js';
import { MAX_DOCUMENT_BYTES } from '../../src/lake/limits.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { runCli } from '../support/cli.js';
import { describeOnRgw, type RgwTestContext } from '../support/rgw.js';

vi.setConfig({ testTimeout: 300_000 });

const TICKERS = 'NVDA,D05.SI';
const DAY_1 = '2026-12-01T22:00:00Z';
const DAY_2 = '2026-12-02T22:00:00Z';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const dataKeys = (keys: string[]) => keys.filter((k) => /^(raw|processed)\//.test(k));

interface Lake {
  /** The flags of every command but where the lake is: a fresh home gets them with `homeFlags`. */
  flags(): string[];
  /** Flags for a second, empty home over the same lake (a lost database). */
  freshHomeFlags(home: string): string[];
  store(): ObjectStore;
}

function compressedLake(lake: Lake) {
  const run = async (now: string, ...extra: string[]) => {
    process.env.MARKETLAKE_NOW = now;
    try {
      return await runCli('run', ...lake.flags(), '--tickers', TICKERS, '--json', ...extra);
    } finally {
      delete process.env.MARKETLAKE_NOW;
    }
  };
  const cliJson = async (...args: string[]) => {
    const result = await runCli(...args);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };

  it('a plain day then a gzip day: both forms read, hashes are the uncompressed bodies, verify, reprocess and rebuilds agree', async () => {
    expect((await run(DAY_1)).code).toBe(0);
    const day2 = await run(DAY_2, '--lake-compression', 'gzip');
    expect(day2.code, day2.stderr).toBe(0);
    expect(JSON.parse(day2.stdout)).toMatchObject({ status: 'ok', objects_written: 8, outbox_pending: 0 });

    const keys = dataKeys(await cliJson('ls', ...lake.flags(), '--json'));
    expect(keys.filter((k) => k.endsWith('.json'))).toHaveLength(8);
    const gzipped = keys.filter((k) => k.endsWith('.json.gz'));
    expect(gzipped).toHaveLength(8);

    // Stored gzipped with Content-Encoding, identified by the uncompressed body.
    for (const key of gzipped) {
      const stored = await lake.store().get(key);
      expect(stored.contentEncoding, key).toBe('gzip');
      expect(stored.body.subarray(0, 2)).toEqual(new Uint8Array([0x1f, 0x8b]));
      const body = gunzipSync(stored.body);
      expect(stored.metadata.content_sha256, key).toBe(sha256(body));
      expect(stored.metadata.uncompressed_size, key).toBe(String(body.length));
      expect(stored.size).toBeLessThan(body.length);
    }

    // get: the newest is the gzipped day; lineage names the gzipped raw by the sha256 of its uncompressed body.
    const latest = await cliJson('get', 'indicators', 'NVDA', ...lake.flags(), '--json');
    expect(latest.key).toMatch(/^processed\/indicators\/NVDA\/.*\.json\.gz$/);
    expect(latest.body.ticker).toBe('NVDA');
    const rawKey = latest.body.source_raw_data_key as string;
    expect(rawKey).toMatch(/^raw\/sample\/NVDA\/2026-12-02\/.*\.json\.gz$/);
    const rawBody = gunzipSync((await lake.store().get(rawKey)).body);
    expect(latest.body.source_raw_data_sha256).toBe(sha256(rawBody));
    const rawObject = await cliJson('get', 'raw', 'NVDA', ...lake.flags(), '--json');
    expect(rawObject.key).toBe(rawKey);
    expect(rawObject.body.ticker).toBe('NVDA');
    expect(rawObject.metadata.content_sha256).toBe(sha256(rawBody));

    // The plain day still reads, by version.
    const versions = await cliJson('versions', 'indicators', 'NVDA', ...lake.flags(), '--json');
    expect(versions.map((v: { key: string }) => v.key.endsWith('.gz'))).toEqual([true, false]);
    const older = await cliJson(
      'get',
      'indicators',
      'NVDA',
      '--version',
      versions[1].version_id,
      ...lake.flags(),
      '--json',
    );
    expect(older.key).toMatch(/\.json$/);
    expect(older.body.ticker).toBe('NVDA');

    const lineage = await cliJson('lineage', rawKey, ...lake.flags(), '--json');
    expect(lineage.derived.map((d: { key: string }) => d.key.endsWith('.json.gz'))).toEqual([true, true, true]);
    const sources = await cliJson('lineage', latest.key, ...lake.flags(), '--json');
    expect(sources.sources).toEqual([{ key: rawKey, version_id: expect.any(String), sha256: sha256(rawBody) }]);

    const verify = await runCli('verify', ...lake.flags(), '--json');
    expect(verify.code, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, checked: 12, catalog_rows: 16 });

    // Reprocess reads the gzipped raw snapshot (its catalogued sha256 is the uncompressed body's) and, with the
    // setting off, writes plain objects: the lake now mixes the forms within one ticker's history.
    const reprocess = await runCli(
      'reprocess',
      ...lake.flags(),
      '--computation-version',
      '2.0',
      '--tickers',
      'NVDA',
      '--json',
    );
    expect(reprocess.code, reprocess.stderr).toBe(0);
    expect(JSON.parse(reprocess.stdout)).toMatchObject({ objects_written: expect.any(Number), failed: [] });
    const recomputed = await cliJson('get', 'indicators', 'NVDA', ...lake.flags(), '--json');
    expect(recomputed.body.computation_version).toBe('2.0');
    expect(recomputed.key).toMatch(/\.json$/);
    expect(recomputed.body.source_raw_data_key).toBe(rawKey);
    expect(recomputed.body.source_raw_data_sha256).toBe(sha256(rawBody));
    expect((await runCli('verify', ...lake.flags(), '--json')).code).toBe(0);

    // The catalog rows the runs wrote are exactly what the lake alone says (sha256 and size of the documents).
    const rebuilt = await cliJson('catalog', 'rebuild', ...lake.flags(), '--json');
    expect(rebuilt).toMatchObject({ inserted: 0, conflicting: [], failed: [] });
    expect(rebuilt.already_present).toBe(rebuilt.listed);

    // A lost database: the warehouse rebuilt from this mixed lake alone verifies.
    const fresh = await mkdtemp(join(tmpdir(), 'marketlake-gzip-fresh-'));
    try {
      const warehouse = await cliJson('warehouse', 'rebuild', ...lake.freshHomeFlags(fresh), '--json');
      expect(warehouse.catalog).toMatchObject({ inserted: rebuilt.listed, conflicting: [], failed: [] });
      expect(warehouse.failed).toEqual([]);
      const again = await runCli('verify', ...lake.freshHomeFlags(fresh), '--json');
      expect(again.code, again.stdout).toBe(0);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it('a truncated .json.gz and a gzip bomb are findings of verify and refusals of the lake reader, not crashes', async () => {
    const keys = dataKeys(await cliJson('ls', ...lake.flags(), '--json'));
    const model = keys.find((k) => k.startsWith('raw/sample/D05.SI/') && k.endsWith('.json.gz'))!;
    const { metadata, body } = await lake.store().get(model);
    // Later seconds of the same day, beside the real object: the newest raw snapshots of D05.SI.
    const truncated = model.replace(/_\d{6}\.json\.gz$/, '_235958.json.gz');
    const bomb = model.replace(/_\d{6}\.json\.gz$/, '_235959.json.gz');
    const put = (key: string, bytes: Uint8Array) =>
      lake.store().put({ key, body: bytes, contentType: 'application/json', contentEncoding: 'gzip', metadata });
    await put(truncated, body.subarray(0, body.length - 20));
    // About 65 KB on the wire, more than the document limit once inflated.
    await put(bomb, gzipSync(Buffer.alloc(MAX_DOCUMENT_BYTES + 1, 0x20), { level: 9 }));

    const verify = await runCli('verify', ...lake.flags(), '--json');
    expect(verify.code).toBe(1);
    const report = JSON.parse(verify.stdout) as { mismatches: { key: string; problem: string; actual?: string }[] };
    expect(report.mismatches).toContainEqual(
      expect.objectContaining({
        key: truncated,
        problem: 'read-error',
        actual: expect.stringMatching(/cannot decompress .*not a complete gzip stream/),
      }),
    );
    expect(report.mismatches).toContainEqual(
      expect.objectContaining({
        key: bomb,
        problem: 'read-error',
        actual: expect.stringMatching(/cannot decompress .*inflates to more than \d+ bytes/),
      }),
    );

    // The lake's reader (what get, getLatest and getByVersion use) refuses them the same way.
    const reader = new DataLake(lake.store());
    await expect(reader.get(bomb)).rejects.toThrow(UndecodableBodyError);
    await expect(reader.get(truncated)).rejects.toThrow(/cannot decompress .*not a complete gzip stream/);
    // Without a catalog the newest key of D05.SI is the bomb: refused, not inflated.
    await expect(reader.getLatest('raw', 'D05.SI')).rejects.toThrow(UndecodableBodyError);
  });
}

describe('a lake with compressed objects [embedded]', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-gzip-'));
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));
  compressedLake({
    flags: () => ['--home', home],
    freshHomeFlags: (fresh) => ['--home', fresh, '--lake', `file://${join(home, 'lake')}`],
    store: () => new FsObjectStore(join(home, 'lake')),
  });
});

describeOnRgw('a lake with compressed objects [s3]', (rgw: RgwTestContext) => {
  let home: string;
  const saved = { ...process.env };
  let store: ObjectStore | undefined;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-gzip-s3-'));
    process.env.AWS_ACCESS_KEY_ID = rgw.settings.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = rgw.settings.credentials.secretAccessKey;
    process.env.AWS_REGION = rgw.settings.region;
  });
  afterAll(async () => {
    process.env = saved;
    await rm(home, { recursive: true, force: true });
  });
  const lakeFlags = () => ['--lake', `s3://${rgw.bucket()}/lake`, '--s3-endpoint', rgw.settings.endpoint];
  compressedLake({
    flags: () => ['--home', home, ...lakeFlags()],
    freshHomeFlags: (fresh) => ['--home', fresh, ...lakeFlags()],
    store: () => (store ??= rgw.openStore({ prefix: 'lake' })),
  });
});
