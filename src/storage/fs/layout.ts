import { keyProblem } from '../keys.js';

/**
 * How FsObjectStore maps keys onto a folder. Each `/`-separated segment of a key is one path component:
 *
 *   <root>/raw/yfinance/NVDA/2026-11-26/20261126_120000.json!     the object
 *   raw/yfinance/NVDA/2026-11-26/20261126_120000.json
 *   <root>/raw/yfinance/NVDA/2026-11-26/                           the "folder" of the keys below that prefix
 *
 * - Objects are files whose name ends in `!`; folders are directories without it. So key `a` (file `a!`) and
 *   key `a/b` (directory `a/`, file `a/b!`) coexist, as they do in S3.
 * - Segment names are percent-encoded (UTF-8 bytes as `%XX`) except for letters, digits and `-_.=+,@~`; `!` and
 *   `%` are always encoded, so no folder name ends in `!` and every name decodes one way. Lake keys (tickers such
 *   as `EURUSD=X`, `D05.SI`, `BRK-B`, dates, timestamps) need no encoding and read naturally in a file browser.
 * - A leading or trailing `.` is encoded too: a folder is never named `.`, `..` or `.anything`, which keeps
 *   dot-names free for the store's own files (`.tmp/`, the format marker) and keeps Windows from trimming names.
 * - Anything in the tree that is not such a canonical name (a file without `!`, editor backups, `.DS_Store`,
 *   symlinks, a directory named like an object file) is not an object: listings report it as a damaged entry
 *   (see foreignEntry), reads never serve it. Dot-names directly in the root are the store's own.
 */
export const OBJECT_MARK = '!';
/** File name limit of common file systems (ext4, APFS, NTFS: 255 bytes); our names are ASCII. */
export const MAX_NAME_LENGTH = 255;

const SAFE_BYTE: boolean[] = Array.from(
  { length: 256 },
  (_, byte) => /[A-Za-z0-9\-_.=+,@~]/.test(String.fromCharCode(byte)) && byte < 0x80,
);
const HEX = '0123456789ABCDEF';

export function encodeSegment(segment: string): string {
  const bytes = Buffer.from(segment, 'utf8');
  let name = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const dotAtEdge = byte === 0x2e && (i === 0 || i === bytes.length - 1);
    name += SAFE_BYTE[byte] && !dotAtEdge ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return name;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The segment a directory-entry name stands for, or undefined if the name is not one we could have written. */
export function decodeSegment(name: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code === 0x25 /* % */) {
      const high = HEX.indexOf(name[i + 1] ?? '');
      const low = HEX.indexOf(name[i + 2] ?? '');
      if (high < 0 || low < 0) return undefined;
      bytes.push(high * 16 + low);
      i += 2;
    } else if (code < 0x80 && SAFE_BYTE[code]) {
      bytes.push(code);
    } else {
      return undefined;
    }
  }
  let segment: string;
  try {
    segment = utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
  // Canonical names only: `%41` for `A` or an unencoded edge dot would alias another name.
  if (encodeSegment(segment) !== name) return undefined;
  if (segment.includes('/') || keyProblem(segment) !== undefined) return undefined;
  return segment;
}

export function objectFileName(segment: string): string {
  return encodeSegment(segment) + OBJECT_MARK;
}

/** Parses a directory entry: an object file, a folder, or (undefined) something else to ignore. */
export function parseEntryName(
  name: string,
  isFile: boolean,
  isDirectory: boolean,
): { segment: string; isObject: boolean } | undefined {
  if (isFile && name.endsWith(OBJECT_MARK)) {
    const segment = decodeSegment(name.slice(0, -OBJECT_MARK.length));
    return segment === undefined ? undefined : { segment, isObject: true };
  }
  if (isDirectory) {
    const segment = decodeSegment(name);
    return segment === undefined ? undefined : { segment, isObject: false };
  }
  return undefined;
}

/**
 * A name anyone could have given a file, safe to print: control characters (which a terminal would obey) as
 * `\xNN` / `\uNNNN`.
 */
export function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Why a directory entry that parseEntryName refuses is not part of the store, and the key-like name to report it
 * under (the segment it would stand for when it decodes, else the name as it is). A listing reports these as
 * damaged entries rather than skipping them: something in the lake folder the store did not write is a finding
 * (a tamperer, a broken copy, a misplaced file), not noise. Only dot-names directly in the root are the store's
 * own (`.tmp/`, the format marker) and never reach this.
 */
export function foreignEntry(
  name: string,
  kind: 'file' | 'directory' | 'symlink' | 'other',
): { segment: string; reason: string } {
  const marked = name.endsWith(OBJECT_MARK);
  const bare = marked ? name.slice(0, -OBJECT_MARK.length) : name;
  const segment = decodeSegment(bare) ?? printable(bare);
  const reason =
    kind === 'symlink'
      ? 'a symbolic link (the store never follows links)'
      : kind === 'other'
        ? 'not a regular file or folder'
        : kind === 'directory'
          ? marked && decodeSegment(bare) !== undefined
            ? 'a directory where the object file should be'
            : 'a folder the store did not create (its name is not an encoded key segment)'
          : marked
            ? 'a file the store did not write (its name is not an encoded key segment)'
            : `a file the store did not write (object files end in "${OBJECT_MARK}")`;
  return { segment, reason };
}
