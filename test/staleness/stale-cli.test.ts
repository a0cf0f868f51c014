import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DataLake } from '../../src/lake/data-lake.js';
import { createSource } from '../../src/sources/index.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import { openWarehouse } from '../../src/warehouse/database.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { runCli } from '../support/cli.js';
import { DAY_1, DAY_2, day1DateBefore, RAW_DAY_1, RAW_DAY_2, RestatingSource, runDay } from '../support/staleness.js';

describe('marketlake stale', () => {
  let home: string;
  let restated: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-stale-cli-'));
    // Two days of runs into the embedded default layout (<home>/lake, PGlite under <home>), the second restating.
    const warehouse = await openWarehouse({ home });
    try {
      const lake = new DataLake(await FsObjectStore.open(join(home, 'lake')), new WarehouseLakeCatalog(warehouse.db));
      restated = await day1DateBefore('NVDA', 30);
      await runDay(lake, warehouse, DAY_1, { tickers: ['NVDA', 'D05.SI'] });
      await runDay(lake, warehouse, DAY_2, {
        tickers: ['NVDA', 'D05.SI'],
        source: new RestatingSource(createSource('sample'), 'NVDA', [restated]),
      });
    } finally {
      await warehouse.close();
    }
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('--json prints the stale latest results with their reasons and what to recompute from', async () => {
    const result = await runCli('stale', '--home', home, '--json');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const stale = JSON.parse(result.stdout);
    expect(stale.map((r: { key: string }) => r.key)).toEqual([
      'processed/features/NVDA/2026-11-26/20261126_213000.json',
      'processed/indicators/NVDA/2026-11-26/20261126_213000.json',
      'processed/percentiles/NVDA/2026-11-26/20261126_213000.json',
    ]);
    expect(stale[0]).toEqual({
      key: 'processed/features/NVDA/2026-11-26/20261126_213000.json',
      version_id: expect.any(String),
      ticker: 'NVDA',
      kind: 'features',
      as_of: '2026-11-26',
      computation_version: '1.0',
      source_raw_key: RAW_DAY_1('NVDA'),
      source_raw_version_id: expect.any(String),
      newest_raw_key: RAW_DAY_2('NVDA'),
      newest_raw_version_id: expect.any(String),
      reasons: [
        {
          type: 'restatement',
          raw_key: RAW_DAY_2('NVDA'),
          raw_version_id: expect.any(String),
          previous_raw_key: RAW_DAY_1('NVDA'),
          dates: [restated],
          fields: ['close'],
        },
      ],
    });
  });

  it('takes the current version from --computation-version, else MARKETLAKE_COMPUTATION_VERSION', async () => {
    const byFlag = JSON.parse((await runCli('stale', '--home', home, '--computation-version', '2.0', '--json')).stdout);
    // Every latest result is under 1.0 now: 2 tickers x 2 as-of dates x 3 kinds.
    expect(byFlag).toHaveLength(12);
    expect(byFlag.every((r: { reasons: { type: string }[] }) => r.reasons[0].type === 'computation_version')).toBe(
      true,
    );

    vi.stubEnv('MARKETLAKE_COMPUTATION_VERSION', '2.0');
    try {
      expect(JSON.parse((await runCli('stale', '--home', home, '--json')).stdout)).toEqual(byFlag);
      expect(
        JSON.parse((await runCli('stale', '--home', home, '--computation-version', '1.0', '--json')).stdout),
      ).toHaveLength(3);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('prints a table for people, narrows to --ticker, and refuses an unknown version as a usage error', async () => {
    const text = await runCli('stale', '--home', home);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`restated close on ${restated} in ${RAW_DAY_2('NVDA')}`);
    expect(text.stdout).toContain('(3 stale results; current computation version 1.0)');

    const none = await runCli('stale', '--home', home, '--ticker', 'd05.si');
    expect(none.stdout).toBe('no stale results (current computation version 1.0)\n');

    const bad = await runCli('stale', '--home', home, '--computation-version', '9.9');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown computation version "9.9"');
  });
});
