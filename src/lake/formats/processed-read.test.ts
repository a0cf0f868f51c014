import { describe, expect, it } from 'vitest';
import { computeResults } from '../../compute/results.js';
import { SampleSource } from '../../sources/sample/sample.js';
import { processedDocument, renderProcessed } from './processed.js';
import { readProcessedDocument } from './processed-read.js';
import { parseProcessedDocument } from './processed-schema.js';
import { DocumentShapeError } from './schema-check.js';

/** The body as a test damages it. */
type Damaged = { schema: string; computation_version: string; values: Record<string, Record<string, unknown>> };

const KEY = 'processed/percentiles/NVDA/2026-11-26/20261126_213000.json';

/** A real percentiles document of each computation version, from the sample source. */
async function documents() {
  const snapshot = await new SampleSource({}).fetchSnapshot('NVDA', {
    start: '2025-01-01',
    end: '2026-11-26',
    now: new Date('2026-11-26T21:30:00Z'),
  });
  return (['1.0', '2.0'] as const).map((version) => {
    const results = computeResults(snapshot, version);
    return processedDocument(
      'percentiles',
      {
        ticker: 'NVDA',
        as_of: results.asOf,
        computation_version: version,
        computed_at: '2026-11-26T21:30:00.000Z',
        values: results.percentiles,
      },
      { key: 'raw/sample/NVDA/2026-11-26/20261126_213000.json', versionId: 'v1', sha256: 'd'.repeat(64) },
    );
  });
}

describe('processed documents read back through their schema', () => {
  it('reads what was written, under both computation versions', async () => {
    for (const document of await documents()) {
      const body = renderProcessed(KEY, 'percentiles', document).body;
      expect(parseProcessedDocument(body, KEY, 'percentiles')).toEqual(JSON.parse(body));
      expect(readProcessedDocument(body, KEY, 'percentiles')).toEqual(JSON.parse(body));
    }
  });

  it.each([
    [
      'a value of the wrong type',
      (d: Damaged) => void (d.values.rsi_14.mean = '50'),
      'values.rsi_14.mean: expected number, received string',
    ],
    [
      'a missing frequency field',
      (d: Damaged) => void delete d.values.macd.pct_positive,
      'values.macd.pct_positive: expected number, received undefined',
    ],
    [
      "another metric's frequency field",
      (d: Damaged) => void (d.values.macd.pct_above_70 = 1),
      'values.macd: Unrecognized key: "pct_above_70"',
    ],
    [
      'a count that is not whole',
      (d: Damaged) => void (d.values.atr_percent.count = 2.5),
      'values.atr_percent.count: expected int, received number',
    ],
    ['an unknown computation version', (d: Damaged) => void (d.computation_version = '3.0'), 'computation_version: '],
    ['another kind', (d: Damaged) => void (d.schema = 'marketlake.features/1'), 'schema: '],
  ])('refuses %s, naming the key and the field', async (_name, damage, message) => {
    const [document] = await documents();
    const body = JSON.parse(renderProcessed(KEY, 'percentiles', document).body);
    damage(body);
    // The zod schema (writes, verify, rebuilds) and the lake's zod-free read agree on the verdict and the field.
    for (const read of [parseProcessedDocument, readProcessedDocument]) {
      const reading = () => read(JSON.stringify(body), KEY, 'percentiles');
      expect(reading).toThrow(DocumentShapeError);
      expect(reading).toThrow(`${KEY}: ${message}`);
    }
  });
});

describe('the zod-free read and the zod schema agree', () => {
  /** Every leaf of a document, as a path of keys. */
  function leaves(value: unknown, path: string[] = []): string[][] {
    if (value === null || typeof value !== 'object') return [path];
    return Object.entries(value).flatMap(([key, inner]) => leaves(inner, [...path, key]));
  }
  const fieldOf = (read: () => unknown): string | undefined => {
    try {
      read();
    } catch (error) {
      if (error instanceof DocumentShapeError) return error.field;
      throw error;
    }
    return undefined;
  };

  it('on every field of a document of each kind: a string in its place, the field removed, a key added', async () => {
    const [percentiles] = await documents();
    const kinds = { percentiles } as Record<'percentiles' | 'indicators' | 'features', object>;
    const snapshot = await new SampleSource({}).fetchSnapshot('D05.SI', {
      start: '2025-01-01',
      end: '2026-11-26',
      now: new Date('2026-11-26T21:30:00Z'),
    });
    const results = computeResults(snapshot, '2.0');
    for (const kind of ['indicators', 'features'] as const) {
      kinds[kind] = processedDocument(
        kind,
        {
          ticker: 'D05.SI',
          as_of: results.asOf,
          computation_version: '2.0',
          computed_at: '2026-11-26T21:30:00Z',
          values: kind === 'indicators' ? results.indicators : results.features,
        },
        { key: 'raw/sample/D05.SI/2026-11-26/20261126_213000.json', versionId: 'v3', sha256: 'e'.repeat(64) },
      );
    }
    let compared = 0;
    for (const [kind, document] of Object.entries(kinds) as ['percentiles' | 'indicators' | 'features', object][]) {
      const body = JSON.parse(JSON.stringify(document));
      for (const path of leaves(body)) {
        for (const damage of ['string', 'remove', 'add'] as const) {
          const damaged = structuredClone(body);
          const parent = path.slice(0, -1).reduce((inner, key) => inner[key], damaged);
          const last = path[path.length - 1];
          if (damage === 'string') parent[last] = 'x';
          else if (damage === 'remove') delete parent[last];
          else parent[`${last}_extra`] = 1;
          const text = JSON.stringify(damaged);
          const zod = fieldOf(() => parseProcessedDocument(text, KEY, kind));
          const light = fieldOf(() => readProcessedDocument(text, KEY, kind));
          // 'x' is a valid ticker, version id or raw key: both accept it.
          expect(light, `${kind} ${path.join('.')} ${damage}`).toBe(zod);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(3 * 100);
  });
});
