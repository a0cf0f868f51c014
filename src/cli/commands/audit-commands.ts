import { type Command, InvalidArgumentError } from 'commander';
import type { RebuildReport } from '../../rebuild/rebuild-catalog.js';
import type { Mismatch, VerifyReport } from '../../verify/report.js';
import type { ConfigFlags } from '../../config.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { printJson } from '../output.js';
import { READ_ONLY, withRuntime, withRuntimeOptions } from '../runtime-options.js';
import { parseTickerList } from '../tickers.js';

interface VerifyCommandOptions extends ConfigFlags {
  tickers?: string[];
  sample?: number;
  json?: boolean;
}

function parseSampleSize(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

/** Auditing: `verify` and `catalog rebuild`. */
export function registerAuditCommands(program: Command): void {
  withRuntimeOptions(
    program
      .command('verify')
      .description(
        'check every processed object against its sha256, the catalog, its source raw object (by version id) and a ' +
          'bit-for-bit recomputation under its recorded computation version; and the catalog against the lake',
      )
      .option('--tickers <list>', 'only these tickers (comma-separated)', parseTickerList)
      .option(
        '--sample <n>',
        'recompute a random sample of n processed objects (the catalog is still checked in full)',
        parseSampleSize,
      )
      .option(
        '--json',
        'print {checked, raw_checked, catalog_rows, table_files_checked, ok, mismatches, missing_objects, uncatalogued_objects}',
      ),
  ).action(async (options: VerifyCommandOptions) => {
    // Loaded here: a command loads only what it uses (see withRuntime).
    const [{ verifyLake }, { terminalProgress }] = await Promise.all([
      import('../../verify/verify-lake.js'),
      import('../progress.js'),
    ]);
    const report = await withRuntime(
      options,
      ({ store, warehouse }) =>
        verifyLake({
          store,
          db: warehouse.db,
          ...(options.tickers ? { tickers: options.tickers } : {}),
          ...(options.sample !== undefined ? { sample: options.sample } : {}),
          progress: terminalProgress(),
        }),
      READ_ONLY,
    );
    if (options.json) printJson(report);
    else printVerifyReport(report);
    process.exitCode = report.ok ? EXIT_OK : EXIT_FAILURE;
  });

  const catalog = program.command('catalog').description('the lake catalog (the lake_objects table)');
  withRuntimeOptions(
    catalog
      .command('rebuild')
      .description(
        'rebuild the catalog (lake_objects only) from the lake alone (listing and HEAD); idempotent, works on an empty ' +
          'database; exits 1 when any listed object got no row equal to it (conflicting, failed or ignored). After ' +
          'losing the database, `warehouse rebuild` restores every table the reports read (this one first)',
      )
      .option('--json', 'print {listed, inserted, already_present, conflicting, failed, ignored}'),
  ).action(async (options: ConfigFlags & { json?: boolean }) => {
    const [{ rebuildCatalog }, { terminalProgress }] = await Promise.all([
      import('../../rebuild/rebuild-catalog.js'),
      import('../progress.js'),
    ]);
    const report = await withRuntime(options, ({ store, warehouse }) =>
      rebuildCatalog({ store, db: warehouse.db, progress: terminalProgress() }),
    );
    if (options.json) printJson(report);
    else printRebuildReport(report);
    // Anything listed that did not end up catalogued as it is (a conflict, a damaged or foreign object) is for
    // someone to look at: the rest was still catalogued, but the catalog does not describe the whole lake.
    const skipped = report.conflicting.length + report.failed.length + report.ignored.length;
    process.exitCode = skipped === 0 ? EXIT_OK : EXIT_FAILURE;
  });
}

function printVerifyReport(report: VerifyReport): void {
  const problems = report.mismatches.length + report.missing_objects.length + report.uncatalogued_objects.length;
  const lines = [
    `verify: ${report.checked} processed objects recomputed, ${report.raw_checked} raw objects, ${report.catalog_rows} catalog rows, ${report.table_files_checked} table files: ` +
      (report.ok
        ? 'OK'
        : `${problems} problems (${report.mismatches.length} mismatches, ${report.missing_objects.length} catalog rows without object, ` +
          `${report.uncatalogued_objects.length} objects without catalog row)`),
  ];
  for (const mismatch of report.mismatches) lines.push(`  MISMATCH ${describeMismatch(mismatch)}`);
  for (const missing of report.missing_objects) {
    const what =
      missing.problem === 'no-object' ? 'no object under this key' : 'the catalogued version is not in the lake';
    lines.push(`  MISSING  ${missing.key} (${missing.kind}, version ${missing.version_id ?? '-'}): ${what}`);
  }
  for (const object of report.uncatalogued_objects) {
    lines.push(
      `  UNCATALOGUED ${object.key} (${object.kind}, ${object.size} bytes): no row in lake_objects (\`marketlake catalog rebuild\` adds it)`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

/** One line; values as JSON so that every digit of a number is shown (a last-bit difference must be visible). */
function describeMismatch(mismatch: Mismatch): string {
  const parts = [`${mismatch.key} (${mismatch.kind}): ${mismatch.problem}`];
  if (mismatch.field !== undefined) parts.push(` ${mismatch.field}`);
  if (mismatch.expected !== undefined) parts.push(`: expected ${JSON.stringify(mismatch.expected)}`);
  if (mismatch.actual !== undefined)
    parts.push(`${mismatch.expected !== undefined ? ',' : ':'} actual ${JSON.stringify(mismatch.actual)}`);
  return parts.join('');
}

function printRebuildReport(report: RebuildReport): void {
  const lines = [
    `catalog rebuild: ${report.listed} objects listed; ${report.inserted} rows inserted, ${report.already_present} already present, ` +
      `${report.conflicting.length} conflicting, ${report.failed.length} failed, ${report.ignored.length} ignored`,
  ];
  for (const conflict of report.conflicting) {
    lines.push(
      `  CONFLICT ${conflict.key}: the catalog differs in ${conflict.columns.join(', ')} (left as it is; \`marketlake verify\` shows both values)`,
    );
  }
  for (const failure of report.failed) lines.push(`  FAILED   ${failure.key}: ${failure.reason}`);
  for (const key of report.ignored) lines.push(`  IGNORED  ${key}: not a marketlake object key`);
  process.stdout.write(lines.join('\n') + '\n');
}
