import { describe, expect, it } from 'vitest';
import { computeResults } from '../../compute/results.js';
import { SampleSource } from '../../sources/sample/sample.js';
import { processedDocument, renderProcessed } from './processed.js';
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
    const read = () => parseProcessedDocument(JSON.stringify(body), KEY, 'percentiles');
    expect(read).toThrow(DocumentShapeError);
    expect(read).toThrow(`${KEY}: ${message}`);
  });
});
