import { UserError } from '../errors.js';

/**
 * Amazon S3's limits on object tags and user metadata (docs/design.md "Tags", "User metadata"). Checked before a
 * write: S3 would refuse the request or, worse, a proxy could truncate it; a violation is an error, not a cut.
 */
export const MAX_TAGS = 10;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;
export const MAX_METADATA_BYTES = 2048;
const TAG_CHARACTERS = /^[\p{L}\p{N} +\-=._:/@]*$/u;
const METADATA_KEY = /^[a-z0-9][a-z0-9_]*$/;
const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

export class ObjectLimitError extends UserError {
  override readonly name = 'ObjectLimitError';
}

export function checkTags(key: string, tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  const fail = (problem: string): never => {
    throw new ObjectLimitError(`tags of ${key}: ${problem}`);
  };
  if (entries.length > MAX_TAGS) fail(`${entries.length} tags, at most ${MAX_TAGS} allowed`);
  for (const [name, value] of entries) {
    if (name.length === 0 || name.length > MAX_TAG_KEY_LENGTH)
      fail(`tag key "${name}" must be 1-${MAX_TAG_KEY_LENGTH} characters`);
    if (value.length > MAX_TAG_VALUE_LENGTH)
      fail(`tag "${name}" is ${value.length} characters, at most ${MAX_TAG_VALUE_LENGTH}`);
    if (!TAG_CHARACTERS.test(name)) fail(`tag key "${name}" has a character S3 does not allow`);
    if (!TAG_CHARACTERS.test(value))
      fail(`tag "${name}" value ${JSON.stringify(value)} has a character S3 does not allow`);
  }
}

export function metadataBytes(metadata: Record<string, string>): number {
  let total = 0;
  for (const [name, value] of Object.entries(metadata))
    total += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  return total;
}

export function checkMetadata(key: string, metadata: Record<string, string>): void {
  const fail = (problem: string): never => {
    throw new ObjectLimitError(`metadata of ${key}: ${problem}`);
  };
  for (const [name, value] of Object.entries(metadata)) {
    if (!METADATA_KEY.test(name)) fail(`key "${name}" must be lower-case ASCII letters, digits or "_"`);
    if (!ASCII_PRINTABLE.test(value)) fail(`"${name}" must be printable ASCII`);
  }
  const bytes = metadataBytes(metadata);
  if (bytes > MAX_METADATA_BYTES) fail(`${bytes} bytes, at most ${MAX_METADATA_BYTES}`);
}

/**
 * The largest document body a reader decompresses (compression.ts): a raw snapshot of a century of daily bars is
 * about 3.5 MB, so nothing marketlake writes comes near it, while a hostile `.json.gz` of a few kilobytes that
 * inflates to gigabytes (a "gzip bomb") stops here as a finding instead of exhausting memory.
 */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
