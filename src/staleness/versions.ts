/**
 * The current computation version and the order of versions, for "computed under an older version" staleness.
 */
import {
  COMPUTATION_VERSIONS,
  DEFAULT_COMPUTATION_VERSION,
  isComputationVersion,
  type ComputationVersion,
} from '../compute/fields.js';
import { UsageError } from '../errors.js';
import { quote } from '../quote.js';

export const COMPUTATION_VERSION_ENV = 'MARKETLAKE_COMPUTATION_VERSION';

/**
 * The flag, else MARKETLAKE_COMPUTATION_VERSION, else DEFAULT_COMPUTATION_VERSION ('1.0'); an unknown one is refused.
 */
export function currentComputationVersion(flag?: string, env: NodeJS.ProcessEnv = process.env): ComputationVersion {
  const fromEnv = env[COMPUTATION_VERSION_ENV]?.trim();
  const value = flag ?? (fromEnv === '' ? undefined : fromEnv) ?? DEFAULT_COMPUTATION_VERSION;
  if (!isComputationVersion(value)) {
    const where = flag !== undefined ? '--computation-version' : COMPUTATION_VERSION_ENV;
    throw new UsageError(
      `${where}: unknown computation version ${quote(value)} (known: ${COMPUTATION_VERSIONS.join(', ')})`,
    );
  }
  return value;
}

const DOTTED = /^\d+(\.\d+)*$/;

/**
 * True when results recorded under `recorded` predate `current`: dotted numbers compared part by part
 * ('1.0' < '2.0' < '10.0'). A recorded version that is not a dotted number (a foreign or corrupt label) cannot be
 * ordered; it counts as older unless it equals the current one, so such results are recomputed rather than trusted.
 */
export function isOlderVersion(recorded: string, current: string): boolean {
  if (recorded === current) return false;
  if (!DOTTED.test(recorded) || !DOTTED.test(current)) return true;
  const a = recorded.split('.').map(Number);
  const b = current.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false; // '1' and '1.0': the same version written two ways
}
