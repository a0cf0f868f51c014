import { InvalidObjectKeyError } from './errors.js';

/**
 * Object key rules shared by every backend, so a key that works on the embedded store works on S3 and back.
 *
 * S3 takes any UTF-8 string of 1..1024 bytes. We refuse a little more, each for a reason:
 * - a leading `/`, empty segments (`a//b`, `a/`) and `.` / `..` segments: they cannot be mapped onto a file system
 *   faithfully (or could escape its root), and tools that sync a bucket to disk mangle them;
 * - control characters (U+0000-U+001F, U+007F): NUL ends C strings, and S3's XML listings cannot carry the others;
 * - lone UTF-16 surrogates: they have no UTF-8 encoding, so two different keys would collapse into one.
 */
export const MAX_KEY_BYTES = 1024;

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /\p{Surrogate}/u; // in `u` mode a well-formed pair is one code point and does not match

/** Why `segment` cannot be part of a key, or undefined when it can. */
export function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'empty path segment (leading, trailing or doubled "/")';
  if (segment === '.' || segment === '..') return `path segment "${segment}" is not allowed`;
  return undefined;
}

/** Why `key` is not a valid object key, or undefined when it is. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'the key is empty';
  if (CONTROL_CHARACTER.test(key)) return 'control characters (NUL, newline, ...) are not allowed';
  if (LONE_SURROGATE.test(key)) return 'the key is not well-formed Unicode (lone surrogate)';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `longer than ${MAX_KEY_BYTES} bytes in UTF-8`;
  if (key.startsWith('/')) return 'a key must not start with "/"';
  for (const segment of key.split('/')) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Throws InvalidObjectKeyError unless `key` is a valid object key; returns its `/`-separated segments. */
export function checkKey(key: unknown): string[] {
  if (typeof key !== 'string') throw new InvalidObjectKeyError(String(key), 'a key must be a string');
  const problem = keyProblem(key);
  if (problem !== undefined) throw new InvalidObjectKeyError(key, problem);
  return key.split('/');
}

/**
 * Orders keys as S3 lists them: by the bytes of their UTF-8 encoding, which is code-point order.
 * JavaScript's `<` compares UTF-16 code units, which differs when a surrogate pair (U+10000 and up) meets a
 * character in U+E000-U+FFFF; the first differing unit is remapped so that surrogates sort above that range.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800; // U+E000-U+FFFF move down, below the surrogates
  if (unit >= 0xd800) return unit + 0x2000; // surrogates (code points >= U+10000) move to the top
  return unit;
}
