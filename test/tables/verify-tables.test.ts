/**
 * `verify` covers the lake's table files: each is read and checked against its metadata, its key, its table's
 * columns and row count, and the catalog of the files runs wrote (src/verify/table-files.ts).
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLake } from '../../src/verify/verify-lake.js';
import { createTestWarehouse, type TestWarehouse } from '../support/databases.js';
import { objectFilePath, removeObject, replaceBodyBytes, updateMetadata } from '../support/fs-tamper.js';
import { createTestLake, type TestLake } from '../support/lake.js';
import { DAY_1, runDay } from '../support/staleness.js';

describe('verify and the table files', () => {
  let db: TestWarehouse;
  let t: TestLake;

  beforeAll(async () => {
    db = await createTestWarehouse('pglite');
    t = await createTestLake(db.warehouse);
    expect((await runDay(t.lake, t.warehouse, DAY_1, { tickers: ['NVDA', 'D05.SI'] })).status).toBe('ok');
  }, 60_000);

  afterAll(async () => {
    await t?.dispose();
    await db?.dispose();
  });

  const verify = () => verifyLake({ store: t.store, db: t.warehouse.db });

  it('reads every table file of a healthy lake and finds nothing', async () => {
    const report = await verify();
    expect(report.table_files_checked).toBe((await t.keys('tables/')).length);
    expect(report.table_files_checked).toBeGreaterThanOrEqual(6);
    expect(report.ok).toBe(true);
  });

  it('names each damaged, lost or foreign table file, and still checks the rest', async () => {
    const [prices] = await t.keys('tables/prices/');
    const [indicators] = await t.keys('tables/indicators/');
    const [features] = await t.keys('tables/features/');
    const [runs] = await t.keys('tables/runs/');
    // A byte changed in the middle of the file (the store serves it: size and MD5 fixed).
    await replaceBodyBytes(t.root, prices, (body) => {
      const copy = Buffer.from(body);
      copy[Math.floor(copy.length / 2)] ^= 0xff;
      return copy;
    });
    // Metadata that claims other rows (a tamperer covering a removed row).
    await updateMetadata(t.root, features, { rows: '999' });
    await removeObject(t.root, indicators);
    // Someone else's file under tables/.
    await writeFile(objectFilePath(t.root, runs).replace(/part-[^/]*$/, 'notes.txt'), 'not ours');

    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.mismatches.map((m) => [m.key, m.problem])).toEqual(
      expect.arrayContaining([
        [prices, 'content-sha256'],
        [features, 'unparseable'],
      ]),
    );
    expect(report.mismatches.find((m) => m.key === features)?.actual).toMatch(/rows; its metadata says 999/);
    expect(report.missing_objects).toContainEqual({
      key: indicators,
      kind: 'table',
      version_id: expect.any(String),
      problem: 'no-object',
    });
    // The foreign file is listed by the store as an entry it did not write: one finding, not a crash.
    expect(report.mismatches.some((m) => m.key.includes('notes.txt') && m.problem === 'read-error')).toBe(true);
    expect(report.table_files_checked).toBeGreaterThanOrEqual(4);
  });
});
