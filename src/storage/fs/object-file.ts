import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { CorruptObjectError } from '../errors.js';
import type { Metadata, Tags } from '../object-store.js';

/**
 * One object is one file: a single-line JSON header, `\n`, then the body bytes. Keeping header and body in one
 * file lets a single hard link publish both at once (see FsObjectStore.put); `head` and listings read only the
 * header. The header records the key itself, so a file system that folds names (case-insensitive, Unicode
 * normalising) cannot make one key answer for another, and the size and MD5 so a damaged file is reported
 * rather than served.
 */
export const OBJECT_FORMAT = 'marketlake.fs-object/1';

export interface ObjectHeader {
  format: typeof OBJECT_FORMAT;
  key: string;
  versionId: string;
  size: number;
  /** ISO 8601, whole seconds. */
  lastModified: string;
  contentType: string;
  /** Absent unless the object was put with one (older files never have it). */
  contentEncoding?: string;
  /** `"<md5 hex>"`, as S3 reports the ETag of a single-part upload. */
  etag: string;
  tags: Tags;
  metadata: Metadata;
}

const FIRST_READ = 16 * 1024;
/** Far above the largest legal header (1 KB key, 10 tags, 2 KB metadata), far below anything that hurts. */
const MAX_HEADER_BYTES = 1024 * 1024;

export function md5Etag(body: Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

export function encodeObjectFile(header: ObjectHeader, body: Uint8Array): Buffer {
  // JSON.stringify escapes every newline inside strings, so the header is exactly one line.
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), body]);
}

function corrupt(path: string, key: string, reason: string): CorruptObjectError {
  return new CorruptObjectError(path, key, reason);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

function parseHeader(bytes: Uint8Array, path: string, key: string): ObjectHeader {
  let header: Partial<ObjectHeader>;
  try {
    header = JSON.parse(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
    ) as Partial<ObjectHeader>;
  } catch {
    throw corrupt(path, key, 'unreadable header');
  }
  const valid =
    header.format === OBJECT_FORMAT &&
    typeof header.key === 'string' &&
    typeof header.versionId === 'string' &&
    Number.isSafeInteger(header.size) &&
    typeof header.lastModified === 'string' &&
    !Number.isNaN(Date.parse(header.lastModified)) &&
    typeof header.contentType === 'string' &&
    (header.contentEncoding === undefined || typeof header.contentEncoding === 'string') &&
    typeof header.etag === 'string' &&
    isStringRecord(header.tags) &&
    isStringRecord(header.metadata);
  if (!valid) throw corrupt(path, key, `unknown header format (expected ${OBJECT_FORMAT})`);
  return header as ObjectHeader;
}

/** Splits and verifies a whole object file read into memory. */
export function parseObjectFile(file: Buffer, path: string, key: string): { header: ObjectHeader; body: Uint8Array } {
  const newline = file.indexOf(0x0a);
  if (newline < 0) throw corrupt(path, key, 'no header line');
  const header = parseHeader(file.subarray(0, newline), path, key);
  // A plain Uint8Array view (not a Buffer) so callers see exactly the interface's type.
  const body = new Uint8Array(file.buffer, file.byteOffset + newline + 1, file.length - newline - 1);
  if (body.length !== header.size) throw corrupt(path, key, `body is ${body.length} bytes, header says ${header.size}`);
  if (md5Etag(body) !== header.etag) throw corrupt(path, key, 'body checksum does not match');
  return { header, body };
}

/** Reads only the header line (and checks the file length against it); errno errors such as ENOENT propagate. */
export async function readObjectHeader(path: string, key: string): Promise<ObjectHeader> {
  const handle = await open(path, 'r');
  try {
    let buffer = Buffer.alloc(FIRST_READ);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      const newline = buffer.subarray(0, filled + bytesRead).indexOf(0x0a, filled);
      filled += bytesRead;
      if (newline >= 0) {
        const header = parseHeader(buffer.subarray(0, newline), path, key);
        const { size } = await handle.stat();
        if (size - newline - 1 !== header.size) {
          throw corrupt(path, key, `body is ${size - newline - 1} bytes, header says ${header.size}`);
        }
        return header;
      }
      if (bytesRead === 0) throw corrupt(path, key, 'no header line');
      if (filled === buffer.length) {
        if (buffer.length >= MAX_HEADER_BYTES) throw corrupt(path, key, 'header line too long');
        buffer = Buffer.concat([buffer, Buffer.alloc(buffer.length)]);
      }
    }
  } finally {
    await handle.close();
  }
}
