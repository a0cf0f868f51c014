/**
 * Tampering with an FsObjectStore behind its back, as someone with write access to the folder could: the object
 * file is a JSON header line, `\n`, then the body (src/storage/fs/object-file.ts).
 *
 * - `replaceBody` writes a new body and fixes the header's size and MD5, so the store serves it without noticing
 *   (only the sha256 recorded in the metadata, the catalog, or a recomputation can tell);
 * - `updateMetadata` changes the header's user metadata (a tamperer covering their tracks);
 * - `scribble` changes body bytes and leaves the header alone, which the store itself refuses to serve.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSegment, objectFileName } from '../../src/storage/fs/layout.js';
import { encodeObjectFile, md5Etag, parseObjectFile, type ObjectHeader } from '../../src/storage/fs/object-file.js';

export function objectFilePath(root: string, key: string): string {
  const segments = key.split('/');
  const last = segments.pop()!;
  return join(root, ...segments.map(encodeSegment), objectFileName(last));
}

async function readObject(root: string, key: string): Promise<{ path: string; header: ObjectHeader; body: Buffer }> {
  const path = objectFilePath(root, key);
  const { header, body } = parseObjectFile(await readFile(path), path, key);
  return { path, header, body: Buffer.from(body) };
}

export async function readBody(root: string, key: string): Promise<string> {
  return (await readObject(root, key)).body.toString('utf8');
}

export async function replaceBody(root: string, key: string, change: (body: string) => string): Promise<string> {
  const next = await replaceBodyBytes(root, key, (body) => Buffer.from(change(body.toString('utf8')), 'utf8'));
  return next.toString('utf8');
}

/** `replaceBody` for a binary body (a Parquet table file). */
export async function replaceBodyBytes(root: string, key: string, change: (body: Buffer) => Buffer): Promise<Buffer> {
  const { path, header, body } = await readObject(root, key);
  const next = change(body);
  await writeFile(path, encodeObjectFile({ ...header, size: next.length, etag: md5Etag(next) }, next));
  return next;
}

export async function updateMetadata(root: string, key: string, metadata: Record<string, string>): Promise<void> {
  const { path, header, body } = await readObject(root, key);
  await writeFile(path, encodeObjectFile({ ...header, metadata: { ...header.metadata, ...metadata } }, body));
}

export async function scribble(root: string, key: string): Promise<void> {
  const path = objectFilePath(root, key);
  const file = await readFile(path);
  // The last byte of the body is the closing brace of the document; a space keeps the length.
  file[file.length - 1] = 0x20;
  await writeFile(path, file);
}

export async function removeObject(root: string, key: string): Promise<void> {
  await rm(objectFilePath(root, key));
}

/** The next double above `x`: a change in the last bit, which only a bit-for-bit comparison sees. */
export function nextUp(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x >= 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}
