import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from '../support/cli.js';

/**
 * Every flag and argument of every command, fed arbitrary strings (control characters, NUL, unicode, empty):
 * the CLI answers with exit 0, 1 or 2 and never with a stack trace or "internal error". The commands and their
 * options are read from buildProgram(), so a new command or flag is covered without touching this test.
 *
 * What is held back, and why:
 * - nothing may reach the network: no value of --lake is an s3:// URL (the lake would be AWS), no --database a
 *   postgres:// one, and no --source is `yahoo`;
 * - nothing may be written outside this test's folder: the process works in a temporary folder, file:// lakes
 *   are made to point inside it, and --home is either the shared home or a path below a regular file (an
 *   arbitrary string there exercises every character; a new home would cost a PGlite initdb per case);
 * - `run` gets `--tickers NVDA` unless the case gives its own, so a valid case does not run the whole universe.
 * The run is bounded by time (fast-check stops after TIME_BUDGET_MS), not only by a count.
 */
const TIME_BUDGET_MS = 40_000;

interface Leaf {
  path: string[];
  command: Command;
}

function leaves(command: Command, path: string[] = []): Leaf[] {
  const here = command.parent ? [...path, command.name()] : path;
  const children = command.commands.flatMap((child) => leaves(child, here));
  return command.commands.length === 0 || !command.parent ? [{ path: here, command }, ...children] : children;
}

const junk = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({
    unit: fc.constantFrom(
      '\u0000',
      '\u0007',
      '\u001b',
      '\u009b',
      '\u202e',
      '\n',
      '\r',
      ' ',
      ',',
      '-',
      '^',
      '.',
      '/',
      'A',
      'n',
      '1',
      'y',
      'd',
    ),
    maxLength: 12,
  }),
  fc.constantFrom(
    '',
    ' ',
    '-',
    '--',
    '-1y',
    '0',
    '1e309',
    'NaN',
    '2y',
    '400d',
    'NVDA',
    'nvda,,aapl',
    '^GSPC',
    '1.0',
    '2.0',
    '2026-02-30',
    '2026-11-26',
    '2026-11-26T21:30:00Z',
    'sample',
    'csv',
    'Bulk',
    '../..',
    'raw/',
    'file://',
    'file:///%2f',
    '%00',
    '\u0000',
  ),
);

describe('arbitrary strings on every flag of every command', () => {
  let base: string;
  let home: string;
  let file: string;
  const savedCwd = process.cwd();
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'marketlake-fuzz-'));
    home = join(base, 'home');
    file = join(base, 'a-file');
    await writeFile(file, 'not a folder\n');
    process.chdir(base);
    for (const name of [
      'MARKETLAKE_LAKE',
      'MARKETLAKE_DATABASE_URL',
      'MARKETLAKE_S3_ENDPOINT',
      'DATA_LAKE_BUCKET',
      'MARKETLAKE_OPENLINEAGE_URL',
      'MARKETLAKE_COMPUTATION_VERSION',
    ]) {
      delete process.env[name];
    }
    process.env.MARKETLAKE_HOME = home;
    expect((await runCli('run', '--tickers', 'NVDA')).code).toBe(0);
  }, 180_000);

  afterAll(async () => {
    process.chdir(savedCwd);
    process.env = savedEnv;
    await rm(base, { recursive: true, force: true });
  });

  /** A value for `option` that may be anything, except what would leave this machine or this test's folder. */
  function valueFor(option: Option): fc.Arbitrary<string> {
    const name = option.attributeName();
    if (name === 'home')
      return fc.oneof(
        fc.constant(home),
        junk.map((s) => join(file, s)),
      );
    if (name === 'lake') {
      return fc.oneof(
        junk.filter((s) => !/^\s*(s3|file):/i.test(s)),
        junk.map((s) => `file://${base}/lakes/${s.replace(/\.|%2e/gi, '_')}`),
      );
    }
    if (name === 'database') return junk.filter((s) => !/^\s*postgres/i.test(s));
    if (name === 'source') return junk.filter((s) => s !== 'yahoo');
    return junk;
  }

  function caseFor({ path, command }: Leaf): fc.Arbitrary<string[]> {
    const options = command.options.filter((option) => option.long !== undefined);
    const optionArgs = fc
      .subarray(options)
      .chain((chosen) =>
        fc.tuple(
          ...chosen.map((option) =>
            option.required || option.optional
              ? valueFor(option).map((value) => [option.long!, value])
              : fc.constant([option.long!]),
          ),
        ),
      )
      .map((pairs) => pairs.flat());
    const positional = fc.tuple(
      ...command.registeredArguments.map((argument) =>
        argument.required
          ? junk.map((s) => [s])
          : fc.oneof(
              fc.constant([] as string[]),
              junk.map((s) => [s]),
            ),
      ),
    );
    const defaults = path.join(' ') === 'run' ? ['--tickers', 'NVDA'] : [];
    return fc
      .tuple(positional, optionArgs, fc.option(junk, { nil: undefined }))
      .map(([args, opts, stray]) => [
        ...path,
        ...defaults,
        ...args.flat(),
        ...opts,
        ...(stray === undefined ? [] : [stray]),
      ]);
  }

  it('exits 0, 1 or 2, with no stack trace and no raw control character on stderr', async () => {
    const commands = leaves(await buildProgram());
    expect(commands.map((leaf) => leaf.path.join(' '))).toEqual(
      expect.arrayContaining(['run', 'get', 'reprocess', 'catalog rebuild', 'bucket setup']),
    );
    let runs = 0;
    const codes: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.oneof(...commands.map(caseFor)), async (argv) => {
        runs++;
        const result = await runCli(...argv);
        codes[result.code] = (codes[result.code] ?? 0) + 1;
        const output = result.stdout + result.stderr;
        expect(output).not.toMatch(/internal error|\n\s+at \S+ \(|\n\s+at file:/);
        expect([0, 1, 2]).toContain(result.code);
        expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
      }),
      {
        numRuns: 400,
        interruptAfterTimeLimit: TIME_BUDGET_MS,
        markInterruptAsFailure: false,
        seed: Number(process.env.MARKETLAKE_FUZZ_SEED ?? Date.now() % 2 ** 31),
      },
    );
    if (process.env.MARKETLAKE_FUZZ_REPORT) console.log(`fuzz: ${runs} cases, exit codes ${JSON.stringify(codes)}`);
    expect(runs).toBeGreaterThanOrEqual(20);
  }, 180_000);
});
