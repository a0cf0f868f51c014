import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeResults } from '../compute/results.js';
import { SampleSource } from '../sources/sample/sample.js';
import { FaultyObjectStore } from '../storage/testing/faulty-object-store.js';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';
import { DataLake, LakeObjectNotFoundError } from './data-lake.js';
import { processedDocument, type ProcessedDocument } from './formats/processed.js';
import type { RawSnapshot } from './formats/raw.js';
import { formatTimestamp } from './keys.js';
import { storeProcessed, storeRaw } from './testing/store.js';

/** The DataLake on its own, with no catalog: every lookup is answered by listing the store. */
describe('DataLake without a catalog', () => {
  let root: string;
  let store: FaultyObjectStore;
  let lake: DataLake;
  /** The lake's "now" (what the search for the newest date folder takes as recent). */
  let now: Date;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'marketlake-datalake-'));
    store = new FaultyObjectStore(await FsObjectStore.open(root), { failPuts: 'none' });
    now = new Date();
    lake = new DataLake(store, undefined, () => now);
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  const source = new SampleSource({});

  async function storeVersion(asOf: string, computedAt: Date, version: '1.0' | '2.0' = '1.0') {
    const snapshot = await source.fetchSnapshot('NVDA', { start: '2025-01-01', end: asOf, now: computedAt });
    const raw = await storeRaw(lake, snapshot);
    const results = computeResults(snapshot, version);
    const document = processedDocument(
      'indicators',
      {
        ticker: 'NVDA',
        as_of: results.asOf,
        computation_version: version,
        computed_at: computedAt.toISOString(),
        values: results.indicators,
      },
      { key: raw.key, versionId: raw.versionId, sha256: raw.sha256 },
    );
    return { raw, written: await storeProcessed(lake, 'indicators', document) };
  }

  it('finds the latest with the same number of requests whether there are 1 or 60 versions', async () => {
    const costs: number[] = [];
    let day = new Date('2026-01-05T22:00:00Z');
    for (const count of [1, 20, 60]) {
      let last: string | undefined;
      while (store.counts.putsSucceeded / 2 < count) {
        const asOf = day.toISOString().slice(0, 10);
        ({
          written: { key: last },
        } = await storeVersion(asOf, day));
        // a second version of the same as-of date, later that day
        if (count > 1)
          ({
            written: { key: last },
          } = await storeVersion(asOf, new Date(day.getTime() + 3_600_000), '2.0'));
        day = new Date(day.getTime() + 86_400_000);
      }
      store.resetCounts();
      now = day; // the day after the newest as-of date, as for a daily job
      const latest = await lake.getLatest('indicators', 'NVDA');
      expect(latest.key).toBe(last);
      costs.push(store.requests);
    }
    // the recent date folders (one listing with a delimiter, starting a week back), the newest folder's keys,
    // then get + tags
    expect(costs).toEqual([4, 4, 4]);
  });

  it('finds the newest date folder however old it is, widening the search step by step', async () => {
    const old = await storeVersion('2026-03-02', new Date('2026-03-02T22:00:00Z'));
    const older = await storeVersion('2026-02-02', new Date('2026-02-02T22:00:00Z'));
    for (const [today, listings] of [
      ['2026-03-05', 1], // within a week: one listing
      ['2026-05-01', 2], // within 120 days
      ['2028-01-01', 3], // within 1,500 days
      ['2031-06-01', 4], // beyond every window: the last listing takes every folder
    ] as const) {
      now = new Date(`${today}T12:00:00Z`);
      store.resetCounts();
      expect((await lake.getLatest('indicators', 'NVDA')).key).toBe(old.written.key);
      // the listings of date folders, then the newest folder's keys, get and tags
      expect(store.requests).toBe(listings + 3);
    }
    expect(older.written.key < old.written.key).toBe(true);
  });

  it('reads by date and by version, and lists versions newest first', async () => {
    const first = await storeVersion('2026-03-02', new Date('2026-03-02T22:00:00Z'));
    const second = await storeVersion('2026-03-02', new Date('2026-03-02T23:00:00Z'), '2.0');
    await storeVersion('2026-03-03', new Date('2026-03-03T22:00:00Z'));
    const byDate = await lake.getLatest('indicators', 'NVDA', '2026-03-02');
    expect(byDate.key).toBe(second.written.key);
    const older = await lake.getByVersion<ProcessedDocument>(
      'indicators',
      'NVDA',
      formatTimestamp(new Date('2026-03-02T22:00:00Z')),
    );
    expect(older.key).toBe(first.written.key);
    expect(older.body.computation_version).toBe('1.0');
    const versions = await lake.listVersions('indicators', 'NVDA');
    expect(versions.map((v) => [v.date, v.computation_version])).toEqual([
      ['2026-03-03', '1.0'],
      ['2026-03-02', '2.0'],
      ['2026-03-02', '1.0'],
    ]);
    expect(versions[2].version_id).toBe(first.written.versionId);
    const lineage = await lake.lineage(first.raw.key);
    expect(lineage.derived).toEqual([{ key: first.written.key, version_id: first.written.versionId }]);
  });

  it('says clearly what is missing', async () => {
    await expect(lake.getLatest('indicators', 'MSFT')).rejects.toThrow(LakeObjectNotFoundError);
    await expect(lake.getLatest('indicators', 'MSFT')).rejects.toThrow(/no indicators object for MSFT/);
    await expect(lake.get('processed/indicators/MSFT/2026-01-01/20260101_000000.json')).rejects.toThrow(
      /no object processed\/indicators\/MSFT/,
    );
  });

  it('reads a raw snapshot of the older format (a pretty-printed `history` list) so it can be computed from', async () => {
    const legacy = await readFile(
      new URL('../../test/fixtures/yahoo/legacy/raw-yfinance-NVDA-20240612_213005.json', import.meta.url),
      'utf8',
    );
    const key = 'raw/yfinance/NVDA/2024-06-12/20240612_213005.json';
    await store.put({ key, body: legacy, contentType: 'application/json' });
    const raw = await lake.get<RawSnapshot>(key);
    expect(raw.body.schema).toBe('marketlake.raw/1');
    expect(raw.body.ticker).toBe('NVDA');
    expect(raw.body.bars.length).toBeGreaterThan(0);
    expect(raw.body.bars[0]).toMatchObject({ date: '2024-06-06', close: 120.99800109863281 });
    const latest = await lake.getLatest<RawSnapshot>('raw', 'NVDA');
    expect(latest.key).toBe(key);
    const results = computeResults(raw.body, '1.0');
    expect(results.asOf).toBe(raw.body.bars[raw.body.bars.length - 1].date);
  });
});
