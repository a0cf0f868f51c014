import { link, mkdir, mkdtemp, readdir, rm, stat, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidObjectKeyError, ObjectExistsError, ObjectNotFoundError, ObjectStoreError } from '../errors.js';
import { keyProblem } from '../keys.js';
import { collect, listAllKeys } from '../listing.js';
import { describeObjectStoreContract, listPages } from '../testing/object-store-contract.js';
import { raceChildren } from '../testing/race.js';
import { FsObjectStore } from './fs-object-store.js';
import { spawn, spawnSync } from 'node:child_process';
import { temporaryFileName } from './temp-files.js';

const temporaryRoots: string[] = [];
async function temporaryFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'marketlake-fs-store-'));
  temporaryRoots.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(temporaryRoots.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeObjectStoreContract('FsObjectStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'marketlake-fs-contract-'));
  return { store: await FsObjectStore.open(root), close: () => rm(root, { recursive: true, force: true }) };
});

const text = (body: Uint8Array): string => Buffer.from(body).toString('utf8');

describe('FsObjectStore on disk', () => {
  let root: string;
  let store: FsObjectStore;
  beforeAll(async () => {
    root = join(await temporaryFolder(), 'lake');
    store = await FsObjectStore.open(root);
  });

  it('describes itself as a file URL and lays keys out as readable paths', async () => {
    expect(store.description).toBe(`file://${root}`);
    const key = 'raw/yfinance/EURUSD=X/2026-11-26/20261126_120000.json';
    await store.put({ key, body: '{}', contentType: 'application/json' });
    await store.put({ key: 'raw/yfinance/EURUSD=X', body: 'a key beside its folder', contentType: 'text/plain' });
    expect((await stat(join(root, 'raw/yfinance/EURUSD=X/2026-11-26/20261126_120000.json!'))).isFile()).toBe(true);
    expect((await stat(join(root, 'raw/yfinance/EURUSD=X!'))).isFile()).toBe(true);
    expect((await stat(join(root, 'raw/yfinance/EURUSD=X'))).isDirectory()).toBe(true);

    // Characters outside the safe set, and the marks themselves, are percent-encoded.
    await store.put({ key: 'odd/.a b%!/é.', body: 'x', contentType: 'text/plain' });
    expect((await stat(join(root, 'odd/%2Ea%20b%25%21/%C3%A9%2E!'))).isFile()).toBe(true);
    expect(text((await store.get('odd/.a b%!/é.')).body)).toBe('x');
    expect((await readdir(root)).sort()).toEqual(['.marketlake-store.json', '.tmp', 'odd', 'raw']);
  });

  it('refuses keys that could escape the root, before touching the disk', async () => {
    const parent = await temporaryFolder();
    const inner = await FsObjectStore.open(join(parent, 'store'));
    for (const key of [
      '../escape',
      'a/../../escape',
      '/etc/passwd',
      './a',
      'a/./b',
      'a//b',
      'a/',
      '',
      'a\u0000b',
      '..',
    ]) {
      await expect(inner.put({ key, body: 'x', contentType: 'text/plain' })).rejects.toBeInstanceOf(
        InvalidObjectKeyError,
      );
      await expect(inner.get(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
    }
    expect(await readdir(parent)).toEqual(['store']);
    expect((await readdir(join(parent, 'store'))).sort()).toEqual(['.marketlake-store.json', '.tmp']);
    const error = await inner.put({ key: 'a/../b', body: 'x', contentType: 'text/plain' }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('"a/../b"');
    expect((error as Error).message).toContain('".."');
  });

  it('refuses a key segment too long for the file system but valid on S3', async () => {
    const key = `long/${'%'.repeat(100)}`; // 100 bytes, 300 characters once encoded
    expect(keyProblem(key)).toBeUndefined();
    await expect(store.put({ key, body: 'x', contentType: 'text/plain' })).rejects.toThrow(/allows 255/);
    await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('ignores a leftover temporary file and removes it once stale', async () => {
    const dir = join(await temporaryFolder(), 'lake');
    const first = await FsObjectStore.open(dir);
    await first.put({ key: 'k/done', body: 'complete', contentType: 'text/plain' });
    // What a put killed mid-write leaves behind: a partial file in .tmp/ (one old, one from a live writer).
    await writeFile(join(dir, '.tmp', 'crashed.tmp'), '{"format":"marketlake.fs-object/1","key":"k/half"');
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(join(dir, '.tmp', 'crashed.tmp'), old, old);
    await writeFile(join(dir, '.tmp', 'in-progress.tmp'), 'partial');

    expect((await first.list({})).objects.map((o) => o.key)).toEqual(['k/done']);
    expect((await first.list({ prefix: '.tmp' })).objects).toEqual([]);
    await expect(first.get('k/half')).rejects.toBeInstanceOf(ObjectNotFoundError);

    const reopened = await FsObjectStore.open(dir);
    expect(await readdir(join(dir, '.tmp'))).toEqual(['in-progress.tmp']);
    expect(text((await reopened.get('k/done')).body)).toBe('complete');
    expect(await reopened.removeStaleTemporaryFiles(0)).toBe(1);
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
  });

  it('deletes a young temporary file at once when its writer is dead, never one of a live writer', async () => {
    const dir = join(await temporaryFolder(), 'lake');
    await FsObjectStore.open(dir);
    // A pid that existed and is gone: a process that ran and exited (as a put killed with SIGKILL leaves it).
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const alive = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const byPid = (pid: number, unique: string) => temporaryFileName(unique).replace(`.${process.pid}.`, `.${pid}.`);
      await writeFile(join(dir, '.tmp', byPid(dead, 'killedwrite')), 'partial');
      await writeFile(join(dir, '.tmp', byPid(alive.pid!, 'livewrite')), 'partial');
      await writeFile(join(dir, '.tmp', temporaryFileName('ownwrite')), 'partial');
      await writeFile(join(dir, '.tmp', `${'0'.repeat(12)}.${dead}.otherhost.tmp`), 'partial'); // another host's

      await FsObjectStore.open(dir);
      expect((await readdir(join(dir, '.tmp'))).sort()).toEqual(
        [
          byPid(alive.pid!, 'livewrite'),
          temporaryFileName('ownwrite'),
          `${'0'.repeat(12)}.${dead}.otherhost.tmp`,
        ].sort(),
      );
    } finally {
      alive.kill();
    }
  });

  it('judges the age of a temporary file by the time its name records (the writer clock), not by its mtime', async () => {
    const dir = join(await temporaryFolder(), 'lake');
    await FsObjectStore.open(dir);
    const stamp = (ms: number) => ms.toString(16).padStart(12, '0') + 'ab'.repeat(10);
    const hour = 3_600_000;
    // A write this process started a minute ago, on a file system whose clock runs two days behind (mtime):
    const young = temporaryFileName(stamp(Date.now() - 60_000));
    // One of another host started two hours ago, on a file server whose clock runs ahead (a fresh mtime):
    const old = `${'0'.repeat(12)}.1.${stamp(Date.now() - 2 * hour)}.tmp`;
    await writeFile(join(dir, '.tmp', young), 'partial');
    await writeFile(join(dir, '.tmp', old), 'partial');
    const twoDaysAgo = new Date(Date.now() - 48 * hour);
    await utimes(join(dir, '.tmp', young), twoDaysAgo, twoDaysAgo);

    await FsObjectStore.open(dir);
    expect(await readdir(join(dir, '.tmp'))).toEqual([young]);
  });

  it('a put that fails mid-write (a full disk) leaves no temporary file behind', async () => {
    const dir = join(await temporaryFolder(), 'lake');
    await FsObjectStore.open(dir);
    // A file-size limit of 4 KiB (Node ignores SIGXFSZ, so the write fails with EFBIG) cuts the write short, as a
    // full disk does with ENOSPC.
    const script = [
      `import { FsObjectStore } from ${JSON.stringify(fileURLToPath(new URL('./fs-object-store.ts', import.meta.url)))};`,
      `const store = await FsObjectStore.open(${JSON.stringify(dir)});`,
      `await store.put({ key: 'big/one', body: 'x'.repeat(100000), contentType: 'text/plain' }).then(() => process.exit(0), (e) => { console.log(e.message); process.exit(3); });`,
    ].join('\n');
    const child = spawnSync(
      'bash',
      ['-c', 'ulimit -f 4 && exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, script],
      { encoding: 'utf8' },
    );
    expect(child.status, child.stderr).toBe(3);
    expect(child.stdout).toMatch(/EFBIG/);
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
  });

  it('a put leaves no temporary file behind, whether it wins or loses', async () => {
    await store.put({ key: 'tmp-check/a', body: 'x', contentType: 'text/plain' });
    await expect(store.put({ key: 'tmp-check/a', body: 'y', contentType: 'text/plain' })).rejects.toBeInstanceOf(
      ObjectExistsError,
    );
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('a reader never sees a partly written object', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
    const keys = Array.from({ length: 6 }, (_, i) => `atomic/${i}.bin`);
    let writing = true;
    const writer = (async () => {
      for (const key of keys) await store.put({ key, body: big, contentType: 'application/octet-stream' });
      writing = false;
    })();
    while (writing) {
      for (const key of keys) {
        try {
          const got = await store.get(key);
          expect(got.size).toBe(big.length);
          expect(Buffer.from(got.body).equals(big)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ObjectNotFoundError);
        }
      }
      const listed = (await store.list({ prefix: 'atomic/' })).objects;
      for (const object of listed) expect(object.size).toBe(big.length);
    }
    await writer;
    expect((await store.list({ prefix: 'atomic/' })).objects).toHaveLength(keys.length);
  });

  it('reports a damaged object file instead of serving it', async () => {
    await store.put({ key: 'damaged/a', body: 'hello world', contentType: 'text/plain' });
    const file = join(root, 'damaged/a!');
    const { size } = await stat(file);
    await truncate(file, size - 3);
    await expect(store.get('damaged/a')).rejects.toThrow(/corrupt object file/);
    await expect(store.head('damaged/a')).rejects.toThrow(/corrupt object file/);
    const error = await store.get('damaged/a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectStoreError);
    expect(error).not.toBeInstanceOf(ObjectNotFoundError);
  });

  it('lists common prefixes from directories alone, without reading objects', async () => {
    const ticker = 'fast/raw/yfinance/NVDA/';
    const dates = Array.from({ length: 30 }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}`);
    for (const date of dates) {
      for (const time of ['120000', '210000']) {
        await store.put({
          key: `${ticker}${date}/${date.replaceAll('-', '')}_${time}.json`,
          body: '{}',
          contentType: 'application/json',
        });
        await truncate(join(root, `${ticker}${date}/${date.replaceAll('-', '')}_${time}.json!`), 0); // unreadable now
      }
    }
    const pages = await listPages(store, { prefix: ticker, delimiter: '/', maxKeys: 7 });
    expect(pages.flatMap((p) => p.commonPrefixes)).toEqual(dates.map((date) => `${ticker}${date}/`));
    // Listing the objects reads their headers: every one is now listed as damaged, which shows the listing above read
    // none.
    const objects = (await store.list({ prefix: `${ticker}${dates[0]}/` })).objects;
    expect(objects.map((o) => o.damage)).toEqual([
      expect.stringMatching(/corrupt.*no header line/),
      expect.stringMatching(/corrupt.*no header line/),
    ]);
  });

  it('lists a damaged object file as damaged, with why, and goes on with the other keys', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e'])
      await store.put({ key: `hurt/${name}`, body: `body of ${name}`, contentType: 'text/plain' });
    await truncate(join(root, 'hurt/a!'), (await stat(join(root, 'hurt/a!'))).size - 3); // truncated
    await writeFile(join(root, 'hurt/b!'), 'junk where the header should be\nand a body'); // junk header
    await writeFile(join(root, 'hurt/c!'), ''); // zero bytes
    await rm(join(root, 'hurt/d!'));
    await mkdir(join(root, 'hurt/d!')); // a directory where the file should be
    const { objects } = await store.list({ prefix: 'hurt/' });
    expect(objects.map((o) => [o.key, o.damage])).toEqual([
      ['hurt/a', expect.stringMatching(/corrupt object file .*hurt\/a! .*body is 6 bytes, header says 9/)],
      ['hurt/b', expect.stringMatching(/corrupt object file .*unreadable header/)],
      ['hurt/c', expect.stringMatching(/corrupt object file .*no header line/)],
      ['hurt/d', expect.stringMatching(/^a directory where the object file should be: .*hurt\/d!$/)],
      ['hurt/e', undefined],
    ]);
    expect(objects[4]).toMatchObject({ size: 9, etag: expect.any(String) });
    expect(objects[0]).not.toHaveProperty('etag');
    // Pages end and resume across damaged entries like across any other.
    expect(
      (await listPages(store, { prefix: 'hurt/', maxKeys: 2 })).flatMap((p) => p.objects.map((o) => o.key)),
    ).toEqual(objects.map((o) => o.key));
    const versions = (await store.listVersions({ prefix: 'hurt/' })).versions;
    expect(versions.map((v) => [v.key, v.damage === undefined])).toEqual([
      ['hurt/a', false],
      ['hurt/b', false],
      ['hurt/c', false],
      ['hurt/d', false],
      ['hurt/e', true],
    ]);
    // Reads still refuse every one of them.
    for (const key of ['hurt/a', 'hurt/b', 'hurt/c', 'hurt/d'])
      await expect(store.get(key)).rejects.toBeInstanceOf(ObjectStoreError);
    // A keys-only listing reads no object file: the damaged files are listed as plain keys (their reads say what
    // is wrong), and only what the walk itself sees (a directory in place of the file) is still damage.
    const keysOnly = (await store.list({ prefix: 'hurt/', keysOnly: true })).objects;
    expect(keysOnly.map((o) => [o.key, o.damage, o.size])).toEqual([
      ['hurt/a', undefined, 0],
      ['hurt/b', undefined, 0],
      ['hurt/c', undefined, 0],
      ['hurt/d', expect.stringMatching(/^a directory where the object file should be: /), 0],
      ['hurt/e', undefined, 0],
    ]);
    expect(keysOnly[4]).not.toHaveProperty('etag');
    expect(await collect(listAllKeys(store, 'hurt/'))).toEqual(objects.map((o) => o.key));
  });

  it('walks a deep tree with folders read ahead in S3 order, page after page', async () => {
    const keys: string[] = [];
    for (const ticker of ['A', 'A-B', 'A.C', 'AB', 'B', 'C']) {
      for (const date of ['2026-12-01', '2026-12-02']) keys.push(`deep/${ticker}/${date}/x.json`, `deep/${ticker}/y`);
    }
    for (const key of new Set(keys)) await store.put({ key, body: 'x', contentType: 'text/plain' });
    const sorted = [...new Set(keys)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect((await store.list({ prefix: 'deep/' })).objects.map((o) => o.key)).toEqual(sorted);
    for (const maxKeys of [1, 2, 5]) {
      const pages = await listPages(store, { prefix: 'deep/', maxKeys });
      expect(pages.flatMap((p) => p.objects.map((o) => o.key))).toEqual(sorted);
    }
    // A folder replaced by a file the store did not write: nothing is read ahead into it, and the walk lists it
    // where it sorts, as damage.
    await rm(join(root, 'deep', 'B'), { recursive: true });
    await writeFile(join(root, 'deep', 'B'), 'not a folder');
    const listed = (await store.list({ prefix: 'deep/' })).objects;
    expect(listed.map((o) => o.key)).toEqual(
      [...sorted.filter((key) => !key.startsWith('deep/B/')), 'deep/B'].sort((a, b) =>
        Buffer.compare(Buffer.from(a), Buffer.from(b)),
      ),
    );
    expect(listed.find((o) => o.key === 'deep/B')?.damage).toMatch(/did not write/);
  });

  it('lists files it did not write as damaged, but does not count them (or empty folders) as prefixes', async () => {
    await store.put({ key: 'foreign/kept', body: 'x', contentType: 'text/plain' });
    await writeFile(join(root, 'foreign', 'notes.txt'), 'not an object');
    await writeFile(join(root, 'foreign', '.DS_Store'), '');
    await writeFile(join(root, 'foreign', 'a b!'), 'not canonical');
    await writeFile(join(root, 'foreign', '%41!'), 'not canonical: A is never encoded');
    await writeFile(join(root, 'foreign', 'evil\u001b]0;pwned\u0007'), 'a name a terminal would obey');
    await mkdir(join(root, 'foreign', 'empty', 'deeper'), { recursive: true }); // as a crash after mkdir leaves it
    await mkdir(join(root, 'foreign', 'only-junk'));
    await writeFile(join(root, 'foreign', 'only-junk', 'junk.txt'), 'x');
    await symlink(join(root, 'foreign', 'kept!'), join(root, 'foreign', 'link!'));
    const page = await store.list({ prefix: 'foreign/', delimiter: '/' });
    expect(page.commonPrefixes).toEqual([]);
    expect(page.objects.filter((o) => o.damage === undefined).map((o) => o.key)).toEqual(['foreign/kept']);
    const all = (await store.list({ prefix: 'foreign/' })).objects;
    expect(all.map((o) => [o.key, o.damage?.replace(/: \/.*$/, '')])).toEqual([
      ['foreign/%41', 'a file the store did not write (its name is not an encoded key segment)'],
      ['foreign/.DS_Store', 'a file the store did not write (object files end in "!")'],
      ['foreign/a b', 'a file the store did not write (its name is not an encoded key segment)'],
      ['foreign/evil\\x1b]0;pwned\\x07', 'a file the store did not write (object files end in "!")'],
      ['foreign/kept', undefined],
      ['foreign/link', 'a symbolic link (the store never follows links)'],
      ['foreign/notes.txt', 'a file the store did not write (object files end in "!")'],
      ['foreign/only-junk/junk.txt', 'a file the store did not write (object files end in "!")'],
    ]);
    // No control character reaches a report: the path in the reason is escaped like the key.
    expect(all.some((o) => /[\u0000-\u001f]/.test(o.key + (o.damage ?? '')))).toBe(false);
    // A symlink is never served, even when opened by name: it cannot serve another key's file.
    await expect(store.get('foreign/link')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('on a name-folding file system, one key never answers for another', async () => {
    // Simulates a case-insensitive file system: "fold/A!" is the very file of "fold/a".
    await store.put({ key: 'fold/a', body: 'lower', contentType: 'text/plain' });
    await link(join(root, 'fold/a!'), join(root, 'fold/A!'));
    await expect(store.get('fold/A')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.head('fold/A')).rejects.toBeInstanceOf(ObjectNotFoundError);
    const error = await store.put({ key: 'fold/A', body: 'upper', contentType: 'text/plain' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectStoreError);
    expect(error).not.toBeInstanceOf(ObjectExistsError);
    expect((error as Error).message).toContain('same name as the existing key fold/a');
  });

  it('refuses a folder of another format', async () => {
    const dir = await temporaryFolder();
    await writeFile(join(dir, '.marketlake-store.json'), '{"format":"marketlake.fs-object-store","version":99}\n');
    await expect(FsObjectStore.open(dir)).rejects.toThrow(/format version 1/);
  });

  it('rejects a bad maxKeys or continuation token', async () => {
    await expect(store.list({ maxKeys: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(store.list({ maxKeys: 1.5 })).rejects.toBeInstanceOf(RangeError);
    await expect(store.list({ continuationToken: 'garbage' })).rejects.toBeInstanceOf(ObjectStoreError);
    await expect(store.listVersions({ versionIdMarker: 'x' })).rejects.toBeInstanceOf(RangeError);
  });

  it('two processes racing for the same keys: exactly one put of each key wins', async () => {
    const dir = join(await temporaryFolder(), 'lake');
    await FsObjectStore.open(dir);
    const keys = Array.from(
      { length: 25 },
      (_, i) => `race/raw/yfinance/NVDA/2026-11-26/20261126_1200${String(i).padStart(2, '0')}.json`,
    );
    const child = fileURLToPath(new URL('./testing/put-race-child.ts', import.meta.url));
    const outcomes = await raceChildren(child, [dir, JSON.stringify(keys)], ['p1', 'p2', 'p3', 'p4']);

    const store = await FsObjectStore.open(dir);
    for (const key of keys) {
      const attempts = outcomes.map(({ label, results }) => ({ label, result: results.find((r) => r.key === key)! }));
      const winners = attempts.filter((a) => a.result.won);
      expect(winners, key).toHaveLength(1);
      for (const loser of attempts.filter((a) => !a.result.won)) expect(loser.result.error).toBe('ObjectExistsError');
      const got = await store.get(key);
      expect(text(got.body)).toBe(`${winners[0]!.label}:${key}`);
      expect(got.versionId).toBe(winners[0]!.result.versionId);
    }
    expect((await listPages(store, { prefix: 'race/' })).flatMap((p) => p.objects)).toHaveLength(keys.length);
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
  });
});

/**
 * Listing against a model: S3's listing semantics written the obvious way (sort everything, filter, fold,
 * chunk), compared page by page with the tree walk over random key sets, prefixes, delimiters and page sizes.
 */
describe('FsObjectStore listing matches a reference model', () => {
  type Item = { kind: 'object' | 'prefix'; value: string };
  const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  function modelPages(keys: string[], prefix: string, delimiter: string | undefined, maxKeys: number): Item[][] {
    const items: Item[] = [];
    for (const key of [...keys].sort(byBytes)) {
      if (!key.startsWith(prefix)) continue;
      const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (at < 0) items.push({ kind: 'object', value: key });
      else {
        const common = key.slice(0, at + delimiter!.length);
        if (items[items.length - 1]?.value !== common) items.push({ kind: 'prefix', value: common });
      }
    }
    const pages: Item[][] = [];
    for (let i = 0; i < items.length; i += maxKeys) pages.push(items.slice(i, i + maxKeys));
    return pages.length === 0 ? [[]] : pages;
  }

  let store: FsObjectStore;
  let runs = 0;
  beforeAll(async () => {
    store = await FsObjectStore.open(join(await temporaryFolder(), 'lake'));
  });

  it('for random keys, prefixes, delimiters and page sizes', async () => {
    const segment = fc.string({
      unit: fc.constantFrom('a', 'b', 'B', '-', '.', '=', '_', 'é', '\uff01', '😀'),
      minLength: 1,
      maxLength: 3,
    });
    const key = fc
      .array(segment, { minLength: 1, maxLength: 3 })
      .map((segments) => segments.join('/'))
      .filter((k) => keyProblem(k) === undefined);
    const query = fc.record({
      prefixOf: fc.nat(),
      cut: fc.nat(),
      delimiter: fc.constantFrom(undefined, '', '/', '-', 'a', 'b/', '/a', 'é'),
      maxKeys: fc.integer({ min: 1, max: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(key, { minLength: 1, maxLength: 20 }),
        fc.array(query, { minLength: 1, maxLength: 6 }),
        async (names, queries) => {
          const base = `model/${++runs}/`;
          const keys = names.map((name) => base + name);
          await Promise.all(keys.map((k) => store.put({ key: k, body: k, contentType: 'text/plain' })));
          for (const q of queries) {
            const from = keys[q.prefixOf % keys.length]!;
            const prefix = base + from.slice(base.length, base.length + (q.cut % (from.length - base.length + 1)));
            const expected = modelPages(keys, prefix, q.delimiter, q.maxKeys);
            const actual = (await listPages(store, { prefix, delimiter: q.delimiter, maxKeys: q.maxKeys })).map(
              (page) =>
                [
                  ...page.objects.map((o): Item => ({ kind: 'object', value: o.key })),
                  ...page.commonPrefixes.map((p): Item => ({ kind: 'prefix', value: p })),
                ].sort((a, b) => byBytes(a.value, b.value)),
            );
            expect(actual, JSON.stringify({ prefix, delimiter: q.delimiter, maxKeys: q.maxKeys })).toEqual(expected);
          }
          const versions = (await store.listVersions({ prefix: base, maxKeys: 1000 })).versions.map((v) => v.key);
          expect(versions).toEqual([...keys].sort(byBytes));
        },
      ),
      { numRuns: 40 },
    );
  });
});
