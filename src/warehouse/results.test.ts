import { expect, it } from 'vitest';
import {
  describeOnDatabases,
  makeBars,
  makeFeatureValues,
  makeIndicatorValues,
  makeOutboxEntry,
} from '../../test/support/databases.js';
import { countStatements } from '../../test/support/statements.js';
import {
  CatalogConflictError,
  type CatalogObjectInput,
  getCatalogObject,
  insertCatalogObject,
} from './lake-objects.js';
import {
  commitComputedResults,
  type ComputedResultsInput,
  type ResultsCommit,
  writeComputedResults,
} from './results.js';
import { listPendingOutbox } from './outbox.js';

const TS = '20240301_210500';
const RAW_KEY = 'raw/yfinance/NVDA/2024-03-01/20240301_210000.json';

function input(overrides: Partial<ComputedResultsInput> = {}): ComputedResultsInput {
  return {
    symbol: 'NVDA',
    computationVersion: '1.0',
    computedAt: new Date('2024-03-01T21:05:00Z'),
    sourceRawKey: RAW_KEY,
    sourceRawVersionId: 'v-raw',
    indicators: {
      lakeKey: `processed/indicators/NVDA/2024-03-01/${TS}.json`,
      rows: [
        { date: '2024-02-29', values: makeIndicatorValues(10, ['sma_200']) },
        { date: '2024-03-01', values: makeIndicatorValues(20) },
      ],
    },
    percentiles: {
      lakeKey: `processed/percentiles/NVDA/2024-03-01/${TS}.json`,
      date: '2024-03-01',
      lookbackDays: 252,
      currentPricePercentile: 87.5,
      statistics: {
        rsi_14: { current_value: 61.2, percentile: 70, mean: 50, std: 10, min: 20, max: 80 },
        current_price_percentile: 87.5,
      },
    },
    features: {
      lakeKey: `processed/features/NVDA/2024-03-01/${TS}.json`,
      date: '2024-03-01',
      values: makeFeatureValues(0.1),
      bars: 300,
    },
    outbox: [
      makeOutboxEntry('indicators', 'NVDA', '2024-03-01', TS, RAW_KEY),
      makeOutboxEntry('percentiles', 'NVDA', '2024-03-01', TS, RAW_KEY),
      makeOutboxEntry('features', 'NVDA', '2024-03-01', TS, RAW_KEY),
    ],
    ...overrides,
  };
}

describeOnDatabases('writeComputedResults', (ctx) => {
  async function counts() {
    const { db } = ctx.warehouse();
    const count = async (
      table: 'daily_indicators' | 'indicator_percentiles' | 'comparative_features' | 'lake_outbox',
    ) =>
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    return {
      indicators: await count('daily_indicators'),
      percentiles: await count('indicator_percentiles'),
      features: await count('comparative_features'),
      outbox: await count('lake_outbox'),
    };
  }

  it('writes indicator, percentile and feature rows with their lineage, and the outbox entries', async () => {
    const { db } = ctx.warehouse();
    const ids = await writeComputedResults(db, input());
    expect(ids).toHaveLength(3);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(await counts()).toEqual({ indicators: 2, percentiles: 1, features: 1, outbox: 3 });

    const indicators = await db.selectFrom('daily_indicators').selectAll().orderBy('indicator_date').execute();
    expect(indicators[0]).toMatchObject({
      symbol: 'NVDA',
      indicator_date: '2024-02-29',
      sma_20: 10,
      sma_200: null, // NaN from the kernels is stored as null
      uncertainty_score: 26,
      computation_version: '1.0',
      lake_key: `processed/indicators/NVDA/2024-03-01/${TS}.json`,
      source_raw_key: RAW_KEY,
      source_raw_version_id: 'v-raw',
    });
    expect(indicators[0].computed_at.toISOString()).toBe('2024-03-01T21:05:00.000Z');

    const percentile = await db.selectFrom('indicator_percentiles').selectAll().executeTakeFirstOrThrow();
    expect(percentile).toMatchObject({
      percentile_date: '2024-03-01',
      lookback_days: 252,
      current_price_percentile: 87.5,
    });
    expect(percentile.statistics).toEqual(input().percentiles!.statistics);

    const features = await db.selectFrom('comparative_features').selectAll().executeTakeFirstOrThrow();
    expect(features).toMatchObject({ feature_date: '2024-03-01', return_1d: null, return_5d: 0.11, bars: 300 });

    const pending = await listPendingOutbox(db, 10);
    expect(pending.map((entry) => entry.id)).toEqual(ids);
    expect(pending.map((entry) => entry.kind)).toEqual(['indicators', 'percentiles', 'features']);
  });

  it('upserts: a recomputation replaces the rows of the same dates', async () => {
    const { db } = ctx.warehouse();
    await writeComputedResults(db, input());
    const later = '20240302_010000';
    await writeComputedResults(
      db,
      input({
        computationVersion: '2.0',
        indicators: {
          lakeKey: `processed/indicators/NVDA/2024-03-01/${later}.json`,
          rows: [{ date: '2024-03-01', values: makeIndicatorValues(99) }],
        },
        outbox: [makeOutboxEntry('indicators', 'NVDA', '2024-03-01', later, RAW_KEY)],
      }),
    );
    expect(await counts()).toEqual({ indicators: 2, percentiles: 1, features: 1, outbox: 4 });
    const march1 = await db
      .selectFrom('daily_indicators')
      .selectAll()
      .where('indicator_date', '=', '2024-03-01')
      .executeTakeFirstOrThrow();
    expect(march1).toMatchObject({
      sma_20: 99,
      computation_version: '2.0',
      lake_key: `processed/indicators/NVDA/2024-03-01/${later}.json`,
    });
    // Percentiles and features were rewritten by the second call too (same key, version 2.0).
    const features = await db
      .selectFrom('comparative_features')
      .select('computation_version')
      .executeTakeFirstOrThrow();
    expect(features.computation_version).toBe('2.0');
  });

  it('writes the quality mark on every result row, and a clean recomputation of the same rows clears it', async () => {
    const { db } = ctx.warehouse();
    const marks = async () => {
      const select = async (table: 'daily_indicators' | 'indicator_percentiles' | 'comparative_features') =>
        (await db.selectFrom(table).select('quality_failed').execute()).map((row) => row.quality_failed);
      return [
        ...(await select('daily_indicators')),
        ...(await select('indicator_percentiles')),
        ...(await select('comparative_features')),
      ];
    };
    const failed = 'consistency.high_low:error,stability.restated_bars:warn';
    await writeComputedResults(db, input({ qualityFailed: failed }));
    expect(await marks()).toEqual([failed, failed, failed, failed]);
    // Written without a mark (clean results): the upsert sets the column, it does not keep the old mark.
    await writeComputedResults(db, input());
    expect(await marks()).toEqual([null, null, null, null]);
  });

  it('writes nothing when the features row violates a constraint (all-or-nothing)', async () => {
    const { db } = ctx.warehouse();
    const bad = input();
    bad.features = { ...bad.features!, bars: -1 }; // CHECK (bars >= 0), after indicators and percentiles were sent
    await expect(writeComputedResults(db, bad)).rejects.toThrow(/check constraint/);
    expect(await counts()).toEqual({ indicators: 0, percentiles: 0, features: 0, outbox: 0 });
  });

  it('writes nothing when the last statement, the outbox insert, fails', async () => {
    const { db } = ctx.warehouse();
    const bad = input();
    // A kind the CHECK constraint refuses; the plan still matches so the database is what says no.
    bad.outbox = [
      { ...bad.outbox[0], kind: 'bogus' as never, catalog: { ...bad.outbox[0].catalog, kind: 'bogus' as never } },
    ];
    await expect(writeComputedResults(db, bad)).rejects.toThrow(/check constraint/);
    expect(await counts()).toEqual({ indicators: 0, percentiles: 0, features: 0, outbox: 0 });
  });

  it('does not let a failed write disturb rows committed before it', async () => {
    const { db } = ctx.warehouse();
    await writeComputedResults(db, input());
    const bad = input({ computationVersion: '2.0' });
    bad.percentiles = { ...bad.percentiles!, lookbackDays: 0 }; // CHECK (lookback_days > 0)
    await expect(writeComputedResults(db, bad)).rejects.toThrow();
    const versions = await db.selectFrom('daily_indicators').select('computation_version').distinct().execute();
    expect(versions).toEqual([{ computation_version: '1.0' }]);
    expect(await counts()).toEqual({ indicators: 2, percentiles: 1, features: 1, outbox: 3 });
  });

  it('refuses an infinite value and an outbox plan that does not describe its body', async () => {
    const { db } = ctx.warehouse();
    const infinite = input();
    infinite.features!.values.sharpe_ratio = Number.POSITIVE_INFINITY;
    await expect(writeComputedResults(db, infinite)).rejects.toThrow(/sharpe_ratio is Infinity/);
    const mismatched = input();
    mismatched.outbox = [{ ...mismatched.outbox[0], body: `${mismatched.outbox[0].body} ` }];
    await expect(writeComputedResults(db, mismatched)).rejects.toThrow(/sha256 is not the sha256 of the body/);
    expect(await counts()).toEqual({ indicators: 0, percentiles: 0, features: 0, outbox: 0 });
  });

  /** A raw object as the daily run catalogues it with its ticker's rows. */
  const RAW_OBJECT: CatalogObjectInput = {
    key: RAW_KEY,
    kind: 'raw',
    ticker: 'NVDA',
    objectDate: '2024-03-01',
    versionId: 'v-raw',
    sha256: 'a'.repeat(64),
    size: 1234,
    computationVersion: null,
    sourceRawKey: null,
    sourceRawVersionId: null,
    createdAt: new Date('2024-03-01T21:00:00Z'),
  };

  /** Two as-of dates, as a reprocess batch commits them, with the raw object and the prices of the daily run. */
  function unit(): ResultsCommit {
    const next = input();
    const day2 = '2024-03-04';
    return {
      catalogObject: RAW_OBJECT,
      prices: {
        symbol: 'NVDA',
        bars: makeBars(5),
        raw: { key: RAW_KEY, versionId: 'v-raw', fetchedAt: '2024-03-01T21:00:00Z' },
      },
      results: [
        input(),
        {
          ...next,
          indicators: {
            lakeKey: `processed/indicators/NVDA/${day2}/${TS}.json`,
            rows: [{ date: day2, values: makeIndicatorValues(30) }],
          },
          percentiles: { ...next.percentiles!, lakeKey: `processed/percentiles/NVDA/${day2}/${TS}.json`, date: day2 },
          features: { ...next.features!, lakeKey: `processed/features/NVDA/${day2}/${TS}.json`, date: day2 },
          outbox: [
            makeOutboxEntry('indicators', 'NVDA', day2, TS, RAW_KEY),
            makeOutboxEntry('percentiles', 'NVDA', day2, TS, RAW_KEY),
            makeOutboxEntry('features', 'NVDA', day2, TS, RAW_KEY),
          ],
        },
      ],
    };
  }

  it('commits the catalog row, the prices, the rows of several dates and their outbox entries in ONE statement', async () => {
    const { db } = ctx.warehouse();
    const statements = countStatements();
    const commit = unit();
    const ids = await commitComputedResults(db.withPlugin(statements.plugin), commit);
    expect(statements.labels).toEqual([
      'insert lake_outbox with insert lake_objects, insert daily_prices, insert price_sources, insert daily_indicators, insert indicator_percentiles, insert comparative_features',
    ]);
    expect(await counts()).toEqual({ indicators: 3, percentiles: 2, features: 2, outbox: 6 });
    // The ids follow the entries, matched by key.
    const pending = await listPendingOutbox(db, 10);
    const idOf = new Map(pending.map((entry) => [entry.key, entry.id]));
    expect(ids).toEqual(commit.results.flatMap((r) => r.outbox).map((entry) => idOf.get(entry.key)));
    expect(await getCatalogObject(db, RAW_KEY)).toMatchObject({ ...RAW_OBJECT, createdAt: RAW_OBJECT.createdAt });
    expect(await db.selectFrom('daily_prices').select('price_date').execute()).toHaveLength(5);
    const percentiles = await db
      .selectFrom('indicator_percentiles')
      .select(['percentile_date', 'lake_key'])
      .orderBy('percentile_date')
      .execute();
    expect(percentiles.map((row) => row.lake_key)).toEqual([
      `processed/percentiles/NVDA/2024-03-01/${TS}.json`,
      `processed/percentiles/NVDA/2024-03-04/${TS}.json`,
    ]);

    // Again, as a retried run does: the same catalog row is no conflict, the rest is upserted, the outbox grows.
    await commitComputedResults(db, unit());
    expect(await counts()).toEqual({ indicators: 3, percentiles: 2, features: 2, outbox: 12 });
  });

  it('writes nothing when the catalog row names another object under the same key', async () => {
    const { db } = ctx.warehouse();
    await insertCatalogObject(db, { ...RAW_OBJECT, sha256: 'b'.repeat(64) });
    const failure = commitComputedResults(db, unit());
    await expect(failure).rejects.toThrow(CatalogConflictError);
    await expect(failure).rejects.toThrow(`lake object ${RAW_KEY} is already catalogued with different sha256`);
    expect(await counts()).toEqual({ indicators: 0, percentiles: 0, features: 0, outbox: 0 });
    expect(await db.selectFrom('daily_prices').select('price_date').execute()).toEqual([]);
  });

  it('refuses a row key repeated across inputs before sending anything (one statement cannot upsert a row twice)', async () => {
    const { db } = ctx.warehouse();
    const statements = countStatements();
    const twice = input({ outbox: [] });
    await expect(
      commitComputedResults(db.withPlugin(statements.plugin), { results: [input(), twice] }),
    ).rejects.toThrow(/indicator rows: symbol and date: NVDA 2024-02-29 appears more than once/);
    expect(statements.labels).toEqual([]);
  });

  it('sends nothing for nothing to write', async () => {
    const { db } = ctx.warehouse();
    const statements = countStatements();
    expect(await commitComputedResults(db.withPlugin(statements.plugin), { results: [] })).toEqual([]);
    expect(statements.labels).toEqual([]);
  });
});
