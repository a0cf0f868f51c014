import { afterEach, beforeEach, expect, it } from 'vitest';
import { INDICATOR_FIELDS } from '../../src/compute/fields.js';
import { PERCENTILE_METRICS } from '../../src/compute/percentiles.js';
import { sha256Hex } from '../../src/lake/formats/render.js';
import type { RawSnapshot } from '../../src/lake/formats/raw.js';
import { computeResults } from '../../src/compute/results.js';
import { PRODUCER } from '../../src/version.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, TEST_NOW, type TestLake } from '../support/lake.js';
import { countPendingOutbox } from '../../src/warehouse/outbox.js';

describeOnDatabases('the write path on the embedded lake', (ctx) => {
  let t: TestLake;
  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
  });
  afterEach(async () => t.dispose());

  it('writes raw, indicators, percentiles and features with the keys, bodies, tags, metadata, rows and catalog of docs/design.md', async () => {
    // Without the quality checks: this is the JSON objects' write path alone (test/quality covers their object).
    const summary = await t.run({ tables: false, quality: false, tickers: ['NVDA', 'd05.si'] });
    expect(summary.status).toBe('ok');
    expect(summary.tickers_ok).toEqual(['NVDA', 'D05.SI']);
    expect(summary.objects_written).toBe(8);
    expect(summary.outbox_pending).toBe(0);

    const keys = await t.keys();
    expect(keys).toEqual([
      'processed/features/D05.SI/2026-11-26/20261126_213000.json',
      'processed/features/NVDA/2026-11-26/20261126_213000.json',
      'processed/indicators/D05.SI/2026-11-26/20261126_213000.json',
      'processed/indicators/NVDA/2026-11-26/20261126_213000.json',
      'processed/percentiles/D05.SI/2026-11-26/20261126_213000.json',
      'processed/percentiles/NVDA/2026-11-26/20261126_213000.json',
      'raw/sample/D05.SI/2026-11-26/20261126_213000.json',
      'raw/sample/NVDA/2026-11-26/20261126_213000.json',
    ]);

    // The raw snapshot: one line of JSON, as fetched, with its tags and metadata.
    const rawKey = 'raw/sample/NVDA/2026-11-26/20261126_213000.json';
    const rawObject = await t.store.get(rawKey);
    const rawText = Buffer.from(rawObject.body).toString('utf8');
    expect(rawText).not.toContain('\n');
    expect(rawObject.contentType).toBe('application/json');
    const raw = JSON.parse(rawText) as RawSnapshot;
    expect(raw).toMatchObject({
      schema: 'marketlake.raw/1',
      source: 'sample',
      ticker: 'NVDA',
      fetched_at: TEST_NOW.toISOString(),
      interval: '1d',
      synthetic: true,
    });
    expect(raw.bars.length).toBeGreaterThan(480);
    expect(await t.store.getTags(rawKey)).toEqual({ source: 'sample', ticker: 'NVDA', fetched_at: '2026-11-26' });
    expect(rawObject.metadata).toEqual({
      fetched_at: TEST_NOW.toISOString(),
      source: 'sample',
      ticker: 'NVDA',
      data_classification: 'public-api-data',
      content_sha256: sha256Hex(rawText),
      bars: String(raw.bars.length),
      first_date: raw.bars[0].date,
      last_date: raw.bars[raw.bars.length - 1].date,
      producer: PRODUCER,
      synthetic: 'true',
    });

    // Each processed object names the exact raw object (key, version id, sha256) and holds what it computes to.
    const expected = computeResults(raw, '1.0');
    for (const kind of ['indicators', 'percentiles', 'features'] as const) {
      const key = `processed/${kind}/NVDA/2026-11-26/20261126_213000.json`;
      const object = await t.store.get(key);
      const text = Buffer.from(object.body).toString('utf8');
      const body = JSON.parse(text);
      expect(body).toEqual({
        schema: `marketlake.${kind}/1`,
        ticker: 'NVDA',
        as_of: '2026-11-26',
        computation_version: '1.0',
        computed_at: TEST_NOW.toISOString(),
        source_raw_data_key: rawKey,
        source_raw_data_version_id: rawObject.versionId,
        source_raw_data_sha256: sha256Hex(rawText),
        values: JSON.parse(JSON.stringify(expected[kind])),
      });
      expect(await t.store.getTags(key)).toEqual({
        source: 'computed',
        ticker: 'NVDA',
        computed_at: '2026-11-26',
        source_raw_data: rawKey,
        computation_version: '1.0',
        computation_type: kind,
      });
      expect(object.metadata).toEqual({
        computed_at: TEST_NOW.toISOString(),
        source: `${kind}_computation`,
        ticker: 'NVDA',
        as_of: '2026-11-26',
        source_raw_data_key: rawKey,
        source_raw_data_version_id: rawObject.versionId,
        source_raw_data_sha256: sha256Hex(rawText),
        computation_version: '1.0',
        data_classification: 'computed-data',
        indicators_computed: Object.keys(body.values).join(','),
        content_sha256: sha256Hex(text),
        producer: PRODUCER,
      });
    }
    const indicators = JSON.parse(
      Buffer.from((await t.store.get('processed/indicators/NVDA/2026-11-26/20261126_213000.json')).body).toString(),
    );
    expect(Object.keys(indicators.values)).toEqual([...INDICATOR_FIELDS]);
    expect(indicators.values.sma_200).toEqual(expect.any(Number));
    const percentiles = JSON.parse(
      Buffer.from((await t.store.get('processed/percentiles/NVDA/2026-11-26/20261126_213000.json')).body).toString(),
    );
    expect(Object.keys(percentiles.values)).toEqual([...PERCENTILE_METRICS, 'current_price_percentile']);

    // The database: every bar, one result row per kind, each naming its lake object and raw snapshot.
    const db = t.warehouse.db;
    const prices = await db
      .selectFrom('daily_prices')
      .selectAll()
      .where('symbol', '=', 'NVDA')
      .orderBy('price_date')
      .execute();
    expect(prices).toHaveLength(raw.bars.length);
    expect(prices[prices.length - 1]).toMatchObject({
      price_date: '2026-11-26',
      close: raw.bars[raw.bars.length - 1].close,
      raw_key: rawKey,
      raw_version_id: rawObject.versionId,
    });
    const indicatorRow = await db
      .selectFrom('daily_indicators')
      .selectAll()
      .where('symbol', '=', 'NVDA')
      .executeTakeFirstOrThrow();
    expect(indicatorRow).toMatchObject({
      indicator_date: '2026-11-26',
      computation_version: '1.0',
      lake_key: 'processed/indicators/NVDA/2026-11-26/20261126_213000.json',
      source_raw_key: rawKey,
      source_raw_version_id: rawObject.versionId,
      rsi_14: expected.indicators.rsi_14,
      sma_200: expected.indicators.sma_200,
    });
    const percentileRow = await db
      .selectFrom('indicator_percentiles')
      .selectAll()
      .where('symbol', '=', 'NVDA')
      .executeTakeFirstOrThrow();
    expect(percentileRow).toMatchObject({
      percentile_date: '2026-11-26',
      lookback_days: raw.bars.length,
      current_price_percentile: expected.percentiles.current_price_percentile,
    });
    const featureRow = await db
      .selectFrom('comparative_features')
      .selectAll()
      .where('symbol', '=', 'NVDA')
      .executeTakeFirstOrThrow();
    expect(featureRow).toMatchObject({
      feature_date: '2026-11-26',
      return_1d: expected.features.return_1d,
      max_drawdown: expected.features.max_drawdown,
    });

    // The catalog: one row per object, with the store's version id and the body's sha256.
    const catalog = await db.selectFrom('lake_objects').selectAll().orderBy('key').execute();
    expect(catalog.map((row) => row.key)).toEqual(keys);
    for (const row of catalog) {
      const head = await t.store.head(row.key);
      expect(row.version_id).toBe(head.versionId);
      expect(row.sha256).toBe(head.metadata.content_sha256);
      expect(Number(row.size)).toBe(head.size);
      if (row.kind !== 'raw')
        expect(row).toMatchObject({
          computation_version: '1.0',
          source_raw_key: `raw/sample/${row.ticker}/2026-11-26/20261126_213000.json`,
        });
    }

    const run = await db.selectFrom('computation_runs').selectAll().executeTakeFirstOrThrow();
    expect(run).toMatchObject({
      run_id: summary.run_id,
      kind: 'run',
      status: 'ok',
      computation_version: '1.0',
      source: 'sample',
    });
    expect(await countPendingOutbox(t.warehouse.db)).toBe(0);
  });

  it('reads back through the DataLake: latest, by date, by version, versions and lineage both ways', async () => {
    await t.run({ tables: false, tickers: ['NVDA'] });
    const later = new Date(TEST_NOW.getTime() + 3_600_000);
    await t.run({ tables: false, tickers: ['NVDA'], clock: () => later, computationVersion: '2.0' });

    const latest = await t.lake.getLatest('indicators', 'NVDA');
    expect(latest.key).toBe('processed/indicators/NVDA/2026-11-26/20261126_223000.json');
    expect((latest.body as { computation_version: string }).computation_version).toBe('2.0');
    const older = await t.lake.getByVersion('indicators', 'NVDA', '20261126_213000');
    expect((older.body as { computation_version: string }).computation_version).toBe('1.0');
    const byVersionId = await t.lake.getByVersion('indicators', 'NVDA', older.versionId);
    expect(byVersionId.key).toBe(older.key);

    const versions = await t.lake.listVersions('indicators', 'NVDA');
    expect(versions.map((v) => [v.key, v.computation_version])).toEqual([
      ['processed/indicators/NVDA/2026-11-26/20261126_223000.json', '2.0'],
      ['processed/indicators/NVDA/2026-11-26/20261126_213000.json', '1.0'],
    ]);

    const up = await t.lake.lineage(older.key);
    expect(up.sources).toEqual([
      {
        key: 'raw/sample/NVDA/2026-11-26/20261126_213000.json',
        version_id: expect.any(String),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    const down = await t.lake.lineage('raw/sample/NVDA/2026-11-26/20261126_213000.json');
    expect(down.derived.map((d) => d.key).sort()).toEqual([
      'processed/features/NVDA/2026-11-26/20261126_213000.json',
      'processed/indicators/NVDA/2026-11-26/20261126_213000.json',
      'processed/percentiles/NVDA/2026-11-26/20261126_213000.json',
    ]);
  });
});
