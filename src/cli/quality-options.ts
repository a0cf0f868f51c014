/**
 * Where the quality checks' settings come from (docs/design.md "Data quality"): `--quality-config FILE`, else
 * MARKETLAKE_QUALITY_CONFIG, else `quality.json` in the home when there is one, else the built-in thresholds.
 * `--quality-policy` overrides the file's policy; `--no-quality` runs no check.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { type ConfigFlags, resolveConfig } from '../config.js';
import type { QualityConfig, QualityPolicy } from '../quality/config.js';
import { parsePath } from './options.js';

export interface QualityFlags {
  qualityConfig?: string;
  qualityPolicy?: QualityPolicy;
  /** False with --no-quality. */
  quality?: boolean;
}

export const QUALITY_CONFIG_FILE = 'quality.json';

function parsePolicy(value: string): QualityPolicy {
  if (value !== 'block' && value !== 'warn') throw new InvalidArgumentError('must be block or warn');
  return value;
}

export function withQualityOptions(command: Command, options: { optional: boolean }): Command {
  command
    .option(
      '--quality-config <file>',
      `the quality checks' thresholds, policy and alerts (env MARKETLAKE_QUALITY_CONFIG; default ${QUALITY_CONFIG_FILE} in the home when present)`,
      parsePath,
    )
    .option(
      '--quality-policy <block|warn>',
      "on an error finding, block the ticker's prices and results (block, the default) or write them marked (warn)",
      parsePolicy,
    );
  if (options.optional) command.option('--no-quality', 'run no quality check');
  return command;
}

/** The file to read, if any: the flag, the environment, or the home's own file when it exists. */
export function qualityConfigPath(
  flags: QualityFlags & ConfigFlags,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (flags.qualityConfig !== undefined) return flags.qualityConfig;
  if (env.MARKETLAKE_QUALITY_CONFIG) return env.MARKETLAKE_QUALITY_CONFIG;
  const inHome = join(resolveConfig(flags, env).home, QUALITY_CONFIG_FILE);
  return existsSync(inHome) ? inHome : undefined;
}

/** The settings the checks run with, or false with --no-quality. Errors name the file and the field. */
export async function resolveQualityConfig(
  flags: QualityFlags & ConfigFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<QualityConfig | false> {
  if (flags.quality === false) return false;
  const { DEFAULT_QUALITY_CONFIG, loadQualityConfig } = await import('../quality/config.js');
  const path = qualityConfigPath(flags, env);
  const config = path === undefined ? DEFAULT_QUALITY_CONFIG : loadQualityConfig(path);
  return flags.qualityPolicy === undefined ? config : { ...config, policy: flags.qualityPolicy };
}
