import type { Command } from 'commander';
import { parsePath } from './options.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import type { Runtime, RuntimeOverrides } from '../runtime.js';

/** The flags every command that touches the lake or the database takes (docs/design.md "Configuration"). */
export function withRuntimeOptions(command: Command): Command {
  return withLakeOptions(command)
    .option(
      '--lake-compression <none|gzip>',
      'how new lake objects are stored: gzip writes .json.gz (env MARKETLAKE_LAKE_COMPRESSION; default none)',
    )
    .option(
      '--database <url>',
      'postgres://... (env MARKETLAKE_DATABASE_URL; default: embedded PGlite under the home)',
    );
}

/**
 * The flags that locate the lake alone (home, lake, S3 endpoint), for commands that never open the database:
 * `sql` gives `--database` another meaning (the Athena database).
 */
export function withLakeOptions(command: Command): Command {
  return command
    .option('--home <dir>', 'embedded data directory (env MARKETLAKE_HOME; default ./.marketlake)', parsePath)
    .option('--lake <url>', 'object store: file:///path or s3://bucket[/prefix] (env MARKETLAKE_LAKE)')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint (env MARKETLAKE_S3_ENDPOINT)');
}

/** For commands that write neither to the lake nor to the database: see RuntimeOverrides.readOnly. */
export const READ_ONLY: RuntimeOverrides = { readOnly: true };

/** Opens the runtime for one command and always closes it, whatever the command does. */
export async function withRuntime<T>(
  flags: ConfigFlags,
  work: (runtime: Runtime) => Promise<T>,
  overrides: RuntimeOverrides = {},
): Promise<T> {
  // Loaded here, not at the top: the runtime pulls in the database drivers and the AWS SDK, which `--help` and
  // the reads that answer from the lake alone never need (a command loads only what it uses).
  const { openRuntime } = await import('../runtime.js');
  const runtime = await openRuntime(resolveConfig(flags), overrides);
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
