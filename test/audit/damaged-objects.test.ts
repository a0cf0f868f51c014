/**
 * One damaged file must not blind the audit (issue 10, item 2): on the file lake, every kind of damage to one
 * object is one finding among others for `verify`, a marked line for `ls`, and a skipped, reported object for
 * `catalog rebuild`; each command still completes for the rest of the lake. All through the CLI.
 */
import { chmod, chown, mkdir, mkdtemp, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, spawnCli, type CliResult } from '../support/cli.js';
import { objectFilePath, replaceBody } from '../support/fs-tamper.js';

type Listed = string | { key: string; damaged: string };
vi.setConfig({ testTimeout: 300_000 });
type Report = {
  checked: number;
  raw_checked: number;
  catalog_rows: number;
  ok: boolean;
  mismatches: { key: string; problem: string; kind: string; actual?: unknown }[];
  missing_objects: unknown[];
  uncatalogued_objects: unknown[];
};

const json = (stdout: string): unknown => JSON.parse(stdout);
const temporary: string[] = [];

/**
 * One lake of four tickers with every kind of damage at once, each on another object, beside findings of other
 * kinds: the damaged objects are findings among the others, and everything healthy is still checked, listed and
 * catalogued. When this process is root (which reads any file whatever its mode), every command runs as `nobody`
 * in a child process, so that the unreadable file really is unreadable.
 *
 *   NVDA     indicators truncated (truncate -s -100), percentiles a junk header, features no header line
 *   D05.SI   indicators zero bytes, percentiles a directory in place of the file, features unreadable (mode 000)
 *   7203.T   raw snapshot truncated: its three results cannot be checked against it
 *   0700.HK  features rewritten with its header fixed (the store serves it; a value finding); indicators rewritten
 *            the same way into valid JSON of the wrong shape (`values.rsi_14` a string: a schema finding)
 *   9988.HK  the folder of its features unreadable (mode 000): one finding for the folder, the rest healthy
 *   + a foreign file dropped in NVDA's indicators folder
 */
describe('damaged objects in the file lake are findings among others (verify, ls, catalog rebuild)', () => {
  let home: string;
  let lake: string;
  /** The 20 objects of the run: 5 raw, 15 processed. */
  let keys: string[];
  const damaged = new Map<string, RegExp>();
  let foreignKey: string;
  let tamperedKey: string;
  let misshapenKey: string;
  let rawTruncated: string;
  let resultsOfRawTruncated: string[];
  let unreadableFolder: string;
  /** The object inside the unreadable folder: nothing can list it. */
  let hidden: string;

  const keyOf = (prefix: string): string => {
    const found = keys.find((k) => k.startsWith(prefix));
    if (found === undefined) throw new Error(`no key under ${prefix}`);
    return found;
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-damage-'));
    temporary.push(home);
    lake = join(home, 'lake');
    expect(
      (await runCli('run', '--home', home, '--tickers', 'NVDA,D05.SI,7203.T,0700.HK,9988.HK', '--json')).code,
    ).toBe(0);
    keys = (json((await runCli('ls', '--home', home, '--json')).stdout) as string[]).filter((k) =>
      /^(raw|processed)\//.test(k),
    );
    expect(keys).toHaveLength(20);

    // Keys come from the run itself: their dates are the day the test runs.
    const file = (key: string) => objectFilePath(lake, key);
    const truncated = keyOf('processed/indicators/NVDA/');
    await truncate(file(truncated), (await stat(file(truncated))).size - 100);
    damaged.set(truncated, /^corrupt object file .*: body is \d+ bytes, header says \d+$/);
    const junk = keyOf('processed/percentiles/NVDA/');
    await writeFile(file(junk), 'GARBAGE\n{"values":{}}');
    damaged.set(junk, /^corrupt object file .*: unreadable header$/);
    const noHeader = keyOf('processed/features/NVDA/');
    await writeFile(file(noHeader), 'no newline anywhere');
    damaged.set(noHeader, /^corrupt object file .*: no header line$/);
    const empty = keyOf('processed/indicators/D05.SI/');
    await writeFile(file(empty), '');
    damaged.set(empty, /^corrupt object file .*: no header line$/);
    const directory = keyOf('processed/percentiles/D05.SI/');
    await rm(file(directory));
    await mkdir(file(directory));
    await writeFile(join(file(directory), 'inside'), 'x');
    damaged.set(directory, /^a directory where the object file should be: \/.*!$/);
    rawTruncated = keyOf('raw/sample/7203.T/');
    await truncate(file(rawTruncated), (await stat(file(rawTruncated))).size - 100);
    damaged.set(rawTruncated, /^corrupt object file .*: body is \d+ bytes, header says \d+$/);
    resultsOfRawTruncated = keys.filter((k) => k.startsWith('processed/') && k.includes('/7203.T/'));
    const folder = dirname(file(truncated));
    await writeFile(join(folder, 'notes.txt'), 'a file someone dropped here');
    foreignKey = `${truncated.slice(0, truncated.lastIndexOf('/'))}/notes.txt`;
    damaged.set(foreignKey, /^a file the store did not write \(object files end in "!"\): \/.*notes\.txt$/);
    tamperedKey = keyOf('processed/features/0700.HK/');
    await replaceBody(lake, tamperedKey, (body) => {
      const document = JSON.parse(body);
      document.values.return_1d = 12.5;
      return JSON.stringify(document);
    });
    // JSON the store serves, but not a marketlake.indicators/1 document: the schema names the field.
    misshapenKey = keyOf('processed/indicators/0700.HK/');
    await replaceBody(lake, misshapenKey, (body) => {
      const document = JSON.parse(body);
      document.values.rsi_14 = String(document.values.rsi_14);
      return JSON.stringify(document);
    });
    const unreadable = keyOf('processed/features/D05.SI/');
    if (isRoot()) await chownTree(home, NOBODY, NOBODY);
    await chmod(file(unreadable), 0o000);
    damaged.set(unreadable, /^unreadable object file .*: EACCES: permission denied/);
    unreadableFolder = 'processed/features/9988.HK/';
    hidden = keyOf(unreadableFolder);
    await chmod(join(lake, 'processed/features/9988.HK'), 0o000);
    damaged.set(unreadableFolder, /^a folder the store cannot read \(EACCES\): \/.*\/processed\/features\/9988\.HK$/);
  }, 300_000);
  afterAll(async () => {
    await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('verify reports each with its key and what is wrong, beside the other findings, and checks every other object', async () => {
    const result = await runCliAsOwner(['verify', '--home', home, '--json']);
    expect(result.code, result.stderr).toBe(1);
    const report = json(result.stdout) as Report;
    for (const [key, reason] of damaged) {
      const kind =
        key === foreignKey || key === unreadableFolder ? 'unknown' : key.startsWith('raw/') ? 'raw' : key.split('/')[1];
      expect(
        report.mismatches.filter((m) => m.key === key),
        key,
      ).toEqual([{ key, kind, problem: 'read-error', actual: expect.stringMatching(reason) }]);
    }
    // The results of the truncated raw snapshot cannot be checked against it, and say so.
    for (const key of resultsOfRawTruncated) {
      expect(
        report.mismatches.filter((m) => m.key === key).map((m) => m.problem),
        key,
      ).toEqual(['source-raw-unreadable']);
    }
    // A finding of another kind, on an object the store serves: found as ever.
    expect(report.mismatches).toContainEqual(
      expect.objectContaining({ key: tamperedKey, problem: 'value', field: 'return_1d', actual: 12.5 }),
    );
    expect(report.mismatches).toContainEqual(
      expect.objectContaining({
        key: misshapenKey,
        kind: 'indicators',
        problem: 'unparseable',
        field: 'values.rsi_14',
        actual: 'not a marketlake.indicators/1 document: values.rsi_14: expected number, received string',
      }),
    );
    expect(new Set(report.mismatches.map((m) => m.key))).toEqual(
      new Set([...damaged.keys(), ...resultsOfRawTruncated, tamperedKey, misshapenKey]),
    );
    // Recomputed: 7203.T's three results (up to their raw), 0700.HK's three and 9988.HK's two that can be read;
    // read in full: the other four raw snapshots; every catalog row checked; nothing reported missing (the row of
    // the object in the unreadable folder is covered by the folder's finding) or uncatalogued.
    expect(report).toMatchObject({
      checked: 8,
      raw_checked: 4,
      catalog_rows: 20,
      ok: false,
      missing_objects: [],
      uncatalogued_objects: [],
    });

    const text = await runCliAsOwner(['verify', '--home', home]);
    expect(text.code).toBe(1);
    for (const key of damaged.keys())
      expect(text.stdout).toMatch(new RegExp(`^  MISMATCH ${escape(key)} \\(\\w+\\): read-error: actual "`, 'm'));
    expect(text.stdout).toContain(`MISMATCH ${tamperedKey} (features): value return_1d`);
    expect(text.stdout).toContain(
      `MISMATCH ${misshapenKey} (indicators): unparseable values.rsi_14: actual "not a marketlake.indicators/1 document: values.rsi_14: expected number, received string"`,
    );
  });

  it('ls lists each marked (text and --json), lists every other key, and exits 1', async () => {
    const listed = await runCliAsOwner(['ls', '--home', home, '--json']);
    expect(listed.code).toBe(1);
    const entries = (json(listed.stdout) as Listed[]).filter((entry) =>
      /^(raw|processed)\//.test(typeof entry === 'string' ? entry : entry.key),
    );
    const expected = [...keys.filter((k) => k !== hidden), foreignKey, unreadableFolder]
      .sort(compareUtf8)
      .map((key) => {
        const reason = damaged.get(key);
        return reason === undefined ? key : { key, damaged: expect.stringMatching(reason) };
      });
    expect(entries).toEqual(expected);
    expect(listed.stderr).toMatch(/^ls: 9 of \d+ listed objects cannot be read \(marked DAMAGED\)/);

    const text = await runCliAsOwner(['ls', '--home', home]);
    expect(text.code).toBe(1);
    const lines = text.stdout
      .trimEnd()
      .split('\n')
      .filter((line) => /^(raw|processed)\//.test(line));
    expect(lines).toHaveLength(21);
    for (const key of damaged.keys())
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${escape(key)}  DAMAGED: `)));
    expect(lines.filter((line) => !line.includes('  DAMAGED: '))).toEqual(
      keys.filter((k) => !damaged.has(k) && k !== hidden),
    );
  });

  it('catalog rebuild on an empty database skips and reports each, catalogues every other object, and exits 1', async () => {
    // A lost database: a fresh home of its own, over this lake.
    const fresh = await mkdtemp(join(tmpdir(), 'marketlake-damage-fresh-'));
    temporary.push(fresh);
    if (isRoot()) await chownTree(fresh, NOBODY, NOBODY);
    const flags = ['--home', fresh, '--lake', pathToFileURL(lake).href];
    const result = await runCliAsOwner(['catalog', 'rebuild', ...flags, '--json']);
    expect(result.code, result.stderr).toBe(1);
    expect(json(result.stdout)).toEqual({
      listed: 21,
      inserted: 12,
      already_present: 0,
      conflicting: [],
      failed: [...damaged]
        .sort(([a], [b]) => compareUtf8(a, b))
        .map(([key, reason]) => ({ key, reason: expect.stringMatching(reason) })),
      ignored: [],
    });
    const text = await runCliAsOwner(['catalog', 'rebuild', ...flags]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      /^catalog rebuild: 21 objects listed; 0 rows inserted, 12 already present, 0 conflicting, 9 failed, 0 ignored\n/,
    );
    for (const key of damaged.keys()) expect(text.stdout).toContain(`  FAILED   ${key}: `);
  }, 300_000);
});

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const NOBODY = 65534;

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  if (!(await stat(path)).isDirectory()) return;
  for (const name of await readdir(path)) await chownTree(join(path, name), uid, gid);
}

/** The CLI as the owner of the test files: in this process, or as `nobody` in a child when this process is root. */
async function runCliAsOwner(args: string[]): Promise<CliResult> {
  if (!isRoot()) return runCli(...args);
  return spawnCli(args, { HOME: tmpdir() }, { uid: NOBODY, gid: NOBODY });
}
