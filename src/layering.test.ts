/**
 * The layers of src/, in the order data flows (README "Layout"): a module imports only from its own folder and
 * the folders before it. This test reads every production source file (tests and `testing/` helpers are free to
 * reach anywhere) and names each import that points forward, so the layout stays readable top to bottom.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = import.meta.dirname;

/** The top-level folders and files of src/, first to last. */
const LAYERS = [
  'errors',
  'quote',
  'secrets',
  'version',
  'concurrency',
  'process-liveness',
  'config',
  'market',
  'storage',
  'compute',
  'lake',
  'sources',
  'warehouse',
  'lake-binding',
  'runtime',
  'lineage',
  'lake-scan',
  'staleness',
  'quality',
  'alerts',
  'tables',
  'pipeline',
  'reprocess',
  'diff',
  'verify',
  'rebuild',
  'as-known-at',
  'sql',
  'bucket',
  'api',
  'cli',
  'index',
];

/**
 * Kept on purpose. `computeResults` takes a raw snapshot, whose bars it reads through the raw format's
 * `barsOf`: computation of one snapshot is where the format and the kernels meet.
 */
const ALLOWED = new Set([
  'compute/results.ts -> lake/formats/raw.js',
  'compute/results.ts -> lake/formats/raw-bars.js',
]);

function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : productionFiles(path);
    return /\.(ts|js)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

function layerOf(path: string): string {
  return relative(SRC, path)
    .split(sep)[0]
    .replace(/\.(ts|js)$/, '');
}

function forwardImports(): string[] {
  const found: string[] = [];
  for (const file of productionFiles(SRC)) {
    const from = layerOf(file);
    for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = resolve(dirname(file), match[1]);
      const to = layerOf(target);
      const edge = `${relative(SRC, file)} -> ${relative(SRC, target)}`;
      if (from === to || ALLOWED.has(edge)) continue;
      if (!LAYERS.includes(from) || !LAYERS.includes(to)) found.push(`${edge} (a layer missing from LAYERS)`);
      else if (LAYERS.indexOf(to) > LAYERS.indexOf(from)) found.push(edge);
    }
  }
  return found;
}

describe('the layers of src/', () => {
  it('every import points to the same folder or an earlier one', () => {
    expect(forwardImports()).toEqual([]);
  });

  it('knows every top-level folder and file', () => {
    const unknown = readdirSync(SRC)
      .filter((name) => !/\.test\.ts$/.test(name) && /^[a-z-]+(\.(ts|js))?$/.test(name))
      .map((name) => name.replace(/\.(ts|js)$/, ''))
      .filter((name) => !LAYERS.includes(name));
    expect(unknown).toEqual([]);
  });
});
