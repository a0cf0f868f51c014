import { expect, it } from 'vitest';
import { describeOnDatabases } from '../../test/support/databases.js';
import { countStatements } from '../../test/support/statements.js';
import {
  type CatalogObjectInput,
  findLatestObject,
  getCatalogObject,
  insertCatalogObject,
  insertCatalogObjects,
  listCatalogObjects,
} from './lake-objects.js';
import { inTransaction } from './sql-helpers.js';
import type { LakeObjectKind } from './schema.js';

const DATES = ['2024-02-28', '2024-02-29', '2024-03-01'];
const STAMPS = ['210000', '210000_2', '235959']; // per date; `_2` is the second write within one second

function object(kind: LakeObjectKind, ticker: string, date: string, stamp: string): CatalogObjectInput {
  const compact = date.replaceAll('-', '');
  const raw = kind === 'raw';
  const prefix = raw ? 'raw/yfinance' : `processed/${kind}`;
  return {
    key: `${prefix}/${ticker}/${date}/${compact}_${stamp}.json`,
    kind,
    ticker,
    objectDate: date,
    versionId: `v-${date}-${stamp}`,
    sha256: (date + stamp)
      .replace(/[^0-9]/g, '')
      .padEnd(64, 'a')
      .slice(0, 64),
    size: 1234,
    computationVersion: raw ? null : '1.0',
    sourceRawKey: raw ? null : `raw/yfinance/${ticker}/${date}/${compact}_200000.json`,
    sourceRawVersionId: raw ? null : 'v-raw',
  };
}

/** 3 dates x 3 writes for each (kind, ticker), inserted in a scrambled order. */
function manyObjects(): CatalogObjectInput[] {
  const objects: CatalogObjectInput[] = [];
  for (const kind of ['raw', 'indicators'] as const) {
    for (const ticker of ['NVDA', 'BRK-B']) {
      for (const date of DATES) for (const stamp of STAMPS) objects.push(object(kind, ticker, date, stamp));
    }
  }
  // A fixed permutation: insertion order must not matter.
  return objects
    .map((value, i) => ({ value, rank: (i * 7) % objects.length }))
    .sort((a, b) => a.rank - b.rank)
    .map((x) => x.value);
}

describeOnDatabases('lake catalog', (ctx) => {
  it('finds the latest object among many: newest date, then the last write of that date', async () => {
    const { db } = ctx.warehouse();
    for (const row of manyObjects()) expect(await insertCatalogObject(db, row)).toBe('inserted');

    expect((await findLatestObject(db, 'raw', 'NVDA'))?.key).toBe('raw/yfinance/NVDA/2024-03-01/20240301_235959.json');
    expect((await findLatestObject(db, 'indicators', 'BRK-B'))?.key).toBe(
      'processed/indicators/BRK-B/2024-03-01/20240301_235959.json',
    );
    // On a given date; the date before has its own latest.
    expect(await findLatestObject(db, 'indicators', 'NVDA', '2024-02-29')).toEqual({
      ...object('indicators', 'NVDA', '2024-02-29', '235959'),
      createdAt: expect.any(Date),
    });
    expect(await findLatestObject(db, 'percentiles', 'NVDA')).toBeUndefined();
    expect(await findLatestObject(db, 'raw', 'NVDA', '2024-03-02')).toBeUndefined();
  });

  it('orders `{TS}_2.json` after `{TS}.json` of the same second', async () => {
    const { db } = ctx.warehouse();
    const first = object('raw', 'NVDA', '2024-03-01', '210000');
    const second = { ...object('raw', 'NVDA', '2024-03-01', '210000'), key: first.key.replace('.json', '_2.json') };
    await insertCatalogObject(db, second);
    await insertCatalogObject(db, first);
    expect((await findLatestObject(db, 'raw', 'NVDA'))?.key).toBe(second.key);
  });

  it('is idempotent on the key, and refuses a different object under a catalogued key', async () => {
    const { db } = ctx.warehouse();
    const row = object('raw', 'NVDA', '2024-03-01', '210000');
    expect(await insertCatalogObject(db, row)).toBe('inserted');
    expect(await insertCatalogObject(db, row)).toBe('exists');
    expect(await getCatalogObject(db, row.key)).toEqual({ ...row, createdAt: expect.any(Date) });
    expect(await getCatalogObject(db, `${row.key}.missing`)).toBeUndefined();
    await expect(insertCatalogObject(db, { ...row, sha256: 'b'.repeat(64), size: 1 })).rejects.toThrow(
      `lake object ${row.key} is already catalogued with different sha256, size`,
    );
    expect(await listCatalogObjects(db)).toHaveLength(1);
  });

  it('records many objects in one INSERT, with the same rules per object, all or nothing in a transaction', async () => {
    const { db } = ctx.warehouse();
    const rows = manyObjects();
    const statements = countStatements();
    const counted = db.withPlugin(statements.plugin);
    expect(await insertCatalogObjects(counted, rows)).toEqual(rows.map(() => 'inserted'));
    expect(statements.labels).toEqual(['insert lake_objects']);
    expect(await listCatalogObjects(db)).toHaveLength(rows.length);

    // Already catalogued as given: 'exists', read back in one query; one new object beside them is inserted.
    const extra = object('features', 'NVDA', '2024-03-01', '210000');
    statements.labels.length = 0;
    expect(await insertCatalogObjects(counted, [rows[0], extra, rows[1]])).toEqual(['exists', 'inserted', 'exists']);
    expect(statements.labels).toEqual(['insert lake_objects', 'select lake_objects']);

    // A different object under a catalogued key: refused, and inside a transaction nothing of the set stays.
    const another = object('features', 'AAPL', '2024-03-01', '210000');
    await expect(
      inTransaction(db, (trx) => insertCatalogObjects(trx, [another, { ...rows[2], size: 1 }])),
    ).rejects.toThrow(`lake object ${rows[2].key} is already catalogued with different size`);
    expect(await getCatalogObject(db, another.key)).toBeUndefined();
    await expect(insertCatalogObjects(db, [another, another])).rejects.toThrow(/appears more than once/);
    expect(await insertCatalogObjects(db, [])).toEqual([]);
  });

  it('lists with filters, in ticker, kind, date, key order', async () => {
    const { db } = ctx.warehouse();
    for (const row of manyObjects()) await insertCatalogObject(db, row);
    const all = await listCatalogObjects(db);
    expect(all).toHaveLength(36);
    expect(all[0].ticker).toBe('BRK-B');

    const nvdaRaw = await listCatalogObjects(db, {
      kind: 'raw',
      ticker: 'NVDA',
      fromDate: '2024-02-29',
      toDate: '2024-02-29',
    });
    expect(nvdaRaw.map((row) => row.key.split('/').pop())).toEqual([
      '20240229_210000.json',
      '20240229_210000_2.json',
      '20240229_235959.json',
    ]);
    const derived = await listCatalogObjects(db, { sourceRawKey: 'raw/yfinance/NVDA/2024-03-01/20240301_200000.json' });
    expect(derived).toHaveLength(3);
    expect(derived.every((row) => row.kind === 'indicators' && row.ticker === 'NVDA')).toBe(true);
    expect(await listCatalogObjects(db, { computationVersion: '2.0' })).toEqual([]);
    expect(await listCatalogObjects(db, { limit: 5 })).toHaveLength(5);
  });

  it('enforces lineage: processed objects name their source, raw objects have none', async () => {
    const { db } = ctx.warehouse();
    await expect(
      insertCatalogObject(db, { ...object('indicators', 'NVDA', '2024-03-01', '1'), sourceRawKey: null }),
    ).rejects.toThrow(/lake_objects_lineage_check/);
    await expect(
      insertCatalogObject(db, { ...object('raw', 'NVDA', '2024-03-01', '1'), computationVersion: '1.0' }),
    ).rejects.toThrow(/lake_objects_lineage_check/);
    await expect(
      insertCatalogObject(db, { ...object('raw', 'NVDA', '2024-03-01', '1'), sha256: 'not-a-hash' }),
    ).rejects.toThrow(/check constraint/);
  });
});
