/**
 * StreamedTableFiles (streamed-files.ts), which a run fills its prices, indicators, percentiles and features files
 * with while its ticker jobs end: the files are renderBatchFiles' own (same keys, so the same bytes) when each
 * partition's batches come in source order, whatever the partitions' interleaving; a lazy batch is made once; a
 * batch out of source order, or a row the table refuses, fails the files instead of writing them otherwise.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createSource } from '../sources/index.js';
import { ParquetRenderer } from './parquet-file.js';
import { firstPriceColumns } from './rows.js';
import { StreamedTableFiles } from './streamed-files.js';
import { renderBatchFiles, type RowBatch } from './table-files.js';

const NOW = new Date('2026-11-02T22:00:00Z');

/** A first snapshot's prices of `ticker` fetched on `date`, made when called (counted in `made`). */
async function pricesBatch(ticker: string, date: string, made: Map<string, number>): Promise<RowBatch> {
  const snapshot = await createSource('sample').fetchSnapshot(ticker, {
    start: '2026-06-01',
    end: '2026-11-02',
    now: NOW,
  });
  const key = `raw/sample/${ticker}/${date}/${date.replaceAll('-', '')}_220000.json`;
  const raw = { key, versionId: `v-${ticker}`, sha256: createHash('sha256').update(key).digest('hex') };
  return {
    table: 'prices',
    partition: date,
    source: key,
    rows: () => {
      made.set(key, (made.get(key) ?? 0) + 1);
      return firstPriceColumns(snapshot, raw, 'run-1');
    },
  };
}

describe('StreamedTableFiles', () => {
  let renderer: ParquetRenderer | undefined;
  const open = async () => (renderer ??= await ParquetRenderer.open());
  afterEach(async () => {
    await renderer?.close();
    renderer = undefined;
  });

  it("makes renderBatchFiles' files of batches added in source order, each lazy batch made once", async () => {
    const made = new Map<string, number>();
    // Two partitions, interleaved; in each, the sources in order ("D05.SI/" after "7974.T/", "NVDA/" last).
    const batches = [
      await pricesBatch('7974.T', '2026-11-02', made),
      await pricesBatch('D05.SI', '2026-11-01', made),
      await pricesBatch('D05.SI', '2026-11-02', made),
      await pricesBatch('NVDA', '2026-11-02', made),
    ];
    const streamed = new StreamedTableFiles('prices', 'run-1', open);
    for (const batch of batches) streamed.add(batch);
    streamed.add({ table: 'prices', partition: '2026-11-03', source: 'raw/sample/X/2026-11-03/x.json', rows: [] });
    const files = await streamed.finish();
    expect([...made.values()]).toEqual([1, 1, 1, 1]);
    expect(files.map((file) => [file.partition, file.rows])).toEqual([
      ['2026-11-01', expect.any(Number)],
      ['2026-11-02', expect.any(Number)],
    ]);
    const reference = await renderBatchFiles(batches, 'run-1');
    expect(files.map((file) => file.key)).toEqual(reference.map((file) => file.key));
    expect(files.map((file) => file.metadata)).toEqual(reference.map((file) => file.metadata));
  });

  it('refuses a batch out of source order: finish fails, naming both, and nothing is made of it', async () => {
    const made = new Map<string, number>();
    const streamed = new StreamedTableFiles('prices', 'run-1', open);
    streamed.add(await pricesBatch('NVDA', '2026-11-02', made));
    streamed.add(await pricesBatch('D05.SI', '2026-11-02', made));
    await expect(streamed.finish()).rejects.toThrow(
      /prices 2026-11-02: raw\/sample\/D05\.SI\/.* came after raw\/sample\/NVDA\/.*, out of source order/,
    );
    expect(made.get('raw/sample/D05.SI/2026-11-02/20261102_220000.json')).toBeUndefined();
  });

  it('a row the table refuses fails the files', async () => {
    const streamed = new StreamedTableFiles('runs', null, open);
    streamed.add({
      table: 'runs',
      partition: '2026-11-02',
      source: 'run-1',
      rows: [{ run_id: 'run-1', started_at: 'yesterday' }],
    });
    await expect(streamed.finish()).rejects.toThrow(/table runs, column started_at, row 0/);
  });
});
