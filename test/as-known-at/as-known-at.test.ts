import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  findAsKnownAt,
  findAsKnownAtInCatalog,
  findAsKnownAtInLake,
  getAsKnownAt,
  parseInstant,
  type AsKnownAtQuery,
} from '../../src/as-known-at/index.js';
import type { ObjectKind } from '../../src/lake/keys.js';
import { LakeObjectNotFoundError } from '../../src/lake/data-lake.js';
import type { ProcessedDocument } from '../../src/lake/formats/processed.js';
import { storeProcessed } from '../../src/lake/testing/store.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, TEST_NOW, type TestLake } from '../support/lake.js';

const T1 = TEST_NOW; // 2026-11-26T21:30:00Z, computation version 1.0
const T2 = new Date('2026-11-27T21:30:00Z'); // computation version 2.0
const T3 = new Date('2026-11-28T09:00:00Z'); // a recomputation of an OLDER as-of date
const second = (date: Date, delta: number) => new Date(date.getTime() + delta * 1000);

const RUN1 = 'processed/indicators/NVDA/2026-11-26/20261126_213000.json';
const RUN2 = 'processed/indicators/NVDA/2026-11-26/20261127_213000.json';
const OLDER_DATE = 'processed/indicators/NVDA/2026-11-20/20261128_090000.json';

describeOnDatabases('as known at', (ctx) => {
  let t: TestLake;
  const query = (at: Date, extra: Partial<AsKnownAtQuery> = {}): AsKnownAtQuery => ({
    kind: 'indicators',
    ticker: 'NVDA',
    at,
    ...extra,
  });

  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
    expect((await t.run({ tickers: ['NVDA'], computationVersion: '1.0', clock: () => T1 })).status).toBe('ok');
    expect((await t.run({ tickers: ['NVDA'], computationVersion: '2.0', clock: () => T2 })).status).toBe('ok');
    // A later computation for an earlier as-of date (as a reprocess writes): newer in time, older in date.
    const latest = await t.lake.getLatest<ProcessedDocument>('indicators', 'NVDA');
    const written = await storeProcessed(t.lake, 'indicators', {
      ...latest.body,
      as_of: '2026-11-20',
      computed_at: T3.toISOString(),
    });
    expect(written.key).toBe(OLDER_DATE);
  });
  afterEach(async () => t.dispose());

  const cases: [string, Date, Partial<AsKnownAtQuery>, string | undefined][] = [
    ['before any run', second(T1, -1), {}, undefined],
    ['at the first run (inclusive)', T1, {}, RUN1],
    ['between the runs', second(T2, -1), {}, RUN1],
    ['at the second run', T2, {}, RUN2],
    ['after everything: the newest DATE wins over a later computation of an older date', second(T3, 60), {}, RUN2],
    ['with --date: the older date, once it was computed', second(T3, 60), { date: '2026-11-20' }, OLDER_DATE],
    ['with --date: the older date, before it was computed', T2, { date: '2026-11-20' }, undefined],
    ['with --date: between the runs', second(T2, -1), { date: '2026-11-26' }, RUN1],
  ];

  it('the catalog and the lake alone give the same answers, before, between and after the runs', async () => {
    for (const [what, at, extra, expected] of cases) {
      const fromCatalog = await findAsKnownAtInCatalog(t.warehouse.db, query(at, extra));
      const fromLake = await findAsKnownAtInLake(t.store, query(at, extra));
      expect(fromCatalog?.key, `catalog: ${what}`).toBe(expected);
      expect(fromLake?.key, `lake: ${what}`).toBe(expected);
      if (expected !== undefined) {
        expect(fromLake?.versionId).toBe(fromCatalog?.versionId);
        expect(fromLake?.knownSince).toEqual(fromCatalog?.knownSince);
        expect(fromCatalog?.knownSince.getTime()).toBeLessThanOrEqual(at.getTime());
      }
    }
  });

  it('works for raw snapshots (fetched_at)', async () => {
    const raw = (at: Date) => ({ kind: 'raw' as ObjectKind, ticker: 'nvda', at });
    expect((await findAsKnownAtInCatalog(t.warehouse.db, raw(second(T2, -1))))?.key).toBe(
      'raw/sample/NVDA/2026-11-26/20261126_213000.json',
    );
    expect((await findAsKnownAtInLake(t.store, raw(second(T2, -1))))?.key).toBe(
      'raw/sample/NVDA/2026-11-26/20261126_213000.json',
    );
    expect((await findAsKnownAtInLake(t.store, raw(T2)))?.key).toBe('raw/sample/NVDA/2026-11-27/20261127_213000.json');
    expect(await findAsKnownAtInLake(t.store, raw(second(T1, -1)))).toBeUndefined();
  });

  it('getAsKnownAt reads that version; before anything existed it is a clear not-found error', async () => {
    const between = await getAsKnownAt<ProcessedDocument>(t.lake, t.warehouse.db, query(second(T2, -1)));
    expect(between.key).toBe(RUN1);
    expect(between.body.computation_version).toBe('1.0');
    expect((await getAsKnownAt<ProcessedDocument>(t.lake, t.warehouse.db, query(T2))).body.computation_version).toBe(
      '2.0',
    );
    await expect(getAsKnownAt(t.lake, t.warehouse.db, query(second(T1, -1)))).rejects.toThrow(LakeObjectNotFoundError);
    await expect(getAsKnownAt(t.lake, t.warehouse.db, query(second(T1, -1)))).rejects.toThrow(
      /no indicators object for NVDA was known at 2026-11-26T21:29:59\.000Z/,
    );
  });

  it('falls back to the lake when the catalog knows nothing of the ticker (a lost database), not when it knows it', async () => {
    const known = await findAsKnownAt({ store: t.store, db: t.warehouse.db }, query(second(T2, -1)));
    expect(known).toMatchObject({ key: RUN1, via: 'catalog' });

    t.store.resetCounts();
    expect(await findAsKnownAt({ store: t.store, db: t.warehouse.db }, query(second(T1, -1)))).toBeUndefined();
    expect(t.store.requests).toBe(0); // the catalog's "nothing then" is the answer

    await t.warehouse.db.deleteFrom('lake_objects').execute();
    expect(await findAsKnownAt({ store: t.store, db: t.warehouse.db }, query(second(T2, -1)))).toMatchObject({
      key: RUN1,
      via: 'lake',
    });
    expect(await findAsKnownAt({ store: t.store }, query(T2))).toMatchObject({ key: RUN2, via: 'lake' });
  });
});

describe('parseInstant', () => {
  it('takes ISO 8601 times with a zone', () => {
    expect(parseInstant('2026-11-26T21:30:00Z').toISOString()).toBe('2026-11-26T21:30:00.000Z');
    expect(parseInstant('2026-11-27T06:30:00+09:00').toISOString()).toBe('2026-11-26T21:30:00.000Z');
    expect(parseInstant('2026-11-26T21:30Z').toISOString()).toBe('2026-11-26T21:30:00.000Z');
    expect(parseInstant('2026-11-26T21:30:00.123456Z').toISOString()).toBe('2026-11-26T21:30:00.123Z');
  });

  it('refuses dates, zone-less times and nonsense, with an example in the message', () => {
    for (const text of ['2026-11-26', '2026-11-26T21:30:00', 'yesterday', '2026-13-40T00:00:00Z', '']) {
      expect(() => parseInstant(text), text).toThrow(
        /is not an ISO 8601 time with a zone, e\.g\. 2026-11-26T21:30:00Z/,
      );
    }
  });
});
