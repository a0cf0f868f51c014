import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickerSegment } from '../market/ticker-segment.js';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';
import { listLakeTickers } from './tickers.js';

describe('listLakeTickers', () => {
  let root: string;
  let store: FsObjectStore;
  // Symbols whose key forms sort among the others (`^` is written `_5E`), symbols that are prefixes of others
  // cut before a `-` or `.`, kinds that differ per ticker, and a folder that is no ticker's key form.
  const objects: [string, string[]][] = [
    ['^GSPC', ['raw', 'indicators']],
    ['^N225', ['indicators']],
    ['0700.HK', ['raw']],
    ['7974.T', ['raw', 'features', 'percentiles']],
    ['AAPL', ['indicators', 'percentiles']],
    // `BRK-B/` and `BRK.A/` sort before `BRK/` in a listing (`-` and `.` are below `/`), BRK before them by symbol.
    ['BRK', ['raw', 'indicators']],
    ['BRK-B', ['raw']],
    ['BRK.A', ['raw', 'indicators']],
    ['BRK.A-X', ['raw']],
    ['D05.SI', ['features']],
    ['EURUSD=X', ['raw', 'indicators']],
    ['NVDA', ['raw', 'indicators', 'features', 'percentiles']],
    ['Z', ['percentiles']],
  ];
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'marketlake-tickers-'));
    store = await FsObjectStore.open(root);
    for (const [ticker, kinds] of objects) {
      for (const kind of kinds) {
        const folder = kind === 'raw' ? 'raw/sample' : `processed/${kind}`;
        const key = `${folder}/${tickerSegment(ticker)}/2026-12-01/20261201_220000.json`;
        await store.put({ key, body: '{}', contentType: 'application/json' });
      }
    }
    await store.put({ key: 'raw/sample/not a ticker/x.json', body: '{}', contentType: 'application/json' });
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('lists every ticker by symbol with its kinds; with a limit, the first N of that same list', async () => {
    const all = await listLakeTickers(store);
    expect(all.map((t) => t.ticker)).toEqual(objects.map(([ticker]) => ticker).sort());
    expect(all.find((t) => t.ticker === '^GSPC')).toEqual({
      ticker: '^GSPC',
      key_segment: '_5EGSPC',
      kinds: ['indicators', 'raw'],
    });
    for (let limit = 1; limit <= objects.length + 1; limit++) {
      expect({ limit, listed: await listLakeTickers(store, { limit }) }).toEqual({
        limit,
        listed: all.slice(0, limit),
      });
    }
  });
});
