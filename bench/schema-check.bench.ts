/**
 * What checking each document against its schema before the write costs (issue 14): `node --import tsx
 * bench/schema-check.bench.ts`. For 500 sample tickers (two years of bars each, about 520), the four objects of a
 * daily run per ticker (raw, indicators, percentiles, features) are rendered as the write path renders them
 * (renderRaw, renderProcessed: serialize, check, hash, tags, metadata) and rendered again without the check (the
 * same steps minus checkBeforeWrite). Rounds alternate the two so that a busy moment falls on both alike; the
 * medians and their ratio are printed.
 *
 * Flags: --tickers N (default 500), --rounds N (default 7)
 */
import { computeResults } from '../src/compute/results.js';
import { processedDocument, renderProcessed, type ProcessedDocument } from '../src/lake/formats/processed.js';
import { renderRaw, type RawSnapshot } from '../src/lake/formats/raw.js';
import { renderedObject, serializeBody, sha256Hex } from '../src/lake/formats/render.js';
import { objectKey, PROCESSED_KINDS, type ProcessedKind } from '../src/lake/keys.js';
import { SampleSource } from '../src/sources/sample/sample.js';
import { benchTickers, loadavg, machineInfo } from './pipeline/common.js';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

const NOW = new Date('2026-11-26T21:30:00Z');
const tickers = benchTickers(flag('tickers', 500));
const rounds = flag('rounds', 7);

const source = new SampleSource({});
const objects: { key: string; raw?: RawSnapshot; kind?: ProcessedKind; document?: ProcessedDocument }[] = [];
for (const ticker of tickers) {
  const raw = await source.fetchSnapshot(ticker, { start: '2024-11-26', end: '2026-11-26', now: NOW });
  const rawKey = objectKey('raw', ticker, '2026-11-26', '20261126_213000', 1, 'sample');
  objects.push({ key: rawKey, raw });
  const results = computeResults(raw, '1.0');
  for (const kind of PROCESSED_KINDS) {
    const values =
      kind === 'indicators' ? results.indicators : kind === 'percentiles' ? results.percentiles : results.features;
    const document = processedDocument(
      kind,
      { ticker, as_of: results.asOf, computation_version: '1.0', computed_at: NOW.toISOString(), values },
      { key: rawKey, versionId: 'v1', sha256: 'a'.repeat(64) },
    );
    objects.push({ key: objectKey(kind, ticker, results.asOf, '20261126_213000'), kind, document });
  }
}
const bars = objects.reduce((sum, object) => sum + (object.raw?.bars.length ?? 0), 0);

/** The write path's rendering. */
function checked(): number {
  let bytes = 0;
  for (const object of objects) {
    bytes += (
      object.raw ? renderRaw(object.key, object.raw) : renderProcessed(object.key, object.kind!, object.document!)
    ).size;
  }
  return bytes;
}

/** The same without the schema check: what rendering cost before it (tags and metadata as cheap stand-ins). */
function unchecked(): number {
  let bytes = 0;
  for (const object of objects) {
    const body = serializeBody(object.raw ?? object.document);
    bytes += renderedObject(object.key, body, { source: 'bench' }, { content_sha256: sha256Hex(body) }).size;
  }
  return bytes;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const times = { checked: [] as number[], unchecked: [] as number[] };
checked();
unchecked();
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of (round % 2 === 0
    ? [
        ['checked', checked],
        ['unchecked', unchecked],
      ]
    : [
        ['unchecked', unchecked],
        ['checked', checked],
      ]) as [keyof typeof times, () => number][]) {
    const start = process.hrtime.bigint();
    run();
    times[name].push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}
const withCheck = median(times.checked);
const without = median(times.unchecked);
console.log(machineInfo());
console.log(
  `load ${loadavg()}; ${tickers.length} tickers, ${objects.length} objects, ${bars} raw bars, ${rounds} rounds`,
);
console.log(
  `render with the schema check:    ${withCheck.toFixed(0)} ms (${((withCheck / objects.length) * 1000).toFixed(0)} µs an object)`,
);
console.log(
  `render without it:               ${without.toFixed(0)} ms (${((without / objects.length) * 1000).toFixed(0)} µs an object)`,
);
console.log(
  `ratio ${(withCheck / without).toFixed(2)}x; the check adds ${(withCheck - without).toFixed(0)} ms a run of ${tickers.length} tickers`,
);
