/**
 * The lake's own catalog answers (ListingCatalog) on the file store read each object file's header once: the
 * listing read it already, so no `head` follows; over a store whose listing has no metadata (S3's), each entry
 * costs a `head`, and the answers are the same.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.js';
import { withNow } from '../../test/support/env.js';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';
import type { ListObjectsInput, ListObjectsPage } from '../storage/object-store.js';
import { FaultyObjectStore } from '../storage/testing/faulty-object-store.js';
import { ListingCatalog } from './listing-catalog.js';

/** The file store with S3's listing: no head in what it lists. */
class ListingWithoutHeads extends FsObjectStore {
  override async list(input: ListObjectsInput): Promise<ListObjectsPage> {
    const page = await super.list(input);
    return { ...page, objects: page.objects.map(({ head: _head, ...listed }) => listed) };
  }
}

describe('ListingCatalog', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-listing-catalog-'));
    for (const now of ['2026-12-01T22:00:00Z', '2026-12-02T22:00:00Z']) {
      const run = await withNow(now, () => runCli('run', '--home', home, '--tickers', 'NVDA', '--no-tables'));
      expect(run.code, run.stderr).toBe(0);
    }
  }, 120_000);
  afterAll(() => rm(home, { recursive: true, force: true }));

  it('reads each header once on the file store, and answers as it does with a head per entry', async () => {
    const lake = join(home, 'lake');
    const fileStore = new FaultyObjectStore(new FsObjectStore(lake));
    const headless = new FaultyObjectStore(new ListingWithoutHeads(lake));
    const ask = (catalog: ListingCatalog) =>
      Promise.all([
        catalog.findLatest({ kind: 'indicators', ticker: 'NVDA' }),
        catalog.list({ kind: 'raw', ticker: 'NVDA' }),
      ]);
    const [latest, raws] = await ask(new ListingCatalog(fileStore));
    expect(latest?.key).toMatch(/^processed\/indicators\/NVDA\/2026-12-02\//);
    expect(raws).toHaveLength(2);
    expect(fileStore.counts.heads).toBe(0);
    expect(await ask(new ListingCatalog(headless))).toEqual([latest, raws]);
    expect(headless.counts.heads).toBe(3);
  });
});
