import type { Command } from 'commander';
import { type Config, type ConfigFlags, resolveConfig } from '../../config.js';
import { UsageError } from '../../errors.js';
import type { TablesRebuildReport } from '../../rebuild/tables/rebuild-tables.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { parseDate } from '../options.js';
import { printJson } from '../output.js';
import { withRuntimeOptions } from '../runtime-options.js';

import { tablesCacheDir } from '../../tables/cache-dir.js';

export { tablesCacheDir };

/** Opens the lake alone (no database: the tables are made of and read from the lake only). */
export async function withLakeStore<T>(
  flags: ConfigFlags,
  work: (store: ObjectStore, config: Config) => Promise<T>,
): Promise<T> {
  const config = resolveConfig(flags);
  // Loaded here: the S3 store pulls in the AWS SDK, which a file lake never needs.
  const { openObjectStore } = await import('../../storage/open-store.js');
  return work(await openObjectStore(config), config);
}

/** `tables rebuild`: the lake's query-ready tables from its JSON objects. */
export function registerTableCommands(program: Command): void {
  const tables = program.command('tables').description("the lake's query-ready Parquet tables (tables/ in the lake)");
  withRuntimeOptions(
    tables
      .command('rebuild')
      .description(
        "write the tables from the lake's JSON objects alone (no database): for a lake written before the tables " +
          'existed, or after table files were lost; idempotent (rows already in a table file are not written again)',
      )
      .option('--from <date>', 'only partitions on or after this date (YYYY-MM-DD)', parseDate)
      .option('--to <date>', 'only partitions on or before this date (YYYY-MM-DD)', parseDate)
      .option('--json', 'print {scanned, tables, files, failed}'),
  ).action(async (options: ConfigFlags & { from?: string; to?: string; json?: boolean }) => {
    if (options.from !== undefined && options.to !== undefined && options.from > options.to) {
      throw new UsageError(`--from ${options.from} is after --to ${options.to}`);
    }
    const [{ rebuildTables }, { terminalProgress }] = await Promise.all([
      import('../../rebuild/tables/rebuild-tables.js'),
      import('../progress.js'),
    ]);
    const report = await withLakeStore(options, (store, config) =>
      rebuildTables({
        store,
        cacheDir: tablesCacheDir(config, store),
        ...(options.from === undefined ? {} : { from: options.from }),
        ...(options.to === undefined ? {} : { to: options.to }),
        progress: terminalProgress(),
      }),
    );
    if (options.json) printJson(report);
    else printTablesRebuildReport(report);
    process.exitCode = report.failed.length === 0 ? EXIT_OK : EXIT_FAILURE;
  });
}

function printTablesRebuildReport(report: TablesRebuildReport): void {
  const written = report.files.filter((file) => file.created).length;
  const tables = Object.entries(report.tables)
    .map(([name, t]) => `${name} ${t.rows} rows (${t.alreadyHeld} objects already held)`)
    .join('; ');
  const { raw, processed, restatements, quality, lineageEvents } = report.scanned;
  const lines = [
    `tables rebuild: ${written} files written, ${report.files.length - written} already there; ${tables}; read ` +
      `${raw} raw, ${processed} processed, ${restatements} restatement, ${quality} quality objects and ` +
      `${lineageEvents} lineage events; ` +
      `${report.failed.length} problems`,
    ...report.failed.map((failure) => `  FAILED   ${failure.key}: ${failure.reason}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
