/**
 * The computation versions this build computes, by the name stored with every result (`computation_version`).
 * A new version is a folder beside these (its kernels, their tests and an index.ts exporting `kernels`) and one
 * line here; the kernel contract suite (kernel-contract.test.ts) runs for every version listed.
 */
import { kernels as version1_0 } from './1.0/index.js';
import { kernels as version2_0 } from './2.0/index.js';
import type { KernelSet } from './kernel-set.js';

const REGISTRY = {
  '1.0': version1_0,
  '2.0': version2_0,
} satisfies Record<string, KernelSet>;

export type ComputationVersion = keyof typeof REGISTRY;

export const KERNEL_SETS: Readonly<Record<ComputationVersion, KernelSet>> = REGISTRY;

/** The version names, in the order of the registry. */
export const COMPUTATION_VERSIONS = Object.keys(REGISTRY) as readonly ComputationVersion[];
