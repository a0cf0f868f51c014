import { InvalidArgumentError } from 'commander';
import { COMPUTATION_VERSIONS, isComputationVersion, type ComputationVersion } from '../compute/fields.js';

export function parseComputationVersion(value: string): ComputationVersion {
  if (!isComputationVersion(value)) {
    throw new InvalidArgumentError(`unknown computation version "${value}" (known: ${COMPUTATION_VERSIONS.join(', ')})`);
  }
  return value;
}
