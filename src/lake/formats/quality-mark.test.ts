import { describe, expect, it } from 'vitest';
import { INDICATOR_FIELDS } from '../../compute/fields.js';
import { CHECKS } from '../../quality/catalog.js';
import { MAX_METADATA_BYTES, MAX_TAGS, metadataBytes } from '../limits.js';
import { renderProcessed } from './processed.js';
import {
  failedText,
  MAX_QUALITY_FAILED_LENGTH,
  qualityMark,
  qualityMarkMetadata,
  qualityMarkOf,
  type FailedCheck,
} from './quality-mark.js';

const RUN_ID = '0b6c1f1e-3f7a-4d0c-9a57-0f1c2d3e4f5a';
/** A long ticker and a compressed raw key with a sequence: the largest processed metadata marketlake writes. */
const KEY = 'processed/percentiles/ticker=ABCDEFGHIJ.SI/date=2026-11-26/20261126_213000_12.json.gz';
const RAW_KEY = 'raw/ticker=ABCDEFGHIJ.SI/date=2026-11-26/20261126_213000_12.yfinance.json.gz';

const indicators = {
  schema: 'marketlake.indicators/1',
  ticker: 'ABCDEFGHIJ.SI',
  as_of: '2026-11-26',
  computation_version: '1.0' as const,
  computed_at: '2026-11-26T21:30:00.000Z',
  source_raw_data_key: RAW_KEY,
  source_raw_data_version_id: 'v'.repeat(64),
  source_raw_data_sha256: 'a'.repeat(64),
  values: Object.fromEntries(INDICATOR_FIELDS.map((field) => [field, 1])),
};

/** The checks whose failures reach a mark: those judged before the results are written (not the peer checks). */
const MARKING = CHECKS.filter((check) => check.phase !== 'peers');

describe('the quality mark of a processed object', () => {
  it('names the failed checks errors first, then warnings, each by id, each once; none when nothing failed', () => {
    const failures: FailedCheck[] = [
      { check: 'plausibility.volume_outlier', severity: 'warn' },
      { check: 'plausibility.one_day_move', severity: 'error' },
      { check: 'consistency.high_low', severity: 'error' },
      { check: 'plausibility.one_day_move', severity: 'error' },
    ];
    expect(qualityMark(RUN_ID, failures)).toEqual({
      runId: RUN_ID,
      failed: 'consistency.high_low:error,plausibility.one_day_move:error,plausibility.volume_outlier:warn',
    });
    expect(qualityMark(RUN_ID, [])).toBeUndefined();
  });

  it('is in the tags and metadata only: the body and its sha256 are those of the unmarked object', () => {
    const mark = qualityMark(RUN_ID, [{ check: 'consistency.high_low', severity: 'error' }]);
    const clean = renderProcessed(KEY, 'indicators', indicators);
    const marked = renderProcessed(KEY, 'indicators', indicators, mark);
    expect(marked.body).toBe(clean.body);
    expect(marked.sha256).toBe(clean.sha256);
    expect(marked.tags).toEqual({ ...clean.tags, quality: 'flagged' });
    expect(marked.metadata).toEqual({
      ...clean.metadata,
      quality_failed: 'consistency.high_low:error',
      quality_run_id: RUN_ID,
    });
    expect(clean.tags).not.toHaveProperty('quality');
    expect(clean.metadata).not.toHaveProperty('quality_failed');
    expect(qualityMarkOf(KEY, marked.metadata)).toEqual(mark);
    expect(qualityMarkOf(KEY, clean.metadata)).toBeUndefined();
  });

  it('fits S3 limits with every marking check failed at error severity, on the largest metadata', () => {
    const all = qualityMark(
      RUN_ID,
      MARKING.map((check) => ({ check: check.id, severity: 'error' })),
    )!;
    // Whole: no check is cut off.
    expect(all.failed.split(',')).toHaveLength(MARKING.length);
    expect(all.failed.length).toBeLessThanOrEqual(MAX_QUALITY_FAILED_LENGTH);
    const rendered = renderProcessed(KEY, 'indicators', indicators, all);
    expect(Object.keys(rendered.tags).length).toBeLessThanOrEqual(MAX_TAGS);
    // A compressed object's metadata also records its uncompressed size (at most 20 digits).
    expect(metadataBytes(rendered.metadata) + 'uncompressed_size'.length + 20).toBeLessThanOrEqual(MAX_METADATA_BYTES);
  });

  it('cuts a list longer than its bound between two entries, counting what it left out', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      check: `family.check_number_${String(i).padStart(2, '0')}`,
      severity: i < 30 ? ('warn' as const) : ('error' as const),
    }));
    const text = failedText(many);
    expect(text.length).toBeLessThanOrEqual(MAX_QUALITY_FAILED_LENGTH);
    const entries = text.split(',');
    const shown = entries.slice(0, -1);
    expect(entries.at(-1)).toBe(`+${40 - shown.length} more`);
    // The errors are the last to go: all ten are shown, then the warnings that fit.
    expect(shown.slice(0, 10).every((entry) => entry.endsWith(':error'))).toBe(true);
    expect(shown.slice(10).every((entry) => entry.endsWith(':warn'))).toBe(true);
    expect(shown.every((entry) => /^family\.check_number_\d\d:(error|warn)$/.test(entry))).toBe(true);
  });

  it('refuses half a mark in metadata, naming the key', () => {
    expect(() => qualityMarkOf(KEY, { quality_failed: 'consistency.high_low:error' })).toThrow(
      `${KEY}: its metadata has quality_failed="consistency.high_low:error" and quality_run_id=null`,
    );
    expect(() => qualityMarkOf(KEY, { quality_failed: '', quality_run_id: RUN_ID })).toThrow(KEY);
    expect(qualityMarkMetadata(undefined)).toEqual({});
  });
});
