import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/warehouse/database.js';
import { runCli } from '../support/cli.js';

const ENTRY = fileURLToPath(new URL('../support/cli-entry.ts', import.meta.url));

/** A user mistake is one line on stderr: no stack frame, no "internal error". */
function expectOneLine(stderr: string): void {
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
}

/** Every command that takes --tickers, with the other options it needs to get that far. */
const TICKER_COMMANDS: readonly string[][] = [
  ['run'],
  ['reprocess', '--computation-version', '2.0'],
  ['diff', '--from', '1.0', '--to', '2.0'],
  ['verify'],
];

describe('bad arguments are usage errors, before anything is opened', () => {
  let base: string;
  /** One home with one run of NVDA: opening PGlite is the slow part of these tests, so they share it. */
  let home: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'marketlake-badargs-'));
    home = join(base, 'home');
    expect((await runCli('run', '--home', home, '--tickers', 'NVDA', '--json')).code).toBe(0);
  }, 180_000);
  afterAll(async () => rm(base, { recursive: true, force: true }));

  it.each(TICKER_COMMANDS.map((command) => [command.join(' '), command]))(
    '%s: an empty --tickers, an empty element or an invalid ticker exits 2 and opens no home',
    async (_name, command) => {
      for (const tickers of ['', ' ', 'NVDA,,AAPL', ',NVDA', 'NVDA,', 'NVDA,../x', 'A/B']) {
        const home = join(base, `untouched-${command[0]}`);
        const result = await runCli(...command, '--home', home, '--tickers', tickers, '--json');
        expect({ tickers, code: result.code }).toEqual({ tickers, code: 2 });
        expect(result.stdout).toBe('');
        expectOneLine(result.stderr);
        expect(existsSync(home)).toBe(false);
      }
    },
  );

  it('stale: the same rules for --ticker', async () => {
    const home = join(base, 'untouched-stale');
    for (const ticker of ['', 'NVDA,,AAPL', '^^X']) {
      const result = await runCli('stale', '--home', home, '--ticker', ticker);
      expect(result.code).toBe(2);
      expect(existsSync(home)).toBe(false);
    }
  });

  it('an invalid ticker on an existing home: no computation_runs row, no OpenLineage event', async () => {
    const lineageBefore = JSON.parse((await runCli('ls', 'lineage/', '--home', home, '--json')).stdout);
    expect(lineageBefore).toHaveLength(2);
    for (const command of [['run'], ['reprocess', '--computation-version', '2.0']]) {
      const result = await runCli(...command, '--home', home, '--tickers', 'NVDA,A/B', '--json');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('invalid ticker "A/B"');
    }
    expect(JSON.parse((await runCli('ls', 'lineage/', '--home', home, '--json')).stdout)).toEqual(lineageBefore);
    const warehouse = await openWarehouse({ home });
    try {
      const runs = await warehouse.db.selectFrom('computation_runs').select('run_id').execute();
      expect(runs).toHaveLength(1);
    } finally {
      await warehouse.close();
    }
  }, 180_000);

  it('--tickers NVDA,nvda,NVDA is one ticker, fetched and stored once', async () => {
    const rawBefore = JSON.parse((await runCli('ls', 'raw/', '--home', home, '--json')).stdout);
    const result = await runCli('run', '--home', home, '--tickers', 'NVDA,nvda, NVDA', '--json');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.tickers_ok).toEqual(['NVDA']);
    expect(summary.objects_written).toBe(4);
    expect(JSON.parse((await runCli('ls', 'raw/', '--home', home, '--json')).stdout)).toHaveLength(
      rawBefore.length + 1,
    );
  }, 180_000);

  it('--range that is no range is a usage error before anything is opened', async () => {
    const home = join(base, 'untouched-range');
    for (const range of ['abc', '-1y', '0d', '2', 'y', '1e3d', '99999999y', '2y ']) {
      const result = await runCli('run', '--home', home, '--tickers', 'NVDA', '--range', range);
      expect({ range, code: result.code }).toEqual({ range, code: 2 });
      expectOneLine(result.stderr);
      expect(result.stderr).toContain('--range');
    }
    expect(existsSync(home)).toBe(false);
  });

  it('a --home that is a file, or that cannot be written, is one line and exit 1', async () => {
    const file = join(base, 'a-file');
    await writeFile(file, 'not a folder\n');
    for (const home of [file, join(file, 'below')]) {
      const result = await runCli('run', '--home', home, '--tickers', 'NVDA');
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `marketlake: cannot use ${home} as the marketlake home: it (or a folder above it) is a file, not a folder\n`,
      );
    }
    // /sys is read-only (EROFS) or refuses new entries (EPERM) even for root, unlike a chmod-ed folder.
    const readOnly = await runCli('ls', '--home', '/sys/marketlake-test-home');
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toMatch(
      /^marketlake: cannot use \/sys\/marketlake-test-home as the marketlake home: (it is on a read-only file system|operation not permitted|permission denied)\n$/,
    );
  });

  it('a path with a NUL byte (--home, --universe, --csv-dir, --csv) is a usage error in one line', async () => {
    for (const args of [
      ['ls', '--home', `${base}/a\u0000b`],
      ['run', '--universe', `${base}/a\u0000b`],
      ['run', '--source', 'csv', '--csv-dir', `${base}/a\u0000b`, '--tickers', 'NVDA'],
      ['indicators', '--csv', `${base}/a\u0000b`],
    ]) {
      const result = await runCli(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/is not a usable path: it contains a NUL byte/);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  });

  it('a universe file with a NUL byte or bytes that are not UTF-8 is refused whole, in one line', async () => {
    const home = join(base, 'untouched-universe');
    const nul = join(base, 'nul.txt');
    await writeFile(nul, Buffer.from('NVDA\nAAPL\n\0\0\x01junk\n'));
    const binary = join(base, 'binary.txt');
    await writeFile(binary, Buffer.from([0x4e, 0x56, 0x44, 0x41, 0x0a, 0xff, 0xfe, 0x80, 0x0a]));
    const withNul = await runCli('run', '--home', home, '--universe', nul);
    expect(withNul.code).toBe(1);
    expect(withNul.stderr).toBe(`marketlake: ${nul}:3: a NUL byte: this is not a text file of tickers\n`);
    const notUtf8 = await runCli('run', '--home', home, '--universe', binary);
    expect(notUtf8.code).toBe(1);
    expect(notUtf8.stderr).toBe(`marketlake: ${binary}: not UTF-8 text: this is not a text file of tickers\n`);
    expect(existsSync(home)).toBe(false);
  });

  it('a universe file is data: a line with control characters fails alone, escaped; nvda and NVDA are one', async () => {
    const universe = join(base, 'universe.txt');
    await writeFile(universe, 'NVDA\nnvda\n\x1b]0;pwned\x07\n');
    const result = await runCli('run', '--home', home, '--universe', universe);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('1 ok, 1 failed');
    expect(result.stdout).toContain('FAILED \\x1b]0;pwned\\x07: invalid ticker "\\x1b]0;pwned\\x07"');
    expect(result.stdout + result.stderr).not.toMatch(/[\x1b\x07]/);
  }, 180_000);

  it('control characters in an argument never reach the terminal raw', async () => {
    const hostile = '\x1b]0;pwned\x07\x9b2J\u202e';
    const home = join(base, 'untouched-escape');
    const untouched = join(base, 'untouched-escape');
    const echoed = [
      ['get', 'raw', hostile, '--home', untouched],
      ['run', '--tickers', `NVDA,${hostile}`, '--home', untouched],
      ['get', hostile, 'NVDA', '--home', untouched],
      ['run', '--source', hostile, '--home', untouched],
      ['run', '--range', hostile, '--home', untouched],
      [hostile],
    ];
    for (const args of echoed) {
      const result = await runCli(...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('\\x1b]0;pwned\\x07\\x9b2J\\u202e');
      expect(result.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
    }
    // Messages of our own, after the runtime opened: a lineage key that is no key, a version that is none.
    for (const args of [
      ['lineage', `raw/${hostile}`],
      ['get', 'raw', 'NVDA', '--version', hostile],
    ]) {
      const result = await runCli(...args, '--home', home);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('\\x1b]0;pwned\\x07');
      expect(result.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
    }
  }, 180_000);

  it('a closed stdout (marketlake get raw NVDA | head) ends quietly when the reader is gone before the output is written', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'get', 'raw', 'NVDA', '--home', home], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader goes away at once, like `head` after its lines: every write of the child meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // The home is left usable (the lock released): the command ran to its end.
    expect(await readdir(home)).not.toContain('marketlake.lock');
  }, 180_000);
});
