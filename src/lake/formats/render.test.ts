import { describe, expect, it } from 'vitest';
import { INDICATOR_FIELDS } from '../../compute/fields.js';
import { checkMetadata, checkTags, ObjectLimitError } from '../limits.js';
import { renderProcessed } from './processed.js';
import { renderRaw, type RawSnapshot } from './raw.js';
import { sha256Hex } from './render.js';
import { InvalidDocumentError } from './schema-check.js';

const snapshot: RawSnapshot = {
  schema: 'marketlake.raw/1',
  source: 'yfinance',
  ticker: 'EURUSD=X',
  fetched_at: '2026-11-26T21:30:00.000Z',
  interval: '1d',
  currency: 'USD',
  exchange: 'CCY',
  timezone: 'Europe/London',
  bars: [
    { date: '2026-11-25', open: 1.05, high: 1.06, low: 1.04, close: 1.055, adj_close: 1.055, volume: 0 },
    { date: '2026-11-26', open: 1.055, high: 1.07, low: 1.05, close: 1.06, adj_close: null, volume: 0 },
  ],
  events: { dividends: [], splits: [] },
};

describe('object documents, tags and metadata', () => {
  it('renders a raw snapshot as one line of JSON with its tags and metadata', () => {
    const rendered = renderRaw('raw/yfinance/EURUSD=X/2026-11-26/20261126_213000.json', snapshot);
    expect(rendered.body).not.toContain('\n');
    expect(JSON.parse(rendered.body)).toEqual(snapshot);
    expect(rendered.sha256).toBe(sha256Hex(rendered.body));
    expect(rendered.tags).toEqual({ source: 'yfinance', ticker: 'EURUSD=X', fetched_at: '2026-11-26' });
    expect(rendered.metadata).toMatchObject({
      bars: '2',
      first_date: '2026-11-25',
      last_date: '2026-11-26',
      data_classification: 'public-api-data',
    });
    expect(rendered.metadata).not.toHaveProperty('synthetic');
  });

  const PROCESSED_KEY = 'processed/indicators/X/2026-11-26/20261126_213000.json';
  const indicators = (values: Record<string, unknown>) => ({
    schema: 'marketlake.indicators/1',
    ticker: 'X',
    as_of: '2026-11-26',
    computation_version: '1.0' as const,
    computed_at: '2026-11-26T21:30:00.000Z',
    source_raw_data_key: 'raw/yfinance/X/2026-11-26/20261126_213000.json',
    source_raw_data_version_id: 'v1',
    source_raw_data_sha256: 'a'.repeat(64),
    values: { ...Object.fromEntries(INDICATOR_FIELDS.map((field) => [field, 1])), ...values },
  });

  it('writes NaN and Infinity as null, never as invalid JSON', () => {
    const document = indicators({ rsi_14: Number.NaN, volume_ratio: Number.POSITIVE_INFINITY, sma_20: 1.5 });
    const rendered = renderProcessed(PROCESSED_KEY, 'indicators', document);
    expect(JSON.parse(rendered.body).values).toMatchObject({ rsi_14: null, volume_ratio: null, sma_20: 1.5 });
    expect(rendered.metadata.indicators_computed).toBe(INDICATOR_FIELDS.join(','));
  });

  it('refuses to render a document its schema refuses, naming the key and the field', () => {
    const render = (values: Record<string, unknown>) => () =>
      renderProcessed(PROCESSED_KEY, 'indicators', indicators(values));
    expect(render({ rsi_14: '55.2' })).toThrow(InvalidDocumentError);
    expect(render({ rsi_14: '55.2' })).toThrow(
      `refusing to write ${PROCESSED_KEY}: values.rsi_14: expected number, received string`,
    );
    expect(render({ rsi_15: 1 })).toThrow(`${PROCESSED_KEY}: values: Unrecognized key: "rsi_15"`);
    const { sma_200: _dropped, ...withoutSma200 } = indicators({}).values;
    expect(() => renderProcessed(PROCESSED_KEY, 'indicators', { ...indicators({}), values: withoutSma200 })).toThrow(
      `${PROCESSED_KEY}: values.sma_200: expected number, received undefined`,
    );
    expect(() =>
      renderRaw('raw/yfinance/X/2026-11-26/20261126_213000.json', { ...snapshot, fetched_at: '26/11/2026' }),
    ).toThrow('fetched_at: expected an ISO 8601 instant');
  });

  it('refuses tags and metadata S3 would refuse, instead of truncating them', () => {
    const key = 'k';
    expect(() => checkTags(key, Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`t${i}`, 'v'])))).toThrow(
      /11 tags, at most 10/,
    );
    expect(() => checkTags(key, { ticker: 'A'.repeat(257) })).toThrow(/257 characters, at most 256/);
    expect(() => checkTags(key, { ['k'.repeat(129)]: 'v' })).toThrow(/1-128 characters/);
    expect(() => checkTags(key, { ticker: '^GSPC' })).toThrow(ObjectLimitError);
    expect(() =>
      checkTags(key, { source_raw_data: 'raw/yfinance/EURUSD=X/2026-11-26/20261126_213000_2.json' }),
    ).not.toThrow();
    expect(() => checkMetadata(key, { note: 'caf\u00e9' })).toThrow(/printable ASCII/);
    expect(() => checkMetadata(key, { Upper: 'x' })).toThrow(/lower-case/);
    expect(() => checkMetadata(key, { big: 'x'.repeat(2046) })).toThrow(/2049 bytes, at most 2048/);
    expect(() => checkMetadata(key, { big: 'x'.repeat(2045) })).not.toThrow();
  });
});
