import { expect, it } from 'vitest';
import { describeOnDatabases } from '../../test/support/databases.js';
import { countStatements } from '../../test/support/statements.js';
import { insertCatalogObjects, type CatalogObjectInput } from './lake-objects.js';
import { WarehouseRepository } from './repository.js';
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
    sha256: (date + stamp).replace(/[^0-9]/g, '').padEnd(64, 'a').slice(0, 64),
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
  return objects.map((value, i) => ({ value, rank: (i * 7) % objects.length })).sort((a, b) => a.rank - b.rank).map((x) => x.value);
}

describeOnDatabases('lake catalog', (ctx) => {
  it('finds the latest object among many: newest date, then the last write of that date', async () => {
    const { repository } = ctx.warehouse();
    for (const row of manyObjects()) expect(await repository.insertCatalogObject(row)).toBe('inserted');

    expect((await repository.findLatestObject('raw', 'NVDA'))?.key).toBe('raw/yfinance/NVDA/2024-03-01/20240301_235959.json');
    expect((await repository.findLatestObject('indicators', 'BRK-B'))?.key).toBe(
      'processed/indicators/BRK-B/2024-03-01/20240301_235959.json',
    );
    // On a given date; the date before has its own latest.
    expect(await repository.findLatestObject('indicators', 'NVDA', '2024-02-29')).toEqual({
      ...object('indicators', 'NVDA', '2024-02-29', '235959'),
      createdAt: expect.any(Date),
    });
    expect(await repository.findLatestObject('percentiles', 'NVDA')).toBeUndefined();
    expect(await repository.findLatestObject('raw', 'NVDA', '2024-03-02')).toBeUndefined();
  });

  it('orders `{TS}_2.json` after `{TS}.json` of the same second', async () => {
    const { repository } = ctx.warehouse();
    const first = object('raw', 'NVDA', '2024-03-01', '210000');
    const second = { ...object('raw', 'NVDA', '2024-03-01', '210000'), key: first.key.replace('.json', '_2.json') };
    await repository.insertCatalogObject(second);
    await repository.insertCatalogObject(first);
    expect((await repository.findLatestObject('raw', 'NVDA'))?.key).toBe(second.key);
  });

  it('is idempotent on the key, and refuses a different object under a catalogued key', async () => {
    const { repository } = ctx.warehouse();
    const row = object('raw', 'NVDA', '2024-03-01', '210000');
    expect(await repository.insertCatalogObject(row)).toBe('inserted');
    expect(await repository.insertCatalogObject(row)).toBe('exists');
    expect(await repository.getCatalogObject(row.key)).toEqual({ ...row, createdAt: expect.any(Date) });
    expect(await repository.getCatalogObject(`${row.key}.missing`)).toBeUndefined();
    await expect(repository.insertCatalogObject({ ...row, sha256: 'b'.repeat(64), size: 1 })).rejects.toThrow(
      `lake object ${row.key} is already catalogued with different sha256, size`,
    );
    expect(await repository.listCatalogObjects()).toHaveLength(1);
  });

  it('records many objects in one INSERT, with the same rules per object, all or nothing in a transaction', async () => {
    const { repository, db } = ctx.warehouse();
    const rows = manyObjects();
    const statements = countStatements();
    const counted = new WarehouseRepository(db.withPlugin(statements.plugin));
    expect(await counted.insertCatalogObjects(rows)).toEqual(rows.map(() => 'inserted'));
    expect(statements.labels).toEqual(['insert lake_objects']);
    expect(await repository.listCatalogObjects()).toHaveLength(rows.length);

    // Already catalogued as given: 'exists', read back in one query; one new object beside them is inserted.
    const extra = object('features', 'NVDA', '2024-03-01', '210000');
    statements.labels.length = 0;
    expect(await counted.insertCatalogObjects([rows[0], extra, rows[1]])).toEqual(['exists', 'inserted', 'exists']);
    expect(statements.labels).toEqual(['insert lake_objects', 'select lake_objects']);

    // A different object under a catalogued key: refused, and inside a transaction nothing of the set stays.
    const another = object('features', 'AAPL', '2024-03-01', '210000');
    await expect(
      inTransaction(db, (trx) => insertCatalogObjects(trx, [another, { ...rows[2], size: 1 }])),
    ).rejects.toThrow(`lake object ${rows[2].key} is already catalogued with different size`);
    expect(await repository.getCatalogObject(another.key)).toBeUndefined();
    await expect(repository.insertCatalogObjects([another, another])).rejects.toThrow(/appears more than once/);
    expect(await repository.insertCatalogObjects([])).toEqual([]);
  });

  it('lists with filters, in ticker, kind, date, key order', async () => {
    const { repository } = ctx.warehouse();
    for (const row of manyObjects()) await repository.insertCatalogObject(row);
    const all = await repository.listCatalogObjects();
    expect(all).toHaveLength(36);
    expect(all[0].ticker).toBe('BRK-B');

    const nvdaRaw = await repository.listCatalogObjects({ kind: 'raw', ticker: 'NVDA', fromDate: '2024-02-29', toDate: '2024-02-29' });
    expect(nvdaRaw.map((row) => row.key.split('/').pop())).toEqual([
      '20240229_210000.json',
      '20240229_210000_2.json',
      '20240229_235959.json',
    ]);
    const derived = await repository.listCatalogObjects({ sourceRawKey: 'raw/yfinance/NVDA/2024-03-01/20240301_200000.json' });
    expect(derived).toHaveLength(3);
    expect(derived.every((row) => row.kind === 'indicators' && row.ticker === 'NVDA')).toBe(true);
    expect(await repository.listCatalogObjects({ computationVersion: '2.0' })).toEqual([]);
    expect(await repository.listCatalogObjects({ limit: 5 })).toHaveLength(5);
  });

  it('enforces lineage: processed objects name their source, raw objects have none', async () => {
    const { repository } = ctx.warehouse();
    await expect(
      repository.insertCatalogObject({ ...object('indicators', 'NVDA', '2024-03-01', '1'), sourceRawKey: null }),
    ).rejects.toThrow(/lake_objects_lineage_check/);
    await expect(
      repository.insertCatalogObject({ ...object('raw', 'NVDA', '2024-03-01', '1'), computationVersion: '1.0' }),
    ).rejects.toThrow(/lake_objects_lineage_check/);
    await expect(
      repository.insertCatalogObject({ ...object('raw', 'NVDA', '2024-03-01', '1'), sha256: 'not-a-hash' }),
    ).rejects.toThrow(/check constraint/);
  });
});
