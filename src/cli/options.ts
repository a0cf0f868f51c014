import { InvalidArgumentError } from 'commander';
import { COMPUTATION_VERSIONS, isComputationVersion, type ComputationVersion } from '../compute/fields.js';
import { isIsoDate } from '../market/dates.js';
import { quote } from '../quote.js';

export function parseComputationVersion(value: string): ComputationVersion {
  if (!isComputationVersion(value)) {
    throw new InvalidArgumentError(
      `unknown computation version ${quote(value)} (known: ${COMPUTATION_VERSIONS.join(', ')})`,
    );
  }
  return value;
}

/** The help of every `--computation-version` option: the registered versions, "1.0 or 2.0" today. */
export const COMPUTATION_VERSION_HELP = `computation version: ${COMPUTATION_VERSIONS.join(' or ')}`;

/** Longest `--range` per unit: a century of daily bars is already more than any vendor serves. */
const RANGE_LIMITS: Readonly<Record<string, number>> = { d: 36_525, m: 1_200, y: 100 };

/** `--range 2y`: checked while parsing, so a typo is a usage error and not a failure halfway through a run. */
export function parseRange(value: string): string {
  const match = /^(\d{1,6})([dmy])$/.exec(value);
  const amount = match ? Number(match[1]) : NaN;
  if (!match || amount < 1 || amount > RANGE_LIMITS[match[2]]) {
    throw new InvalidArgumentError(
      'must be a whole number of days, months or years from 1 up to 100 years, e.g. 30d, 6m, 2y',
    );
  }
  return value;
}

/**
 * A file or folder name from the command line. The operating system cannot name a path with a NUL byte (Node
 * throws a TypeError deep inside whatever opens it): refused while parsing, as a usage error.
 */
export function parsePath(value: string): string {
  if (value.includes('\0'))
    throw new InvalidArgumentError(`${quote(value)} is not a usable path: it contains a NUL byte`);
  if (value === '') throw new InvalidArgumentError('an empty path names nothing');
  return value;
}

export function parseDate(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError('must be a date YYYY-MM-DD');
  return value;
}
