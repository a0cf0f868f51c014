import { describe, expect, it } from 'vitest';
import { PRODUCER } from '../../version.js';
import { sha256Hex } from './render.js';
import { renderRestatement, restatementKey, type RestatementDocument } from './restatement.js';

const document: RestatementDocument = {
  schema: 'marketlake.restatement/1',
  ticker: 'BRK-B',
  detected_at: '2026-11-27T21:30:00.000Z',
  raw_key: 'raw/yfinance/BRK-B/2026-11-27/20261127_213000.json',
  raw_version_id: 'v2',
  previous_raw_key: 'raw/yfinance/BRK-B/2026-11-26/20261126_213000.json',
  previous_raw_version_id: null,
  overlap: { first_date: '2024-11-27', last_date: '2026-11-26' },
  changed_bars: 1,
  bars: [
    {
      date: '2026-10-14',
      change: 'changed',
      fields: { close: { old: 400, new: 200 }, adj_close: { old: 399, new: 199.5 } },
    },
  ],
};

describe('restatement objects', () => {
  it('sit under restatements/{TICKER}/{FETCH_DATE}/{TS}.json of the newer raw key, its _n kept', () => {
    expect(restatementKey(document.raw_key)).toBe('restatements/BRK-B/2026-11-27/20261127_213000.json');
    expect(restatementKey(document.raw_key, 2)).toBe('restatements/BRK-B/2026-11-27/20261127_213000_2.json');
    expect(restatementKey('raw/sample/NVDA/2026-11-27/20261127_213000_3.json')).toBe(
      'restatements/NVDA/2026-11-27/20261127_213000_3.json',
    );
    expect(() => restatementKey('processed/indicators/NVDA/2026-11-27/20261127_213000.json')).toThrow(/not a raw key/);
  });

  it('are one line of JSON with the tags and metadata of the README, within the S3 limits', () => {
    const key = restatementKey(document.raw_key);
    const rendered = renderRestatement(key, document);
    expect(rendered.body).not.toContain('\n');
    expect(JSON.parse(rendered.body)).toEqual(document);
    expect(rendered.contentType).toBe('application/json');
    expect(rendered.tags).toEqual({
      source: 'restatement',
      ticker: 'BRK-B',
      fetched_at: '2026-11-27',
      raw_key: document.raw_key,
      previous_raw_key: document.previous_raw_key,
    });
    expect(rendered.metadata).toEqual({
      detected_at: document.detected_at,
      source: 'restatement_detection',
      ticker: 'BRK-B',
      raw_key: document.raw_key,
      raw_version_id: 'v2',
      previous_raw_key: document.previous_raw_key,
      changed_bars: '1',
      first_changed_date: '2026-10-14',
      last_changed_date: '2026-10-14',
      data_classification: 'computed-data',
      content_sha256: sha256Hex(rendered.body),
      producer: PRODUCER,
    });
    expect(rendered.sha256).toBe(sha256Hex(rendered.body));
  });
});
