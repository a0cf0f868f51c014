/**
 * A local copy of the lake's table files, for DuckDB to read: `{cache}/{table}/{partition}=.../part-....parquet`,
 * the same paths as under `tables/` in the lake.
 *
 * DuckDB reads a Parquet file by the offsets in its footer, so it needs the file's bytes as they are: an S3 object
 * must be fetched, and the file lake's object files start with a header line (src/storage/fs/object-file.ts), so
 * they are copied out too. Each copy records the version id it holds (`.version` beside it): a file whose version
 * id still matches the lake's listing is reused, any other is fetched again, and a file the lake no longer lists
 * is removed. So the copy is never stale: it is what the lake holds at the time of the listing, and every fetched
 * body is checked against the sha256 its metadata records before it is used.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mapAll } from '../concurrency.js';
import { sha256Hex } from '../lake/formats/render.js';
import type { ListedVersion, ObjectStore } from '../storage/object-store.js';
import { tableFileKeyOrUndefined, tablePrefix, TABLES_PREFIX } from './keys.js';
import type { TableName } from './schema.js';

export interface LocalTables {
  /** The folder holding one subfolder per table. */
  root: string;
  /** The local path of every table file, per table. */
  files: Map<TableName, string[]>;
  /** Files fetched from the lake by this call, and reused from the copy. */
  fetched: number;
  reused: number;
  /** Objects under `tables/` that are not usable table files, and why: not table file keys, damaged (left out). */
  skipped: { key: string; reason: string }[];
}

const VERSION_SUFFIX = '.version';

/** Brings the copy of `tables` in `root` up to date with the lake's listing (the other tables are left as they are). */
export async function syncLocalTables(
  store: ObjectStore,
  root: string,
  tables: readonly TableName[],
  options: { concurrency?: number } = {},
): Promise<LocalTables> {
  const result: LocalTables = { root, files: new Map(), fetched: 0, reused: 0, skipped: [] };
  for (const table of tables) {
    const listedAt = Date.now();
    const listed = await listCurrentVersions(store, tablePrefix(table), result.skipped);
    const wanted = new Set(listed.map((version) => localPath(root, version.key)));
    await removeUnlisted(join(root, table), wanted, listedAt);
    const paths = await mapAll(listed, options.concurrency ?? 8, async (version) => {
      const path = localPath(root, version.key);
      if (await holdsVersion(path, version.versionId)) {
        result.reused++;
        return path;
      }
      const damage = await fetchInto(store, version, path);
      if (damage !== undefined) {
        result.skipped.push({ key: version.key, reason: damage });
        return undefined;
      }
      result.fetched++;
      return path;
    });
    result.files.set(
      table,
      paths.filter((path): path is string => path !== undefined),
    );
  }
  return result;
}

/** The current version of every table file under `prefix`; anything else is recorded as skipped. */
async function listCurrentVersions(
  store: ObjectStore,
  prefix: string,
  skipped: LocalTables['skipped'],
): Promise<ListedVersion[]> {
  const current: ListedVersion[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await store.listVersions({ prefix, keyMarker, versionIdMarker });
    for (const version of page.versions) {
      if (!version.isLatest) continue;
      if (version.damage !== undefined) skipped.push({ key: version.key, reason: version.damage });
      else if (tableFileKeyOrUndefined(version.key) === undefined) {
        skipped.push({ key: version.key, reason: 'not a table file key' });
      } else current.push(version);
    }
    keyMarker = page.nextKeyMarker;
    versionIdMarker = page.nextVersionIdMarker;
  } while (keyMarker !== undefined);
  return current;
}

function localPath(root: string, key: string): string {
  return join(root, ...key.slice(TABLES_PREFIX.length).split('/'));
}

async function holdsVersion(path: string, versionId: string): Promise<boolean> {
  try {
    return (await readFile(path + VERSION_SUFFIX, 'utf8')) === versionId;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Fetches exactly the listed version, checks its sha256, and publishes it with a rename (no partial file). A body
 * that is not what its metadata records is not copied: the reason is returned, and the file is left out (its rows
 * with it; `tables rebuild` makes them again once the damaged object is removed).
 */
async function fetchInto(store: ObjectStore, version: ListedVersion, path: string): Promise<string | undefined> {
  const object = await store.get(version.key, { versionId: version.versionId });
  const expected = object.metadata.content_sha256;
  const actual = sha256Hex(object.body);
  if (expected !== actual) {
    return (
      `damaged (version ${version.versionId}): its body's sha256 is ${actual}, its metadata says ` +
      `${expected ?? 'nothing'}; left out of the copy (\`marketlake verify\` reports it; remove the object, then ` +
      '`marketlake tables rebuild` makes its rows again)'
    );
  }
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await rm(path + VERSION_SUFFIX, { force: true });
  await writeFile(temporary, object.body);
  await rename(temporary, path);
  await writeFile(path + VERSION_SUFFIX, version.versionId);
  return undefined;
}

/**
 * Removes the copies (and their version files) that the lake no longer lists under a table. Only those older than
 * the listing: another process on the same copy may have just fetched a file its newer listing holds.
 */
async function removeUnlisted(folder: string, wanted: ReadonlySet<string>, listedAt: number): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(folder, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    const path = join(folder, entry);
    // Temporary files are left alone: another process on the same copy may be writing one (see fetchInto).
    if (!entry.endsWith('.parquet') || wanted.has(path)) continue;
    const modified = await stat(path).then(
      (stats) => stats.mtimeMs,
      () => Infinity,
    );
    if (modified >= listedAt) continue;
    await rm(path + VERSION_SUFFIX, { force: true });
    await rm(path, { force: true });
  }
}
