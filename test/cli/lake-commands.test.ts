import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/warehouse/database.js';
import { runCli, spawnCli } from '../support/cli.js';

describe('marketlake run, get, versions, lineage, ls, lake retry (embedded default)', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-cli-'));
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('run --json prints a summary and exits 1 when a ticker fails, 0 otherwise', async () => {
    // A bad line of a universe file is data: it fails alone (a bad --tickers is a usage error, bad-arguments.test.ts).
    const universe = join(home, 'universe.txt');
    await writeFile(universe, 'NVDA\nA/B\nD05.SI\n');
    const failing = await runCli('run', '--home', home, '--universe', universe, '--json');
    expect(failing.code).toBe(1);
    const summary = JSON.parse(failing.stdout);
    expect(summary).toMatchObject({
      status: 'partial',
      tickers_ok: ['NVDA', 'D05.SI'],
      objects_written: 8,
      outbox_pending: 0,
    });
    expect(summary.tickers_failed).toEqual([
      { ticker: 'A/B', reason: expect.stringContaining('invalid ticker "A/B"') },
    ]);
    expect(summary.duration_ms).toEqual(expect.any(Number));

    const ok = await runCli('run', '--home', home, '--tickers', 'NVDA', '--computation-version', '2.0', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'ok', computation_version: '2.0', tickers_ok: ['NVDA'] });
  });

  it('get prints {key, version_id, tags, metadata, body} of the latest object', async () => {
    const result = await runCli('get', 'indicators', 'nvda', '--home', home, '--json');
    expect(result.code).toBe(0);
    const object = JSON.parse(result.stdout);
    expect(Object.keys(object)).toEqual(['key', 'version_id', 'tags', 'metadata', 'body']);
    expect(object.key).toMatch(/^processed\/indicators\/NVDA\/\d{4}-\d{2}-\d{2}\/\d{8}_\d{6}(_\d+)?\.json$/);
    expect(object.body.computation_version).toBe('2.0');
    expect(object.tags.computation_type).toBe('indicators');

    const raw = JSON.parse((await runCli('get', 'raw', 'NVDA', '--home', home, '--json')).stdout);
    expect(raw.body.schema).toBe('marketlake.raw/1');
    expect(raw.key).toBe(object.body.source_raw_data_key);
  });

  it('versions lists every version newest first; get --version reads an older one', async () => {
    const result = await runCli('versions', 'indicators', 'NVDA', '--home', home, '--json');
    const versions = JSON.parse(result.stdout);
    expect(versions).toHaveLength(2);
    expect(Object.keys(versions[0])).toEqual(['key', 'version_id', 'date', 'computed_at', 'computation_version']);
    expect(versions.map((v: { computation_version: string }) => v.computation_version)).toEqual(['2.0', '1.0']);
    const older = JSON.parse(
      (await runCli('get', 'indicators', 'NVDA', '--version', versions[1].version_id, '--home', home, '--json')).stdout,
    );
    expect(older.key).toBe(versions[1].key);
    expect(older.body.computation_version).toBe('1.0');
    const stamp = versions[1].key.split('/').pop().replace('.json', '');
    const byStamp = JSON.parse(
      (await runCli('get', 'indicators', 'NVDA', '--version', stamp, '--home', home, '--json')).stdout,
    );
    expect(byStamp.key).toBe(versions[1].key);
  });

  it('lineage follows a processed key to its raw snapshot and back', async () => {
    const indicators = JSON.parse((await runCli('get', 'indicators', 'D05.SI', '--home', home, '--json')).stdout);
    const up = JSON.parse((await runCli('lineage', indicators.key, '--home', home, '--json')).stdout);
    expect(up).toEqual({
      key: indicators.key,
      sources: [
        {
          key: indicators.body.source_raw_data_key,
          version_id: indicators.body.source_raw_data_version_id,
          sha256: indicators.body.source_raw_data_sha256,
        },
      ],
      derived: [],
    });
    const down = JSON.parse(
      (await runCli('lineage', indicators.body.source_raw_data_key, '--home', home, '--json')).stdout,
    );
    expect(down.sources).toEqual([]);
    expect(down.derived.map((d: { key: string }) => d.key.split('/')[1]).sort()).toEqual([
      'features',
      'indicators',
      'percentiles',
    ]);
  });

  it('ls lists keys under a prefix', async () => {
    const keys = JSON.parse((await runCli('ls', 'processed/features/', '--home', home, '--json')).stdout);
    expect(keys.every((key: string) => key.startsWith('processed/features/'))).toBe(true);
    expect(keys.filter((key: string) => key.includes('/NVDA/'))).toHaveLength(2);
    expect(keys.filter((key: string) => key.includes('/D05.SI/'))).toHaveLength(1);
  });

  it('index symbols: run, get, versions, ls, lineage and catalog rebuild round-trip ^GSPC through its key form _5EGSPC', async () => {
    const run = await runCli('run', '--home', home, '--tickers', '^GSPC,^n225', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'ok', tickers_ok: ['^GSPC', '^N225'], objects_written: 8 });
    const indicators = JSON.parse((await runCli('get', 'indicators', '^gspc', '--home', home, '--json')).stdout);
    expect(indicators.key).toMatch(/^processed\/indicators\/_5EGSPC\/\d{4}-\d{2}-\d{2}\/\d{8}_\d{6}(_\d+)?\.json$/);
    expect(indicators.body.ticker).toBe('^GSPC');
    expect(indicators.tags.ticker).toBe('_5EGSPC');
    expect(indicators.body.source_raw_data_key).toMatch(/^raw\/sample\/_5EGSPC\//);
    const versions = JSON.parse((await runCli('versions', 'raw', '^GSPC', '--home', home, '--json')).stdout);
    expect(versions.map((v: { key: string }) => v.key)).toEqual([indicators.body.source_raw_data_key]);
    const keys = JSON.parse((await runCli('ls', 'processed/features/_5EN225/', '--home', home, '--json')).stdout);
    expect(keys).toHaveLength(1);
    const down = JSON.parse(
      (await runCli('lineage', indicators.body.source_raw_data_key, '--home', home, '--json')).stdout,
    );
    expect(down.derived.map((d: { key: string }) => d.key.split('/').slice(1, 3).join('/')).sort()).toEqual([
      'features/_5EGSPC',
      'indicators/_5EGSPC',
      'percentiles/_5EGSPC',
    ]);
    // The catalog rebuilt from the lake alone reads the keys back: none ignored, none conflicting.
    const rebuild = await runCli('catalog', 'rebuild', '--home', home, '--json');
    expect(rebuild.code).toBe(0);
    expect(JSON.parse(rebuild.stdout)).toMatchObject({ conflicting: [], failed: [], ignored: [] });
  });

  it('lake retry reports an empty outbox', async () => {
    const result = await runCli('lake', 'retry', '--home', home, '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      written: 0,
      table_rows: 0,
      table_files_dropped: [],
      failed: [],
      waiting: 0,
      pending: 0,
      in_flight: 0,
      runs_aborted: [],
    });
  });

  it('clear errors: unknown kind, missing object, bad ticker, bad universe file', async () => {
    const kind = await runCli('get', 'prices', 'NVDA', '--home', home);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/unknown kind "prices"/);
    const missing = await runCli('get', 'indicators', 'MSFT', '--home', home, '--json');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/no indicators object for MSFT/);
    const ticker = await runCli('get', 'indicators', 'A/B', '--home', home);
    expect(ticker.code).toBe(2);
    expect(ticker.stderr).toMatch(/invalid ticker "A\/B"/);
    const universe = join(home, 'empty-universe.txt');
    await writeFile(universe, '# nothing here\n\n');
    const empty = await runCli('run', '--home', home, '--universe', universe);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/lists no tickers/);
  });

  it('a second process on the same embedded directory is refused with the holder pid', async () => {
    const holder = await openWarehouse({ home });
    try {
      const second = await spawnCli(['run', '--home', home, '--tickers', 'NVDA', '--json']);
      expect(second.code).toBe(1);
      expect(second.stdout).toBe('');
      expect(second.stderr).toContain(`is in use by pid ${process.pid}`);
    } finally {
      await holder.close();
    }
    const after = await runCli('ls', 'raw/', '--home', home, '--json');
    expect(after.code).toBe(0);
  });
});

describe('an unreachable PostgreSQL', () => {
  it('is a clear error before any lake write', async () => {
    const home = await mkdtemp(join(tmpdir(), 'marketlake-nopg-'));
    try {
      // Port 1 on loopback: nothing listens there, so the connection is refused at once.
      const result = await runCli(
        'run',
        '--home',
        home,
        '--tickers',
        'NVDA',
        '--database',
        'postgres://marketlake:secret@127.0.0.1:1/reports',
        '--json',
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/cannot connect to PostgreSQL at marketlake@127\.0\.0\.1:1\/reports/);
      expect(result.stderr).not.toContain('secret');
      const keys = await runCli('ls', '--home', home, '--json');
      expect(JSON.parse(keys.stdout)).toEqual([]);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
