/**
 * One damaged object must not blind the audit, on S3 too (issue 10, item 2): objects overwritten behind the lake's
 * back (a new version whose body disagrees with the sha256 its metadata records, a body that is not even JSON, a
 * foreign object under raw/) are findings among the others for `verify`, and `ls` and `catalog rebuild` go on
 * past them. Through the CLI, on RGW and PostgreSQL.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../src/lake/formats/render.js';
import { runCli } from '../support/cli.js';
import { createTestWarehouse, type TestWarehouse } from '../support/databases.js';
import { describeOnRgw } from '../support/rgw.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

type Report = {
  checked: number;
  raw_checked: number;
  catalog_rows: number;
  ok: boolean;
  mismatches: { key: string; kind: string; problem: string; field?: string; expected?: unknown; actual?: unknown }[];
  missing_objects: unknown[];
  uncatalogued_objects: { key: string; kind: string }[];
};

describeOnRgw('damaged objects in an S3 lake are findings among others', (rgw) => {
  const databases: TestWarehouse[] = [];
  let home: string;
  let lakeFlags: string[];
  let flags: string[];
  let keys: string[];
  const savedEnv = { ...process.env };
  const PREFIX = 'lake/';

  async function freshDatabase(): Promise<string> {
    const database = await createTestWarehouse('postgres');
    databases.push(database);
    await database.warehouse.close(); // the CLI opens its own connection
    return database.databaseUrl!;
  }

  /** A new version of `key` written with the raw S3 client, as anyone with write access to the bucket could. */
  async function overwrite(key: string, body: string, metadata?: Record<string, string>): Promise<string> {
    const put = await rgw.client().send(
      new PutObjectCommand({
        Bucket: rgw.bucket(),
        Key: PREFIX + key,
        Body: body,
        ContentType: 'application/json',
        ...(metadata ? { Metadata: metadata } : {}),
      }),
    );
    return put.VersionId!;
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-damage-s3-'));
    process.env.AWS_ACCESS_KEY_ID = rgw.settings.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = rgw.settings.credentials.secretAccessKey;
    process.env.AWS_REGION = rgw.settings.region;
    lakeFlags = ['--home', home, '--lake', `s3://${rgw.bucket()}/lake`, '--s3-endpoint', rgw.settings.endpoint];
    flags = [...lakeFlags, '--database', await freshDatabase()];
    const run = await runCli('run', ...flags, '--tickers', 'NVDA,D05.SI,7203.T', '--json');
    expect(run.code, run.stderr).toBe(0);
    keys = (JSON.parse((await runCli('ls', ...flags, '--json')).stdout) as string[]).filter((k) =>
      /^(raw|processed)\//.test(k),
    );
    expect(keys).toHaveLength(12);
  });
  afterAll(async () => {
    process.env = savedEnv;
    await rm(home, { recursive: true, force: true });
    for (const database of databases) await database.dispose();
  });

  it('verify reports each damaged object with its key and what is wrong, and checks every other object; ls and catalog rebuild go on past them', async () => {
    const keyOf = (prefix: string) => keys.find((k) => k.startsWith(prefix))!;
    // Keys come from the run itself: their dates are the day the test runs.
    const nvdaIndicators = keyOf('processed/indicators/NVDA/');
    const d05Raw = keyOf('raw/sample/D05.SI/');
    const garbled = keyOf('processed/percentiles/7203.T/');

    // 1. A processed object: a new version with another body under the original metadata (content_sha256 lies;
    //    the names come back from RGW as it stores them, and go back the same way).
    const head = await rgw.client().send(new HeadObjectCommand({ Bucket: rgw.bucket(), Key: PREFIX + nvdaIndicators }));
    const original = await (
      await rgw.client().send(new GetObjectCommand({ Bucket: rgw.bucket(), Key: PREFIX + nvdaIndicators }))
    ).Body!.transformToString();
    const document = JSON.parse(original);
    document.values.rsi_14 = 99.5;
    const forged = JSON.stringify(document);
    await overwrite(nvdaIndicators, forged, head.Metadata);
    // 2. A raw snapshot: a shorter body (another size and sha256) under the original metadata.
    const rawHead = await rgw.client().send(new HeadObjectCommand({ Bucket: rgw.bucket(), Key: PREFIX + d05Raw }));
    const originalRaw = await (
      await rgw.client().send(new GetObjectCommand({ Bucket: rgw.bucket(), Key: PREFIX + d05Raw }))
    ).Body!.transformToString();
    const truncatedRaw = '{"bars":[]}';
    await overwrite(d05Raw, truncatedRaw, rawHead.Metadata);
    // 3. A body that is not JSON at all, with no metadata.
    await overwrite(garbled, 'GARBAGE');
    // 4. A foreign object dropped under raw/.
    await overwrite('raw/notes.txt', 'a file someone uploaded');

    const result = await runCli('verify', ...flags, '--json');
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    const on = (key: string) => report.mismatches.filter((m) => m.key === key);
    expect(on(nvdaIndicators)).toContainEqual(
      expect.objectContaining({ problem: 'content-sha256', expected: sha256Hex(original), actual: sha256Hex(forged) }),
    );
    expect(on(nvdaIndicators)).toContainEqual(
      expect.objectContaining({ problem: 'value', field: 'rsi_14', actual: 99.5 }),
    );
    expect(on(d05Raw)).toContainEqual(
      expect.objectContaining({
        problem: 'content-sha256',
        expected: sha256Hex(originalRaw),
        actual: sha256Hex(truncatedRaw),
      }),
    );
    expect(on(d05Raw)).toContainEqual(expect.objectContaining({ problem: 'catalog', field: 'version_id' }));
    // Without metadata and without a readable body there is nothing to compare the catalog row with: one finding.
    expect(on(garbled)).toEqual([
      expect.objectContaining({ problem: 'unparseable', actual: expect.stringMatching(/^not JSON/) }),
    ]);
    expect(report.uncatalogued_objects).toEqual([{ key: 'raw/notes.txt', kind: 'unknown', size: 23 }]);
    // Nothing else is blamed: D05.SI's results read their raw snapshot by the version id they record.
    expect(new Set(report.mismatches.map((m) => m.key))).toEqual(new Set([nvdaIndicators, d05Raw, garbled]));
    // Every processed object was read and recomputed (the garbled one as far as it goes); raw bodies read: the
    // three the results name, and the new current version of D05.SI's (its results name the original).
    expect(report).toMatchObject({ checked: 9, raw_checked: 4, catalog_rows: 12, ok: false, missing_objects: [] });

    const text = await runCli('verify', ...flags);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      `MISMATCH ${nvdaIndicators} (indicators): content-sha256 content_sha256: expected "${sha256Hex(original)}"`,
    );
    expect(text.stdout).toContain('UNCATALOGUED raw/notes.txt (unknown, 23 bytes)');

    // ls lists everything (S3 lists from its index, it reads no body) and has nothing to mark.
    const listed = await runCli('ls', ...flags, '--json');
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as string[]).filter((k) => /^(raw|processed)\//.test(k)).sort()).toEqual(
      [...keys, 'raw/notes.txt'].sort(),
    );

    // catalog rebuild on an empty database: catalogues what it can, skips and reports the rest, exits 1.
    const rebuildFlags = [...lakeFlags, '--database', await freshDatabase()];
    const rebuild = await runCli('catalog', 'rebuild', ...rebuildFlags, '--json');
    expect(rebuild.code, rebuild.stderr).toBe(1);
    expect(JSON.parse(rebuild.stdout)).toEqual({
      listed: 13,
      inserted: 11,
      already_present: 0,
      conflicting: [],
      failed: [{ key: garbled, reason: expect.stringMatching(/^no .* in its metadata, body or tags$/) }],
      ignored: ['raw/notes.txt'],
    });
    // The rebuilt catalog records what the metadata says; verify still finds the forged bodies.
    const again = JSON.parse((await runCli('verify', ...rebuildFlags, '--json')).stdout) as Report;
    expect(again.mismatches).toContainEqual(
      expect.objectContaining({ key: nvdaIndicators, problem: 'content-sha256' }),
    );
    expect(again.mismatches).toContainEqual(expect.objectContaining({ key: d05Raw, problem: 'content-sha256' }));
  });
});
