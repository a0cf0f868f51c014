/**
 * What rendering a first run's prices file costs (`npm run bench:parquet-memory`): the bars of N sample snapshots
 * (500 by default, two years each: 260,500 rows) through `ParquetRenderer.renderBatches`, as a first run renders
 * its `prices` file, once with each decoding of the dictionary (by list index, and by join and sort), alternating,
 * in one process. Reported per render: the process's RSS before it and at its peak (sampled every 5 ms), the
 * time, and the file's sha256 (both decodings must make the same bytes).
 *
 * Flags: --tickers N (default 500), --rounds N (default 2).
 */
import { createHash } from 'node:crypto';
import { createSource } from '../src/sources/index.js';
import { LIST_DECODE_LIMIT, ParquetRenderer } from '../src/tables/parquet-file.js';
import { firstPriceColumns } from '../src/tables/rows.js';
import { positiveInt } from './args.js';
import { benchTickers, loadavg, machineInfo } from './pipeline/common.js';

const tickers = positiveInt('tickers', 500);
const rounds = positiveInt('rounds', 2);
const NOW = new Date('2026-11-02T22:00:00Z');

const source = createSource('sample');
const snapshots = [];
for (const ticker of benchTickers(tickers)) {
  snapshots.push(await source.fetchSnapshot(ticker, { start: '2024-11-02', end: '2026-11-02', now: NOW }));
}
const batches = snapshots.map(
  (snapshot, i) => () =>
    firstPriceColumns(
      snapshot,
      {
        key: `raw/sample/${snapshot.ticker}/2026-11-02/20261102_220000.json`,
        versionId: `version-${i}`,
        sha256: createHash('sha256').update(snapshot.ticker).digest('hex'),
      },
      'bench-run',
    ),
);

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const machine = machineInfo();
console.log(`Parquet rendering memory: ${tickers} sample snapshots' bars, ${rounds} rounds`);
console.log(
  `machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; load average ${loadavg().join(' / ')}`,
);
console.log('| decoding | rows | RSS before MiB | peak MiB | added MiB | seconds | sha256 |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (let round = 0; round < rounds; round++) {
  for (const [name, limit] of [
    ['list index', LIST_DECODE_LIMIT],
    ['join and sort', 0],
  ] as const) {
    const renderer = await ParquetRenderer.open({ listDecodeLimit: limit });
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const started = performance.now();
    const bytes = await renderer.renderBatches('prices', batches);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    await renderer.close();
    const rows = snapshots.reduce((n, snapshot) => n + snapshot.bars.length, 0);
    const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    console.log(
      `| ${name} | ${rows} | ${mib(before)} | ${mib(peak)} | ${mib(peak - before)} | ${seconds.toFixed(2)} | ${sha} |`,
    );
  }
}
