import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { createSource, CsvFolderSource, SampleSource, YahooSource } from './index.js';

describe('createSource', () => {
  it('builds each source; yahoo snapshots are named yfinance', () => {
    const yahoo = createSource('yahoo');
    expect(yahoo).toBeInstanceOf(YahooSource);
    expect(yahoo.name).toBe('yfinance');
    const csv = createSource('csv', { dir: '/tmp' });
    expect(csv).toBeInstanceOf(CsvFolderSource);
    expect(csv.name).toBe('csv');
    const sample = createSource('sample', { seed: 3 });
    expect(sample).toBeInstanceOf(SampleSource);
    expect(sample.name).toBe('sample');
  });

  it('refuses an unknown name from the command line', () => {
    expect(() => createSource('bloomberg' as 'yahoo')).toThrow(UserError);
    expect(() => createSource('bloomberg' as 'yahoo')).toThrow(
      'unknown source "bloomberg": expected one of yahoo, csv, sample',
    );
  });
});
