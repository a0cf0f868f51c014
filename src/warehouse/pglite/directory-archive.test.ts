import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packDirectory, unpackArchive } from './directory-archive.js';

describe('directory archive', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'marketlake-archive-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  function makeTree(root: string): void {
    mkdirSync(join(root, 'base/5'), { recursive: true });
    mkdirSync(join(root, 'empty'), { mode: 0o700 });
    writeFileSync(join(root, 'PG_VERSION'), '17\n', { mode: 0o600 });
    writeFileSync(join(root, 'base/5/1259'), Buffer.alloc(8192 + 7, 0xab)); // not a whole number of blocks
    writeFileSync(join(root, 'base/5/empty-file'), '');
  }

  /** Every path under `root` with its mode and content. */
  function snapshot(root: string, relative = ''): Record<string, string> {
    const result: Record<string, string> = {};
    for (const name of readdirSync(join(root, relative)).sort()) {
      const path = join(relative, name);
      const stats = statSync(join(root, path));
      const mode = (stats.mode & 0o777).toString(8);
      if (stats.isDirectory()) Object.assign(result, { [`${path}/`]: mode }, snapshot(root, path));
      else result[path] = `${mode} ${readFileSync(join(root, path)).toString('hex')}`;
    }
    return result;
  }

  it('unpacks to the same folders, files, contents and modes it was packed from', () => {
    const source = join(scratch, 'source');
    const target = join(scratch, 'target');
    makeTree(source);
    mkdirSync(target);
    unpackArchive(packDirectory(source), target);
    expect(snapshot(target)).toEqual(snapshot(source));
    expect(Object.keys(snapshot(target))).toContain('base/5/1259');
  });

  it('packs the same folder to the same bytes', () => {
    const source = join(scratch, 'source');
    makeTree(source);
    expect(packDirectory(source).equals(packDirectory(source))).toBe(true);
  });

  it('refuses a damaged header, a path out of the folder and a cut archive', () => {
    const source = join(scratch, 'source');
    makeTree(source);
    const tar = gunzipSync(packDirectory(source));
    const target = join(scratch, 'target');
    mkdirSync(target);

    const damaged = Buffer.from(tar);
    damaged[10] ^= 1; // inside the first entry's name
    expect(() => unpackArchive(gzipSync(damaged), target)).toThrow(/wrong checksum/);

    const escaping = Buffer.from(tar);
    escaping.write('../PG_VERSION\u0000', 0, 'latin1'); // checksum fixed below
    escaping.fill(' ', 148, 156);
    let sum = 0;
    for (const byte of escaping.subarray(0, 512)) sum += byte;
    escaping.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
    expect(() => unpackArchive(gzipSync(escaping), target)).toThrow(/not a plain relative path/);

    expect(() => unpackArchive(gzipSync(tar.subarray(0, tar.length - 2048)), target)).toThrow(
      /cut short|end-of-archive/,
    );
    expect(readdirSync(target)).toEqual([]); // every refusal came before anything was written
  });
});
