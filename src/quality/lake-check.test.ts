/**
 * checkLake on a file store written here: which snapshot is judged when sources interleave, and what it does with
 * objects that are not snapshots it can judge (a foreign key, a snapshot without bars, a body for another ticker).
 * The command's own tests (test/cli/quality-check.test.ts) cover lakes made by real runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataLake, rawKeyParts } from '../lake/data-lake.js';
import { renderRaw, type RawSnapshot } from '../lake/formats/raw.js';
import { objectKey } from '../lake/keys.js';
import { SampleSource } from '../sources/sample/sample.js';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';
import { checkLake } from './lake-check.js';
import { SNAPSHOT_CHECKS } from './snapshot-checks.js';

const source = new SampleSource({ seed: 7 });

async function snapshot(ticker: string, fetchedAt: string, from = '2026-06-01'): Promise<RawSnapshot> {
  return source.fetchSnapshot(ticker, { start: from, end: fetchedAt.slice(0, 10), now: new Date(fetchedAt) });
}

describe('checkLake', () => {
  let root: string;
  let store: FsObjectStore;
  let lake: DataLake;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'marketlake-lake-check-'));
    store = await FsObjectStore.open(root);
    lake = new DataLake(store);
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  /** Writes a snapshot where its fetch time puts it; `keyTicker` writes it under another ticker's folder. */
  async function put(raw: RawSnapshot, keyTicker = raw.ticker): Promise<string> {
    const parts = { ...rawKeyParts(raw), ticker: keyTicker };
    const key = objectKey('raw', keyTicker, parts.date, parts.timestamp, 1, raw.source, 'none');
    return (await lake.write(parts, renderRaw(key, raw))).key;
  }

  it('judges the latest fetch whatever its source, and compares it with the one before from another source', async () => {
    await put(await snapshot('NVDA', '2026-12-01T22:00:00Z'));
    const csv = { ...(await snapshot('NVDA', '2026-12-02T22:00:00Z')), source: 'csv' as const };
    const latest = await put(csv);
    await put(await snapshot('NVDA', '2026-12-02T21:00:00Z'));
    const report = await checkLake({ store, version: '1.0' });
    expect(report.problems).toEqual([]);
    expect(report.tickers).toEqual(['NVDA']);
    expect(new Set(report.results.map((result) => result.raw?.key))).toEqual(new Set([latest]));
    // The previous is the sample snapshot of 21:00 on the same day: same bars, nothing restated or lost.
    const shrank = report.results.find((result) => result.check === 'stability.history_shrank');
    expect(shrank).toMatchObject({ passed: true, observed: 0 });
    // --date keeps only what was fetched on or before it.
    const before = await checkLake({ store, version: '1.0', date: '2026-12-01' });
    expect(before.results[0].raw?.key).toMatch(/^raw\/sample\/NVDA\/2026-12-01\//);
  });

  it('leaves foreign keys out, reports a snapshot without bars and a body for another ticker, judges the rest', async () => {
    await store.put({ key: 'raw/sample/NVDA/notes.txt', body: 'not a snapshot', contentType: 'text/plain' });
    const empty = await put({ ...(await snapshot('AAPL', '2026-12-01T22:00:00Z')), bars: [] });
    const misplaced = await put(await snapshot('MSFT', '2026-12-01T22:00:00Z'), 'AMZN');
    await put(await snapshot('NVDA', '2026-12-01T22:00:00Z'));

    const report = await checkLake({ store, version: '1.0' });
    expect(report.problems).toEqual([
      { ticker: 'AAPL', key: empty, reason: expect.stringMatching(/^cannot read the raw snapshot: .*no bars/) },
      {
        ticker: 'AMZN',
        key: misplaced,
        reason: expect.stringContaining('the snapshot is for MSFT, but its key names AMZN'),
      },
    ]);
    expect(report.tickers).toEqual(['NVDA']);
    expect(report.results.map((result) => result.check)).toEqual(expect.arrayContaining([...SNAPSHOT_CHECKS]));
  });
});
