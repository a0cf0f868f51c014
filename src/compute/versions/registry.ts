/**
 * The computation versions this build computes, by the name stored with every result (`computation_version`).
 * A new version is a folder beside these (its kernels, their tests and an index.ts exporting `kernels`), one
 * line here and its name in names.ts; the kernel contract suite (kernel-contract.test.ts) runs for every version
 * listed.
 */
import { kernels as version1_0 } from './1.0/index.js';
import { kernels as version2_0 } from './2.0/index.js';
import type { KernelSet } from './kernel-set.js';
import { COMPUTATION_VERSIONS, type ComputationVersion } from './names.js';

const REGISTRY = {
  '1.0': version1_0,
  '2.0': version2_0,
} satisfies Record<ComputationVersion, KernelSet>;

export { COMPUTATION_VERSIONS, type ComputationVersion };

export const KERNEL_SETS: Readonly<Record<ComputationVersion, KernelSet>> = REGISTRY;
