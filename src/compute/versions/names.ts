/**
 * The names of the computation versions this build computes, apart from their kernels (versions/registry.ts
 * maps each name to its kernels, and the compiler holds the two lists equal): the CLI's help and option parsing
 * need the names, and loading every kernel for them would cost a noticeable part of a start-up.
 */
export const COMPUTATION_VERSIONS = ['1.0', '2.0'] as const;

export type ComputationVersion = (typeof COMPUTATION_VERSIONS)[number];
