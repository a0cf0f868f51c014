/**
 * A folder as a gzipped tar archive (POSIX ustar: folders and regular files only), and back: how the prepared
 * PGlite database (`prepared-database.ts`) is shipped. Written here rather than taken from a package because the
 * subset needed is small and PGlite's own tar code is not part of its public API.
 *
 * The archive is reproducible: entries in path order, owner 0, modification time 0. Reading is strict: an
 * archive with anything else (links, devices, absolute paths, `..`, a bad checksum) is refused, never guessed at.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const BLOCK = 512;
const NAME_BYTES = 100;
const FILE_TYPE = '0';
const DIRECTORY_TYPE = '5';

interface Entry {
  /** Relative, with `/` separators; a folder's ends with `/`. */
  path: string;
  mode: number;
  /** Undefined for a folder. */
  content?: Buffer;
}

/** The folder `directory` (its contents, not itself) as a gzipped tar archive. */
export function packDirectory(directory: string): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of listEntries(directory, '')) {
    blocks.push(header(entry));
    if (entry.content !== undefined) {
      blocks.push(entry.content, Buffer.alloc(padding(entry.content.length)));
    }
  }
  blocks.push(Buffer.alloc(2 * BLOCK)); // The end-of-archive marker.
  return gzipSync(Buffer.concat(blocks));
}

/** Writes the archive's folders and files under `directory`, which must exist and should be empty. */
export function unpackArchive(archive: Buffer, directory: string): void {
  for (const entry of readEntries(gunzipSync(archive))) {
    const target = join(directory, ...entry.path.split('/').filter((part) => part !== ''));
    if (entry.content === undefined) mkdirSync(target, { recursive: true, mode: entry.mode });
    else writeFileSync(target, entry.content, { mode: entry.mode, flag: 'wx' });
  }
}

function listEntries(root: string, relative: string): Entry[] {
  const entries: Entry[] = [];
  const names = readdirSync(join(root, relative)).sort();
  for (const name of names) {
    const path = relative === '' ? name : `${relative}/${name}`;
    const stats = statSync(join(root, path));
    const mode = stats.mode & 0o777;
    if (stats.isDirectory()) {
      entries.push({ path: `${path}/`, mode });
      entries.push(...listEntries(root, path));
    } else if (stats.isFile()) {
      entries.push({ path, mode, content: readFileSync(join(root, path)) });
    } else {
      throw new Error(`cannot archive ${join(root, path)}: only folders and regular files are supported`);
    }
  }
  return entries;
}

function header(entry: Entry): Buffer {
  const block = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(entry.path) > NAME_BYTES) {
    throw new Error(`cannot archive ${entry.path}: paths longer than ${NAME_BYTES} bytes are not supported`);
  }
  block.write(entry.path, 0, NAME_BYTES, 'utf8');
  writeOctal(block, 100, 8, entry.mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, entry.content?.length ?? 0);
  writeOctal(block, 136, 12, 0); // mtime
  block.write(entry.content === undefined ? DIRECTORY_TYPE : FILE_TYPE, 156, 1, 'latin1');
  block.write('ustar\u000000', 257, 8, 'latin1');
  // The checksum is computed with its own field as spaces, then written as six octal digits, NUL, space.
  block.fill(' ', 148, 156);
  block.write(`${checksum(block).toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return block;
}

function readEntries(tar: Buffer): Entry[] {
  const entries: Entry[] = [];
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) return entries; // The end-of-archive marker.
    const entry = parseHeader(block, offset);
    offset += BLOCK;
    if (entry.type === FILE_TYPE) {
      if (offset + entry.size > tar.length) throw new ArchiveError(`${entry.path} is cut short`);
      entries.push({ path: entry.path, mode: entry.mode, content: tar.subarray(offset, offset + entry.size) });
      offset += entry.size + padding(entry.size);
    } else {
      entries.push({ path: entry.path, mode: entry.mode });
    }
  }
  throw new ArchiveError('it ends without the end-of-archive marker');
}

function parseHeader(block: Buffer, offset: number): { path: string; mode: number; size: number; type: string } {
  if (block.toString('latin1', 257, 262) !== 'ustar') {
    throw new ArchiveError(`the header at byte ${offset} is not a ustar header`);
  }
  const recorded = readOctal(block, 148, 8);
  const copy = Buffer.from(block);
  copy.fill(' ', 148, 156);
  if (checksum(copy) !== recorded) throw new ArchiveError(`the header at byte ${offset} has a wrong checksum`);
  const prefix = readString(block, 345, 155);
  const name = readString(block, 0, NAME_BYTES);
  const path = prefix === '' ? name : `${prefix}/${name}`;
  const type = block.toString('latin1', 156, 157).replace('\u0000', FILE_TYPE);
  if (type !== FILE_TYPE && type !== DIRECTORY_TYPE) {
    throw new ArchiveError(`${path} is neither a folder nor a regular file (type ${JSON.stringify(type)})`);
  }
  const parts = path.split('/').filter((part) => part !== '');
  if (posix.isAbsolute(path) || parts.length === 0 || parts.some((part) => part === '..' || part === '.')) {
    throw new ArchiveError(`${JSON.stringify(path)} is not a plain relative path`);
  }
  return { path, mode: readOctal(block, 100, 8) & 0o777, size: readOctal(block, 124, 12), type };
}

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
  constructor(reason: string) {
    super(`not a valid archive: ${reason}`);
  }
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (const byte of block) sum += byte;
  return sum;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'latin1');
}

function readOctal(block: Buffer, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  if (!/^[0-7]+$/.test(text)) throw new ArchiveError(`a header field holds ${JSON.stringify(text)}, not a number`);
  return parseInt(text, 8);
}

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end === -1 ? length : end);
}
