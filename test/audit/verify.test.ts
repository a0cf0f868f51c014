import { afterEach, beforeEach, expect, it } from 'vitest';
import { verifyLake, type VerifyOptions } from '../../src/verify/verify-lake.js';
import type { Mismatch, VerifyReport } from '../../src/verify/report.js';
import { sha256Hex } from '../../src/lake/formats/render.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, TEST_NOW, type TestLake } from '../support/lake.js';
import { nextUp, readBody, removeObject, replaceBody, scribble, updateMetadata } from '../support/fs-tamper.js';
import { insertCatalogObject, listCatalogObjects } from '../../src/warehouse/lake-objects.js';

const LATER = new Date('2026-11-27T21:30:00Z');
const NVDA_RAW = 'raw/sample/NVDA/2026-11-26/20261126_213000.json';
const NVDA_INDICATORS = 'processed/indicators/NVDA/2026-11-26/20261126_213000.json';
const NVDA_PERCENTILES = 'processed/percentiles/NVDA/2026-11-26/20261126_213000.json';
const NVDA_FEATURES = 'processed/features/NVDA/2026-11-26/20261126_213000.json';

describeOnDatabases('marketlake verify', (ctx) => {
  let t: TestLake;
  const verify = (options: Partial<VerifyOptions> = {}): Promise<VerifyReport> =>
    verifyLake({ store: t.store, db: t.warehouse.db, ...options });
  const problems = (report: VerifyReport, key: string): Mismatch['problem'][] =>
    report.mismatches.filter((m) => m.key === key).map((m) => m.problem);

  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
    // Two runs, two computation versions, three tickers: 6 raw and 18 processed objects.
    // The JSON objects' audit: the table files have their own (test/tables/verify-tables.test.ts).
    expect((await t.run({ computationVersion: '1.0', tables: false })).status).toBe('ok');
    expect((await t.run({ computationVersion: '2.0', clock: () => LATER, tables: false })).status).toBe('ok');
  });
  afterEach(async () => t.dispose());

  it('passes on a clean lake, reading each raw object once for the three results computed from it', async () => {
    t.store.resetCounts();
    const report = await verify();
    expect(report).toEqual({
      checked: 18,
      raw_checked: 6,
      catalog_rows: 24,
      table_files_checked: 0,
      ok: true,
      mismatches: [],
      missing_objects: [],
      uncatalogued_objects: [],
    });
    // 18 processed + 6 raw GETs: every raw is read once (cached by key + version) and no catalog row needs a HEAD.
    expect(t.store.counts).toMatchObject({ gets: 24, heads: 0 });
  });

  it('catches a processed object rewritten in the store folder (the store serves it; the sha256 does not match)', async () => {
    const original = JSON.parse(await readBody(t.root, NVDA_INDICATORS));
    const recorded = (await t.store.head(NVDA_INDICATORS)).metadata.content_sha256;
    const tampered = await replaceBody(t.root, NVDA_INDICATORS, (body) =>
      body.replace(/"rsi_14":[^,]+/, '"rsi_14":99.5'),
    );
    const report = await verify();
    expect(report.ok).toBe(false);
    const found = report.mismatches.filter((m) => m.key === NVDA_INDICATORS);
    expect(found).toContainEqual(
      expect.objectContaining({
        kind: 'indicators',
        problem: 'content-sha256',
        expected: recorded,
        actual: sha256Hex(tampered),
      }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({ problem: 'catalog', field: 'sha256', expected: recorded, actual: sha256Hex(tampered) }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({ problem: 'value', field: 'rsi_14', expected: original.values.rsi_14, actual: 99.5 }),
    );
    // Nothing else in the lake is blamed.
    expect(new Set(report.mismatches.map((m) => m.key))).toEqual(new Set([NVDA_INDICATORS]));
  });

  it('reports an object file the store itself refuses (body changed, header not) as a read error', async () => {
    await scribble(t.root, NVDA_FEATURES);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.mismatches).toEqual([
      expect.objectContaining({
        key: NVDA_FEATURES,
        kind: 'features',
        problem: 'read-error',
        actual: expect.stringMatching(/corrupt object file/),
      }),
    ]);
  });

  it('catches a tampered raw snapshot: its hash, the catalog, the references of the three results, and their values', async () => {
    const before = await readBody(t.root, NVDA_RAW);
    const after = await replaceBody(t.root, NVDA_RAW, (body) => {
      const raw = JSON.parse(body);
      raw.bars[raw.bars.length - 1].close *= 1.01;
      return JSON.stringify(raw);
    });
    const report = await verify();
    expect(report.ok).toBe(false);
    const onRaw = report.mismatches.filter((m) => m.key === NVDA_RAW);
    expect(onRaw).toContainEqual(
      expect.objectContaining({
        kind: 'raw',
        problem: 'content-sha256',
        expected: sha256Hex(before),
        actual: sha256Hex(after),
      }),
    );
    expect(onRaw).toContainEqual(
      expect.objectContaining({
        kind: 'raw',
        problem: 'catalog',
        field: 'sha256',
        expected: sha256Hex(before),
        actual: sha256Hex(after),
      }),
    );
    // The new close has more digits: the catalog's size no longer matches either.
    expect(onRaw).toContainEqual(
      expect.objectContaining({
        problem: 'catalog',
        field: 'size',
        expected: Buffer.byteLength(before),
        actual: Buffer.byteLength(after),
      }),
    );
    for (const key of [NVDA_INDICATORS, NVDA_PERCENTILES, NVDA_FEATURES]) {
      expect(report.mismatches).toContainEqual(
        expect.objectContaining({
          key,
          problem: 'source-raw-sha256',
          field: 'source_raw_data_sha256',
          expected: sha256Hex(before),
          actual: sha256Hex(after),
        }),
      );
      expect(problems(report, key)).toContain('value');
    }
    expect(report.mismatches.filter((m) => m.key === NVDA_FEATURES && m.field === 'return_1d')).toHaveLength(1);
  });

  it('catches a one-bit change in a value whose metadata sha256 and catalog row were updated too (only the recomputation can)', async () => {
    const original = JSON.parse(await readBody(t.root, NVDA_PERCENTILES));
    const expected = original.values.rsi_14.mean as number;
    const changed = nextUp(expected);
    const body = await replaceBody(t.root, NVDA_PERCENTILES, (text) => {
      const document = JSON.parse(text);
      document.values.rsi_14.mean = changed;
      return JSON.stringify(document);
    });
    await updateMetadata(t.root, NVDA_PERCENTILES, { content_sha256: sha256Hex(body) });
    await t.warehouse.db
      .updateTable('lake_objects')
      .set({ sha256: sha256Hex(body), size: Buffer.byteLength(body) })
      .where('key', '=', NVDA_PERCENTILES)
      .execute();

    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.mismatches).toEqual([
      {
        key: NVDA_PERCENTILES,
        kind: 'percentiles',
        problem: 'value',
        field: 'rsi_14.mean',
        expected,
        actual: changed,
        version_id: expect.any(String),
      },
    ]);
    expect(changed).not.toBe(expected);
    expect(Math.abs(changed - expected)).toBeLessThan(1e-12);
  });

  it('reports catalog rows without object: a row for nothing, a deleted object, a row naming a version that does not exist', async () => {
    const ghost = 'processed/indicators/NVDA/2026-11-20/20261120_213000.json';
    await insertCatalogObject(t.warehouse.db, {
      key: ghost,
      kind: 'indicators',
      ticker: 'NVDA',
      objectDate: '2026-11-20',
      versionId: 'v-ghost',
      sha256: 'a'.repeat(64),
      size: 10,
      computationVersion: '1.0',
      sourceRawKey: NVDA_RAW,
      sourceRawVersionId: 'v-raw',
    });
    const [rawRow] = await listCatalogObjects(t.warehouse.db, {
      ticker: 'NVDA',
      kind: 'raw',
      toDate: '2026-11-26',
      limit: 1,
    });
    await removeObject(t.root, NVDA_RAW);
    const d05 = 'processed/features/D05.SI/2026-11-26/20261126_213000.json';
    await t.warehouse.db
      .updateTable('lake_objects')
      .set({ version_id: 'v-not-there' })
      .where('key', '=', d05)
      .execute();

    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.missing_objects).toEqual(
      [
        { key: ghost, kind: 'indicators', version_id: 'v-ghost', problem: 'no-object' },
        { key: d05, kind: 'features', version_id: 'v-not-there', problem: 'no-version' },
        { key: NVDA_RAW, kind: 'raw', version_id: rawRow.versionId, problem: 'no-object' },
      ].sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
    expect(report.mismatches).toContainEqual(
      expect.objectContaining({ key: d05, problem: 'catalog', field: 'version_id', expected: 'v-not-there' }),
    );
    // The three results computed from the deleted raw snapshot cannot be traced to it any more.
    for (const key of [NVDA_INDICATORS, NVDA_PERCENTILES, NVDA_FEATURES]) {
      expect(report.mismatches).toContainEqual(
        expect.objectContaining({
          key,
          problem: 'source-raw-missing',
          expected: `${NVDA_RAW}?versionId=${rawRow.versionId}`,
        }),
      );
    }
  });

  it('reports objects without catalog row, and still verifies them', async () => {
    await t.warehouse.db.deleteFrom('lake_objects').where('key', 'in', [NVDA_INDICATORS, NVDA_RAW]).execute();
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.mismatches).toEqual([]);
    expect(report.missing_objects).toEqual([]);
    expect(report.uncatalogued_objects).toEqual([
      { key: NVDA_INDICATORS, kind: 'indicators', size: expect.any(Number) },
      { key: NVDA_RAW, kind: 'raw', size: expect.any(Number) },
    ]);
    expect(report.checked).toBe(18);
  });

  it('--tickers limits every check to those tickers', async () => {
    await scribble(t.root, NVDA_INDICATORS);
    const other = await verify({ tickers: ['D05.SI', '7974.T'] });
    expect(other).toMatchObject({ checked: 12, raw_checked: 4, catalog_rows: 16, ok: true });
    const nvda = await verify({ tickers: ['NVDA'] });
    expect(nvda).toMatchObject({ checked: 6, raw_checked: 2, catalog_rows: 8, ok: false });
    expect(nvda.mismatches.map((m) => [m.key, m.problem])).toEqual([[NVDA_INDICATORS, 'read-error']]);
  });

  it('--sample recomputes only a sample but still checks every catalog row against its object', async () => {
    // Objects are in (ticker, date, time, kind) order; these draws pick the last two (indices 17 and 16): NVDA's
    // indicators and percentiles of the second run, which share one raw snapshot.
    const draws = () => {
      const values = [0.99, 0.9];
      return () => values.shift()!;
    };
    const report = await verify({ sample: 2, random: draws() });
    expect(report).toMatchObject({ checked: 2, ok: true, catalog_rows: 24 });
    const d05Raw = 'raw/sample/D05.SI/2026-11-26/20261126_213000.json';
    await t.warehouse.db.updateTable('lake_objects').set({ size: 1 }).where('key', '=', d05Raw).execute();
    t.store.resetCounts();
    const sampled = await verify({ sample: 2, random: draws() });
    expect(sampled.ok).toBe(false);
    expect(sampled.mismatches).toEqual([
      expect.objectContaining({ key: d05Raw, problem: 'catalog', field: 'size', expected: 1 }),
    ]);
    // Two processed objects and their one raw were read; the other 21 rows were checked with a HEAD each.
    expect(t.store.counts).toMatchObject({ gets: 3, heads: 21 });
  });

  it('the clean pass is not vacuous: the lake holds 1.0 and 2.0 results that differ, each recomputed under its own version', async () => {
    const key = 'processed/indicators/NVDA/2026-11-26/20261127_213000.json';
    const body = JSON.parse(await readBody(t.root, key));
    expect(body.computation_version).toBe('2.0');
    const v1 = JSON.parse(await readBody(t.root, NVDA_INDICATORS));
    expect(v1.computation_version).toBe('1.0');
    expect(v1.values.rsi_14).not.toBe(body.values.rsi_14);
    expect(TEST_NOW.toISOString()).toBe(v1.computed_at);
  });

  it('recomputes under the RECORDED version: relabelling 2.0 results as 1.0 (hashes and catalog updated) is caught', async () => {
    const key = 'processed/indicators/NVDA/2026-11-26/20261127_213000.json';
    const body = await replaceBody(t.root, key, (text) =>
      text.replace('"computation_version":"2.0"', '"computation_version":"1.0"'),
    );
    await updateMetadata(t.root, key, { content_sha256: sha256Hex(body), computation_version: '1.0' });
    await t.warehouse.db
      .updateTable('lake_objects')
      .set({ sha256: sha256Hex(body), computation_version: '1.0' })
      .where('key', '=', key)
      .execute();
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(new Set(report.mismatches.map((m) => `${m.key} ${m.problem}`))).toEqual(new Set([`${key} value`]));
    expect(report.mismatches.map((m) => m.field)).toContain('rsi_14');
  });

  it('catches metadata that no longer matches the body it describes', async () => {
    await updateMetadata(t.root, NVDA_FEATURES, { source_raw_data_version_id: 'v-other' });
    const report = await verify();
    expect(report.mismatches).toContainEqual(
      expect.objectContaining({
        key: NVDA_FEATURES,
        problem: 'body',
        field: 'source_raw_data_version_id',
        expected: 'v-other',
      }),
    );
    // The metadata is what names the raw version to read (as docs/design.md has it): that version does not exist.
    expect(problems(report, NVDA_FEATURES)).toContain('source-raw-missing');
  });
});
