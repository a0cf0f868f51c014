import { describe, expect, it } from 'vitest';
import type { QualityResult } from '../../quality/finding.js';
import { PRODUCER } from '../../version.js';
import {
  parseQualityDocument,
  parseQualityKey,
  qualityDocument,
  qualityKey,
  renderQuality,
  type QualityVerdictInput,
} from './quality.js';
import { sha256Hex } from './render.js';
import { DocumentShapeError, InvalidDocumentError } from './schema-check.js';

const RUN_ID = '3f1c2a9e-7b1d-4c5e-9a0f-1234567890ab';
const RAW_KEY = 'raw/yfinance/NVDA/2026-11-26/20261126_213000.json';

/** The verdicts as src/quality makes them: its QualityResult is what qualityDocument takes. */
const results: QualityResult[] = [
  {
    check: 'consistency.high_low',
    severity: 'error',
    passed: false,
    observed: ['2026-11-20', '2026-11-21'],
    expected: 0,
    details: 'high below low on 2026-11-20, 2026-11-21',
    ticker: 'NVDA',
    market: 'US',
    as_of: '2026-11-26',
    raw: { key: RAW_KEY, versionId: 'v7', sha256: 'b'.repeat(64) },
  },
  {
    check: 'freshness.last_bar',
    severity: 'warn',
    passed: false,
    observed: 3,
    expected: 1,
    details: 'last bar 3 sessions old',
    ticker: 'D05.SI',
    market: 'SG',
    as_of: '2026-11-23',
    raw: { key: 'raw/yfinance/D05.SI/2026-11-26/20261126_213000.json', versionId: 'v2', sha256: 'c'.repeat(64) },
  },
  {
    check: 'format.vendor',
    severity: 'error',
    passed: true,
    observed: true,
    expected: true,
    details: '',
    ticker: '7203.T',
    market: 'JP',
    as_of: null,
    raw: null,
  },
];
// QualityResult (src/quality) must stay assignable to the lake's row input: the compiler checks this line.
const inputs: readonly QualityVerdictInput[] = results;

const run = {
  runId: RUN_ID,
  computationVersion: '1.0',
  checkedAt: '2026-11-26T21:35:00.000Z',
  policy: 'block' as const,
};

describe('quality objects', () => {
  it('sit under quality/{RUN_DATE}/{RUN_ID}.json, and only there', () => {
    expect(qualityKey('2026-11-26', RUN_ID)).toBe(`quality/2026-11-26/${RUN_ID}.json`);
    expect(parseQualityKey(`quality/2026-11-26/${RUN_ID}.json`)).toEqual({ runDate: '2026-11-26', runId: RUN_ID });
    expect(parseQualityKey(`quality/2026-11-31/${RUN_ID}.json`)).toBeUndefined();
    expect(parseQualityKey(RAW_KEY)).toBeUndefined();
    expect(() => qualityKey('26/11/2026', RUN_ID)).toThrow('run date "26/11/2026" is not YYYY-MM-DD');
    expect(() => qualityKey('2026-11-26', '../etc')).toThrow('run id "../etc" is not a key segment');
  });

  it('store every verdict with its raw snapshot flattened, and the tags and metadata of the other objects', () => {
    const document = qualityDocument(run, inputs);
    expect(document.results[0]).toEqual({
      check: 'consistency.high_low',
      ticker: 'NVDA',
      market: 'US',
      severity: 'error',
      passed: false,
      observed: ['2026-11-20', '2026-11-21'],
      expected: 0,
      details: 'high below low on 2026-11-20, 2026-11-21',
      as_of: '2026-11-26',
      raw_key: RAW_KEY,
      raw_version_id: 'v7',
      raw_sha256: 'b'.repeat(64),
    });
    expect(document.results[2]).toMatchObject({ as_of: null, raw_key: null, raw_version_id: null, raw_sha256: null });

    const key = qualityKey('2026-11-26', RUN_ID);
    const rendered = renderQuality(key, document);
    expect(rendered.body).not.toContain('\n');
    expect(parseQualityDocument(rendered.body, key)).toEqual(document);
    expect(rendered.tags).toEqual({ source: 'quality', run_date: '2026-11-26', run_id: RUN_ID });
    expect(rendered.metadata).toEqual({
      checked_at: '2026-11-26T21:35:00.000Z',
      source: 'quality_checks',
      run_id: RUN_ID,
      results: '3',
      failed_errors: '1',
      failed_warnings: '1',
      data_classification: 'computed-data',
      content_sha256: sha256Hex(rendered.body),
      producer: PRODUCER,
    });
  });

  it('refuse to render a document of the wrong shape, or under another run key', () => {
    const key = qualityKey('2026-11-26', RUN_ID);
    const bad = qualityDocument(run, [{ ...results[0], observed: { dates: 2 } as never }]);
    expect(() => renderQuality(key, bad)).toThrow(InvalidDocumentError);
    expect(() => renderQuality(key, bad)).toThrow(`refusing to write ${key}: results[0].observed:`);
    expect(() => renderQuality(qualityKey('2026-11-26', 'other-run'), qualityDocument(run, inputs))).toThrow(
      'not quality/{RUN_DATE}/' + RUN_ID + '.json',
    );
  });

  it('read back a damaged or foreign body as an error naming the key and the field', () => {
    const key = qualityKey('2026-11-26', RUN_ID);
    const body = JSON.parse(renderQuality(key, qualityDocument(run, inputs)).body);
    body.results[1].severity = 'fatal';
    expect(() => parseQualityDocument(JSON.stringify(body), key)).toThrow(DocumentShapeError);
    expect(() => parseQualityDocument(JSON.stringify(body), key)).toThrow(`${key}: results[1].severity:`);
    expect(() => parseQualityDocument('{"schema":', key)).toThrow(`${key}: not JSON`);
    const error = (() => {
      try {
        parseQualityDocument(JSON.stringify({ ...body, policy: 'ignore' }), key);
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DocumentShapeError);
    expect(error).toMatchObject({ key, field: 'policy' });
  });
});
