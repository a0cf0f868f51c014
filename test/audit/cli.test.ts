import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from '../support/cli.js';
import { replaceBody } from '../support/fs-tamper.js';

describe('marketlake verify and catalog rebuild (embedded default)', () => {
  let home: string;
  // One file per table and partition: prices, indicators, percentiles, features, runs, quality, and lake_objects
  // once per object date (a run on a day without a session holds raw objects of today and results of the last
  // session).
  let tableFiles: number;
  const json = (stdout: string) => JSON.parse(stdout);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-audit-cli-'));
    const run = await runCli('run', '--home', home, '--tickers', 'NVDA,D05.SI', '--json');
    expect(run.code).toBe(0);
    tableFiles = json(run.stdout).tables.files_written;
    // The file lake stores key K as the file `K!` (src/storage/fs/layout.ts).
    const objectDates = new Set(
      (await readdir(join(home, 'lake'), { recursive: true }))
        .map((path) => /^(raw|processed)\/.*\/(\d{4}-\d{2}-\d{2})\/[^/]+\.json!?$/.exec(path)?.[2])
        .filter((date) => date !== undefined),
    );
    expect(objectDates.size).toBeGreaterThan(0);
    expect(tableFiles).toBe(6 + objectDates.size);
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('are registered in the program', async () => {
    const names = (await buildProgram()).commands.map((command) => command.name());
    expect(names, 'buildProgram() in src/cli/main.ts must call registerAuditCommands(program)').toEqual(
      expect.arrayContaining(['verify', 'catalog']),
    );
  });

  it('verify --json prints the report and exits 0 on a clean lake', async () => {
    const result = await runCli('verify', '--home', home, '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toEqual({
      checked: 6,
      raw_checked: 2,
      catalog_rows: 8,
      table_files_checked: tableFiles,
      ok: true,
      mismatches: [],
      missing_objects: [],
      uncatalogued_objects: [],
    });
  });

  it('verify without --json says OK in one line; --tickers and --sample narrow it', async () => {
    const plain = await runCli('verify', '--home', home);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(
      `verify: 6 processed objects recomputed, 2 raw objects, 8 catalog rows, ${tableFiles} table files: OK\n`,
    );
    const one = json((await runCli('verify', '--home', home, '--tickers', 'd05.si', '--json')).stdout);
    expect(one).toMatchObject({ checked: 3, raw_checked: 1, catalog_rows: 4, ok: true });
    const sampled = json((await runCli('verify', '--home', home, '--sample', '2', '--json')).stdout);
    expect(sampled).toMatchObject({ checked: 2, catalog_rows: 8, ok: true });
  });

  it('catalog rebuild --json reports its counts and exits 0 (idempotent on a complete catalog)', async () => {
    const result = await runCli('catalog', 'rebuild', '--home', home, '--json');
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toEqual({
      listed: 8,
      inserted: 0,
      already_present: 8,
      conflicting: [],
      failed: [],
      ignored: [],
    });
    const plain = await runCli('catalog', 'rebuild', '--home', home);
    expect(plain.stdout).toMatch(
      /^catalog rebuild: 8 objects listed; 0 rows inserted, 8 already present, 0 conflicting, 0 failed, 0 ignored\n$/,
    );
  });

  it('bad options are usage errors (exit 2)', async () => {
    const sample = await runCli('verify', '--home', home, '--sample', '0');
    expect(sample.code).toBe(2);
    expect(sample.stderr).toMatch(/--sample.*at least 1/);
    const ticker = await runCli('verify', '--home', home, '--tickers', 'A/B');
    expect(ticker.code).toBe(2);
    expect(ticker.stderr).toMatch(/invalid ticker "A\/B"/);
  });

  // Last: it leaves the lake tampered.
  it('verify exits 1 and names the key, the field and both numbers of a tampered value', async () => {
    const [key] = json((await runCli('ls', 'processed/indicators/NVDA/', '--home', home, '--json')).stdout) as string[];
    let stored = Number.NaN;
    await replaceBody(join(home, 'lake'), key, (body) => {
      const document = JSON.parse(body);
      stored = document.values.rsi_14;
      document.values.rsi_14 = 99.5;
      return JSON.stringify(document);
    });
    const result = await runCli('verify', '--home', home, '--json');
    expect(result.code).toBe(1);
    const report = json(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.mismatches).toContainEqual({
      key,
      kind: 'indicators',
      problem: 'value',
      field: 'rsi_14',
      expected: stored,
      actual: 99.5,
      version_id: expect.any(String),
    });
    expect(report.mismatches.map((m: { problem: string }) => m.problem)).toEqual(
      expect.arrayContaining(['content-sha256', 'catalog', 'value']),
    );

    const plain = await runCli('verify', '--home', home);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain(
      `MISMATCH ${key} (indicators): value rsi_14: expected ${JSON.stringify(stored)}, actual 99.5`,
    );
    expect(plain.stdout).toMatch(
      new RegExp(
        `^verify: 6 processed objects recomputed, 2 raw objects, 8 catalog rows, ${tableFiles} table files: \\d+ problems`,
      ),
    );
  });
});

describe('marketlake get --as-known-at (embedded default)', () => {
  let home: string;
  const get = async (...args: string[]) => runCli('get', 'indicators', 'NVDA', '--home', home, '--json', ...args);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-asof-cli-'));
    expect((await runCli('run', '--home', home, '--tickers', 'NVDA', '--json')).code).toBe(0);
    expect(
      (await runCli('run', '--home', home, '--tickers', 'NVDA', '--computation-version', '2.0', '--json')).code,
    ).toBe(0);
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('is an option of get', async () => {
    const getCommand = (await buildProgram()).commands.find((command) => command.name() === 'get');
    expect(
      getCommand?.options.map((option) => option.long),
      'src/cli/commands/lake-commands.ts needs the --as-known-at patch of the audit report',
    ).toContain('--as-known-at');
  });

  it('returns the version that was the latest at that time', async () => {
    const versions = JSON.parse((await runCli('versions', 'indicators', 'NVDA', '--home', home, '--json')).stdout) as {
      key: string;
      computed_at: string;
    }[];
    expect(versions).toHaveLength(2);
    const [newer, older] = versions;
    const atOlder = await get('--as-known-at', older.computed_at);
    expect(atOlder.code).toBe(0);
    expect(JSON.parse(atOlder.stdout)).toMatchObject({ key: older.key, body: { computation_version: '1.0' } });
    const atNewer = JSON.parse(
      (await get('--as-known-at', newer.computed_at, '--date', JSON.parse(atOlder.stdout).body.as_of)).stdout,
    );
    expect(atNewer).toMatchObject({ key: newer.key, body: { computation_version: '2.0' } });
  });

  it('is a clear error before anything was known, for a time without zone, and together with --version', async () => {
    const before = await get('--as-known-at', '2000-01-01T00:00:00Z');
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/no indicators object for NVDA was known at 2000-01-01T00:00:00\.000Z/);
    const zoneless = await get('--as-known-at', '2026-11-26T21:30:00');
    expect(zoneless.code).toBe(2);
    expect(zoneless.stderr).toMatch(/not an ISO 8601 time with a zone/);
    const both = await get('--as-known-at', '2026-11-26T21:30:00Z', '--version', '20261126_213000');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--version or --as-known-at, not both/);
  });
});
