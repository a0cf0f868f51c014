import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mapAll } from '../../concurrency.js';
import { InvalidObjectKeyError, ObjectExistsError, ObjectNotFoundError, ObjectStoreError } from '../errors.js';
import { checkKey } from '../keys.js';
import {
  checkPutInput,
  resolveMaxKeys,
  type ListedObject,
  type ListedVersion,
  type ListObjectsInput,
  type ListObjectsPage,
  type ListVersionsInput,
  type ListVersionsPage,
  type ObjectHead,
  type ObjectStore,
  type PutObjectInput,
  type PutObjectResult,
  type StoredObject,
  type Tags,
} from '../object-store.js';
import { encodeSegment, MAX_NAME_LENGTH, objectFileName, printable } from './layout.js';
import {
  encodeObjectFile,
  md5Etag,
  OBJECT_FORMAT,
  parseObjectFile,
  readObjectHeader,
  type ObjectHeader,
} from './object-file.js';
import { cursorAfter, decodeToken, encodeToken, take, walkTree, type TreeItem } from './tree.js';
import { startedAt, temporaryFileName, writtenByDeadProcess } from './temp-files.js';

/**
 * The embedded object store: a local folder (layout in layout.ts, file format in object-file.ts).
 *
 * Writes are atomic and create-only. `put` writes the whole object into `.tmp/`, fsyncs it, then publishes it
 * with link(2) onto its final name. link() fails with EEXIST when the name exists, atomically, also between
 * processes, so exactly one of several racing puts of a key wins and nothing is ever replaced; readers see no
 * file or the complete file, never a partial one. A crash leaves at most a file in `.tmp/`, which no read looks
 * at and which `open` deletes: at once when its writer is provably dead, else once it is old enough not to belong
 * to a live writer (temp-files.ts).
 *
 * There is no delete (the lake never deletes), so a key has exactly one version.
 */
const TEMP_DIR = '.tmp';
const FORMAT_MARKER = '.marketlake-store.json';
const STORE_FORMAT = { format: 'marketlake.fs-object-store', version: 1 } as const;
/** A temporary file this old cannot belong to a put still running (puts take milliseconds). */
const STALE_TEMP_MS = 60 * 60 * 1000;
/** Object headers read in parallel while listing: enough to overlap I/O, far below file-descriptor limits. */
const HEADER_READ_CONCURRENCY = 16;

export class FsObjectStore implements ObjectStore {
  readonly root: string;
  readonly description: string;
  private readonly tempDir: string;
  private initializing: Promise<void> | undefined;

  /** Usable at once: the folder is created (and stale temporary files removed) on first use. */
  constructor(root: string) {
    this.root = resolve(root);
    this.tempDir = join(this.root, TEMP_DIR);
    this.description = pathToFileURL(this.root).href;
  }

  /** Opens (creating if needed) the store at `root`, failing early if the folder cannot be used. */
  static async open(root: string): Promise<FsObjectStore> {
    const store = new FsObjectStore(root);
    await store.ready();
    return store;
  }

  async put(input: PutObjectInput): Promise<PutObjectResult> {
    checkPutInput(input);
    const { key } = input;
    const location = this.locate(key);
    if (location.problem !== undefined) throw new InvalidObjectKeyError(key, location.problem);
    await this.ready();

    const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
    const versionId = newVersionId();
    const header: ObjectHeader = {
      format: OBJECT_FORMAT,
      key,
      versionId,
      size: body.length,
      lastModified: wholeSeconds(new Date()).toISOString(),
      contentType: input.contentType,
      ...(input.contentEncoding === undefined ? {} : { contentEncoding: input.contentEncoding }),
      etag: md5Etag(body),
      tags: { ...input.tags },
      metadata: { ...input.metadata },
    };

    const tempFile = join(this.tempDir, temporaryFileName(versionId));
    await this.io('put', key, () => writeDurably(tempFile, encodeObjectFile(header, body)));
    try {
      await this.io('put', key, () => this.makeFolders(location.dir, key));
      try {
        await link(tempFile, location.file);
      } catch (error) {
        throw await this.explainLinkFailure(error, key, location.file);
      }
      await this.io('put', key, () => fsyncDirectory(location.dir));
    } finally {
      // After link() this is only a second name for the object; before it, an abandoned write.
      await unlink(tempFile).catch(() => undefined);
    }
    return { key, versionId, etag: header.etag };
  }

  async get(key: string, options: { versionId?: string } = {}): Promise<StoredObject> {
    const path = this.pathForRead(key);
    const file = await this.io('get', key, () => readFile(path));
    const { header, body } = parseObjectFile(file, path, key);
    checkIdentity(header, key, options.versionId);
    return { ...headOf(header), body };
  }

  async head(key: string, options: { versionId?: string } = {}): Promise<ObjectHead> {
    const path = this.pathForRead(key);
    const header = await this.io('head', key, () => readObjectHeader(path, key));
    checkIdentity(header, key, options.versionId);
    return headOf(header);
  }

  async getTags(key: string, options: { versionId?: string } = {}): Promise<Tags> {
    const path = this.pathForRead(key);
    const header = await this.io('getTags', key, () => readObjectHeader(path, key));
    checkIdentity(header, key, options.versionId);
    return { ...header.tags };
  }

  async list(input: ListObjectsInput): Promise<ListObjectsPage> {
    const maxKeys = resolveMaxKeys(input.maxKeys);
    const cursor =
      input.continuationToken !== undefined
        ? decodeToken(input.continuationToken)
        : input.startAfter !== undefined
          ? { after: input.startAfter, afterIsPrefix: false }
          : undefined;
    const walk = walkTree(this.root, {
      prefix: input.prefix ?? '',
      delimiter: input.delimiter,
      cursor,
      limit: maxKeys + 1,
    });
    // One item beyond the page tells whether there is a next page (S3 sets a token only then).
    const items = await this.io('list', undefined, () => take(walk, maxKeys + 1));
    const page = items.slice(0, maxKeys);
    const objects = await this.io('list', undefined, () =>
      mapAll(page.filter(isObject), HEADER_READ_CONCURRENCY, async (item): Promise<ListedObject> => {
        if (input.keysOnly === true && item.foreign === undefined) {
          return { key: item.key, size: 0, lastModified: new Date(0) };
        }
        const described = await describeListed(item);
        if ('damage' in described)
          return {
            key: item.key,
            size: described.size,
            lastModified: described.lastModified,
            damage: described.damage,
          };
        const { header } = described;
        const head = headOf(header);
        return { key: item.key, size: header.size, lastModified: head.lastModified, etag: header.etag, head };
      }),
    );
    const result: ListObjectsPage = {
      objects,
      commonPrefixes: page.flatMap((item) => (item.kind === 'prefix' ? [item.prefix] : [])),
    };
    if (items.length > maxKeys) result.nextContinuationToken = encodeToken(cursorAfter(page[page.length - 1]!));
    return result;
  }

  async listVersions(input: ListVersionsInput): Promise<ListVersionsPage> {
    const maxKeys = resolveMaxKeys(input.maxKeys);
    if (input.versionIdMarker !== undefined && input.keyMarker === undefined) {
      throw new RangeError('versionIdMarker needs keyMarker');
    }
    // One version per key (no overwrite, no delete), so after the marker key there is nothing older to list:
    // resuming from (keyMarker, versionIdMarker) continues with the next key.
    const cursor = input.keyMarker === undefined ? undefined : { after: input.keyMarker, afterIsPrefix: false };
    const walk = walkTree(this.root, { prefix: input.prefix ?? '', cursor, limit: maxKeys + 1 });
    const items = (await this.io('listVersions', undefined, () => take(walk, maxKeys + 1))).filter(isObject);
    const page = items.slice(0, maxKeys);
    const versions = await this.io('listVersions', undefined, () =>
      mapAll(page, HEADER_READ_CONCURRENCY, async (item): Promise<ListedVersion> => {
        const described = await describeListed(item);
        if ('damage' in described) {
          return {
            key: item.key,
            versionId: '',
            isLatest: true,
            size: described.size,
            lastModified: described.lastModified,
            damage: described.damage,
          };
        }
        const { header } = described;
        return {
          key: item.key,
          versionId: header.versionId,
          isLatest: true,
          size: header.size,
          lastModified: new Date(header.lastModified),
        };
      }),
    );
    const result: ListVersionsPage = { versions };
    const last = versions[versions.length - 1];
    if (items.length > maxKeys && last !== undefined) {
      result.nextKeyMarker = last.key;
      result.nextVersionIdMarker = last.versionId;
    }
    return result;
  }

  /**
   * Deletes files in `.tmp/` left by crashed puts and returns how many: those whose writer is provably dead
   * (temp-files.ts), and any older than `olderThanMs`. Called on first use with one hour; a younger file of a
   * writer that may be alive (another host's, this process's own) may belong to a put still running.
   */
  async removeStaleTemporaryFiles(olderThanMs: number = STALE_TEMP_MS): Promise<number> {
    const names = await readdir(this.tempDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of names) {
      const path = join(this.tempDir, name);
      const stats = await lstat(path).catch(() => undefined);
      if (stats === undefined || !stats.isFile()) continue;
      const young = (startedAt(name) ?? stats.mtimeMs) > cutoff;
      if (young && !writtenByDeadProcess(name)) continue;
      await unlink(path).then(
        () => removed++,
        () => undefined, // another process cleaned it first
      );
    }
    return removed;
  }

  private ready(): Promise<void> {
    this.initializing ??= this.initialize().catch((error: unknown) => {
      this.initializing = undefined; // let a later call retry, e.g. once the disk is mounted
      throw error;
    });
    return this.initializing;
  }

  private async initialize(): Promise<void> {
    await this.io('open', undefined, async () => {
      await mkdir(this.tempDir, { recursive: true });
      await this.checkFormatMarker();
      await this.removeStaleTemporaryFiles();
    });
  }

  /** Records the layout version in the folder so a future layout can recognise (and migrate) this one. */
  private async checkFormatMarker(): Promise<void> {
    const marker = join(this.root, FORMAT_MARKER);
    const temp = join(this.tempDir, temporaryFileName(newVersionId()));
    await writeDurably(temp, `${JSON.stringify(STORE_FORMAT)}\n`);
    try {
      await link(temp, marker); // create-only, like objects: a concurrent opener may have written it first
      await fsyncDirectory(this.root);
      return;
    } catch (error) {
      if (lacksHardLinks(error)) throw this.noHardLinks(error, undefined);
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    const found = await readFile(marker, 'utf8');
    let parsed: { format?: unknown; version?: unknown } | undefined;
    try {
      parsed = JSON.parse(found) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    if (parsed?.format !== STORE_FORMAT.format || parsed.version !== STORE_FORMAT.version) {
      throw new ObjectStoreError(
        `${this.description} is not a marketlake object store of format version ${STORE_FORMAT.version} (${FORMAT_MARKER}: ${found.trim().slice(0, 200)})`,
      );
    }
  }

  /** The folder and file of a key; `problem` when the key is valid but too long for this file system. */
  private locate(key: string): { dir: string; file: string; problem?: string } {
    const segments = checkKey(key);
    const last = segments.pop()!;
    const names = [...segments.map(encodeSegment), objectFileName(last)];
    const tooLong = names.find((name) => name.length > MAX_NAME_LENGTH);
    const dir = join(this.root, ...names.slice(0, -1));
    const file = join(dir, names[names.length - 1]!);
    if (tooLong === undefined) return { dir, file };
    return {
      dir,
      file,
      problem: `a path segment encodes to ${tooLong.length} characters; the file system store allows ${MAX_NAME_LENGTH}`,
    };
  }

  private pathForRead(key: string): string {
    const location = this.locate(key);
    // A key too long to store here cannot have been stored: report it missing, as S3 would.
    if (location.problem !== undefined) throw new ObjectNotFoundError(key);
    return location.file;
  }

  /** mkdir -p, then fsync the parent of every folder it created so the new entries survive a crash. */
  private async makeFolders(dir: string, key: string): Promise<void> {
    let first: string | undefined;
    try {
      first = await mkdir(dir, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new ObjectStoreError(
          `cannot put ${key}: a file that is not part of the store is in the way under ${this.description}`,
          {
            key,
            cause: error,
          },
        );
      }
      throw error;
    }
    if (first === undefined) return;
    for (let created = dir; ; created = dirname(created)) {
      await fsyncDirectory(dirname(created));
      if (created === first || dirname(created) === created) break;
    }
  }

  private async explainLinkFailure(error: unknown, key: string, file: string): Promise<Error> {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      const existing = await readObjectHeader(file, key).catch(() => undefined);
      if (existing !== undefined && existing.key !== key) {
        return new ObjectStoreError(
          `cannot put ${key}: this file system treats it as the same name as the existing key ${existing.key} (case-insensitive or Unicode-normalising file system)`,
          { key },
        );
      }
      return new ObjectExistsError(key);
    }
    if (lacksHardLinks(error)) return this.noHardLinks(error, key);
    return wrapIoError(error, 'put', key, this.description);
  }

  private noHardLinks(error: unknown, key: string | undefined): ObjectStoreError {
    return new ObjectStoreError(
      `${key === undefined ? 'cannot open the store' : `cannot put ${key}`}: the file system under ${this.description} ` +
        'does not support hard links, which the file store needs for atomic create-only writes',
      { key, cause: error },
    );
  }

  /**
   * Runs file-system I/O, turning a missing file into ObjectNotFoundError and other errno errors into ObjectStoreError.
   */
  private async io<T>(operation: string, key: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw wrapIoError(error, operation, key, this.description);
    }
  }
}

function wrapIoError(error: unknown, operation: string, key: string | undefined, where: string): Error {
  if (error instanceof ObjectStoreError || !(error instanceof Error)) return error as Error;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code !== 'string') return error; // a bug, not an I/O failure: keep its stack as it is
  if (key !== undefined && (code === 'ENOENT' || code === 'ENOTDIR') && operation !== 'put') {
    return new ObjectNotFoundError(key, { cause: error });
  }
  const subject = key === undefined ? '' : ` ${key}`;
  return new ObjectStoreError(`${operation}${subject} failed in ${where}: ${error.message}`, { key, cause: error });
}

/** link(2) failing this way means the file system has no hard links (FAT, some network and FUSE mounts). */
function lacksHardLinks(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS' || code === 'EXDEV';
}

function checkIdentity(header: ObjectHeader, key: string, versionId: string | undefined): void {
  // The header names the key the file was written for; a name-folding file system could map another key here.
  if (header.key !== key) throw new ObjectNotFoundError(key);
  if (versionId !== undefined && versionId !== header.versionId) throw new ObjectNotFoundError(key, { versionId });
}

function headOf(header: ObjectHeader): ObjectHead {
  return {
    key: header.key,
    versionId: header.versionId,
    size: header.size,
    lastModified: new Date(header.lastModified),
    contentType: header.contentType,
    ...(header.contentEncoding === undefined ? {} : { contentEncoding: header.contentEncoding }),
    metadata: { ...header.metadata },
    etag: header.etag,
  };
}

/**
 * An entry of a listing, described from its header; or, when it cannot be (a foreign entry, a damaged or
 * unreadable file), why, with what lstat says of it. One bad file must not fail the listing of every other key:
 * it is listed with `damage` (see ListedObject). Errors that are not about the file (out of file descriptors, a
 * bug) still fail the listing.
 */
async function describeListed(
  item: Extract<TreeItem, { kind: 'object' }>,
): Promise<{ header: ObjectHeader } | { damage: string; size: number; lastModified: Date }> {
  let damage = item.foreign === undefined ? undefined : `${item.foreign}: ${printable(item.path)}`;
  if (damage === undefined) {
    try {
      return { header: await readObjectHeader(item.path, item.key) };
    } catch (error) {
      damage = damageOf(error, item.path);
    }
  }
  const stats = await lstat(item.path).catch(() => undefined);
  return {
    damage,
    size: stats?.isFile() === true ? stats.size : 0,
    lastModified: wholeSeconds(stats?.mtime ?? new Date(0)),
  };
}

/** Resource exhaustion says nothing about the file: the listing as a whole fails then, and is retried. */
const NOT_ABOUT_THE_FILE = new Set(['EMFILE', 'ENFILE', 'ENOMEM']);

function damageOf(error: unknown, path: string): string {
  if (error instanceof ObjectStoreError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (!(error instanceof Error) || typeof code !== 'string' || NOT_ABOUT_THE_FILE.has(code)) throw error;
  return `unreadable object file ${path}: ${error.message}`;
}

function isObject(item: TreeItem): item is Extract<TreeItem, { kind: 'object' }> {
  return item.kind === 'object';
}

/** Time-ordered and unique: 12 hex digits of milliseconds, then 80 random bits (32 characters, like S3's). */
function newVersionId(): string {
  return Date.now().toString(16).padStart(12, '0') + randomBytes(10).toString('hex');
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** Writes a new file (failing if it exists) and fsyncs it before returning. */
async function writeDurably(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    // A partial file (a full disk) must not stay behind to keep the disk full; the write's error is the news.
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
}

/** fsync of a directory makes its new entries durable; platforms that cannot open directories skip it. */
async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'EPERM' || code === 'EACCES') return; // Windows
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
  } finally {
    await handle.close();
  }
}
