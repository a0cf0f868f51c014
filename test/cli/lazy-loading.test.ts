/**
 * A command loads only what it uses: `--help` and the reads of an embedded home load none of the database
 * drivers, the AWS SDK, the vendor client or the progress bar (each costs start-up time: docs/benchmarks.md "Read
 * latency"), and `run`, which uses them, does load them. The built CLI (`bin/marketlake.js`; `npm run build`
 * first) runs under a hook that records every module it resolves (test/support/module-load-recorder.mjs).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from '../support/cli.js';

const BIN = fileURLToPath(new URL('../../bin/marketlake.js', import.meta.url));
const RECORDER = fileURLToPath(new URL('../support/module-load-recorder.mjs', import.meta.url));

/** The packages a read must not pay for. */
const HEAVY = ['@aws-sdk', '@duckdb', 'kysely', 'pg', '@electric-sql/pglite', 'yahoo-finance2', 'cli-progress', 'zod'];

interface Recorded {
  code: number;
  stdout: string;
  stderr: string;
  /** The packages (under node_modules) whose modules were loaded. */
  packages: Set<string>;
}

async function runRecorded(scratch: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Recorded> {
  const log = join(scratch, `modules-${Math.random().toString(36).slice(2)}.log`);
  const child = spawn(process.execPath, ['--import', RECORDER, BIN, ...args], {
    env: { ...process.env, ...env, MARKETLAKE_MODULE_LOG: log },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exit) => resolve(exit ?? -1));
  });
  const urls = (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '');
  const packages = new Set(
    urls.flatMap((url) => {
      const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
      if (!match) return [];
      // The AWS SDK and DuckDB come as several packages (clients, bindings): each counts as one.
      const scope = ['@aws-sdk/', '@duckdb/'].find((prefix) => match[1]!.startsWith(prefix));
      return [scope === undefined ? match[1]! : scope.slice(0, -1)];
    }),
  );
  return { code, stdout, stderr, packages };
}

describe('a command loads only what it uses (built CLI, module-load recorder)', () => {
  let scratch: string;
  let home: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'marketlake-lazy-'));
    home = join(scratch, 'home');
    const run = await runCli('run', '--home', home, '--tickers', 'NVDA', '--json');
    expect(run.code).toBe(0);
  }, 120_000);
  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  it('--help lists every command and loads none of the heavy packages', async () => {
    const help = await runRecorded(scratch, ['--help']);
    expect(help.code).toBe(0);
    for (const command of (await buildProgram()).commands) expect(help.stdout).toContain(`\n  ${command.name()}`);
    expect(HEAVY.filter((name) => help.packages.has(name))).toEqual([]);
    expect(help.packages).toContain('commander');
    // A subcommand's help still lists its options (declarations are not deferred, only what the actions use).
    const runHelp = await runRecorded(scratch, ['run', '--help']);
    expect(runHelp.stdout).toContain('--computation-version <version>');
    expect(runHelp.stdout).toContain('--source <name>');
    expect(HEAVY.filter((name) => runHelp.packages.has(name))).toEqual([]);
    const sqlHelp = await runRecorded(scratch, ['sql', '--help']);
    expect(sqlHelp.stdout).toContain('--engine <engine>');
    expect(HEAVY.filter((name) => sqlHelp.packages.has(name))).toEqual([]);
    // The server's packages load when it serves, not for its help.
    const serveHelp = await runRecorded(scratch, ['serve', '--help']);
    expect(serveHelp.stdout).toContain('--tokens-file <file>');
    expect(
      [...HEAVY, 'hono', '@hono/zod-openapi', '@hono/node-server'].filter((name) => serveHelp.packages.has(name)),
    ).toEqual([]);
    const qualityHelp = await runRecorded(scratch, ['quality', 'check', '--help']);
    expect(qualityHelp.stdout).toContain('--quality-config <file>');
    expect(HEAVY.filter((name) => qualityHelp.packages.has(name))).toEqual([]);
  });

  it('quality check reads the lake alone: the raw parser, none of the database drivers or the AWS SDK', async () => {
    const check = await runRecorded(scratch, ['quality', 'check', '--home', home, '--json']);
    expect(check.code, check.stderr).toBe(0);
    expect(check.packages).toContain('zod');
    const unused = ['@aws-sdk', '@duckdb', 'kysely', 'pg', '@electric-sql/pglite', 'yahoo-finance2'];
    expect(unused.filter((name) => check.packages.has(name))).toEqual([]);
  });

  it('sql on the DuckDB engine loads DuckDB and not the AWS SDK or the database drivers', async () => {
    const sql = await runRecorded(scratch, ['sql', 'SELECT count(*) AS n FROM runs', '--home', home, '--json']);
    expect(sql.code, sql.stderr).toBe(0);
    expect(sql.packages).toContain('@duckdb');
    expect(HEAVY.filter((name) => name !== '@duckdb' && sql.packages.has(name))).toEqual([]);
  });

  it('get, versions, ls and lineage on an embedded home load none of them', async () => {
    const get = await runRecorded(scratch, ['get', 'indicators', 'NVDA', '--home', home, '--json']);
    expect(get.stderr).toBe('');
    expect(get.code).toBe(0);
    const object = JSON.parse(get.stdout) as { key: string; body: { source_raw_data_key: string } };
    expect(object.key).toMatch(/^processed\/indicators\/NVDA\//);
    expect(HEAVY.filter((name) => get.packages.has(name))).toEqual([]);
    for (const args of [
      ['versions', 'features', 'NVDA'],
      ['ls', 'processed/'],
      ['lineage', object.body.source_raw_data_key],
    ]) {
      const read = await runRecorded(scratch, [...args, '--home', home]);
      expect(read.code, args.join(' ')).toBe(0);
      expect(
        HEAVY.filter((name) => read.packages.has(name)),
        args.join(' '),
      ).toEqual([]);
    }
  });

  it('run loads the database driver, the query builder and the vendor client', async () => {
    const run = await runRecorded(scratch, ['run', '--home', home, '--tickers', 'NVDA', '--json']);
    expect(run.code).toBe(0);
    for (const name of ['kysely', '@electric-sql/pglite', 'yahoo-finance2', 'zod'])
      expect(run.packages).toContain(name);
  }, 120_000);
});
