/**
 * `marketlake quality check`: the data-quality checks on demand, over the raw snapshots the lake holds (no database,
 * no vendor; src/quality/lake-check.ts does the work). Text lists the failed verdicts and a summary; `--json` is the
 * audit: every verdict, passed ones too. Exit 0 when no error finding failed and every object could be read, 1
 * otherwise, 2 for a bad command line (before any I/O).
 *
 * The quality engine, the raw parser (zod) and the progress bar load inside the action, never for `--help`.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_COMPUTATION_VERSION, type ComputationVersion } from '../../compute/fields.js';
import { type Config, type ConfigFlags, resolveConfig } from '../../config.js';
import { UserError } from '../../errors.js';
import { escapeControls, quote } from '../../quote.js';
import type { QualityConfig, QualityPolicy } from '../../quality/config.js';
import type { LakeCheckReport } from '../../quality/lake-check.js';
import type { qualityResultRow as QualityResultRowOf } from '../../lake/formats/quality.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { COMPUTATION_VERSION_HELP, parseComputationVersion, parseDate } from '../options.js';
import { printJson } from '../output.js';
import { withLakeOptions } from '../runtime-options.js';
import { type QualityFlags, resolveQualityConfig, withQualityOptions } from '../quality-options.js';
import { parseTickerList } from '../tickers.js';

interface QualityCheckOptions extends ConfigFlags, QualityFlags {
  tickers?: string[];
  date?: string;
  json?: boolean;
  failed?: boolean;
  computationVersion: ComputationVersion;
}

export function registerQualityCommands(program: Command): void {
  const quality = program.command('quality').description('data-quality checks of the raw snapshots (issue 14)');
  withLakeOptions(
    withQualityOptions(
      quality
        .command('check')
        .description(
          "judge each ticker's latest raw snapshot in the lake (and the one before it) by the quality checks: " +
            'bar consistency, plausibility, stability, computed results, completeness against its market peers',
        )
        .option(
          '--tickers <list>',
          'only these tickers (comma-separated; default: every ticker in the lake)',
          parseTickerList,
        )
        .option('--date <date>', 'judge the latest snapshot fetched on or before this date (YYYY-MM-DD)', parseDate)
        .option('--json', 'print {date, policy, tickers, errors, warnings, findings, problems}: every verdict')
        .option('--failed', 'with --json, list the failed verdicts only (the text lists only those anyway)')
        .option(
          '--computation-version <version>',
          COMPUTATION_VERSION_HELP,
          parseComputationVersion,
          DEFAULT_COMPUTATION_VERSION,
        ),
      { optional: false },
    ),
  ).action(async (options: QualityCheckOptions) => {
    const config = resolveConfig(options);
    const [{ checkLake }, { terminalProgress }, { qualityResultRow }] = await Promise.all([
      import('../../quality/lake-check.js'),
      import('../progress.js'),
      import('../../lake/formats/quality.js'),
    ]);
    // The config is read before the lake: a mistake in it is reported before any listing.
    const qualityConfig = (await resolveQualityConfig(options)) as QualityConfig;
    const policy = qualityConfig.policy;
    const store = await openLakeForReading(config);
    const report = await checkLake({
      store,
      ...(options.tickers ? { tickers: options.tickers } : {}),
      ...(options.date === undefined ? {} : { date: options.date }),
      version: options.computationVersion,
      config: qualityConfig,
      progress: terminalProgress(),
    });
    const errors = report.results.filter((result) => !result.passed && result.severity === 'error').length;
    const warnings = report.results.filter((result) => !result.passed && result.severity === 'warn').length;
    if (options.json) printJson(jsonReport(report, options, policy, errors, warnings, qualityResultRow));
    else printTextReport(report, errors, warnings);
    process.exitCode = errors === 0 && report.problems.length === 0 ? EXIT_OK : EXIT_FAILURE;
  });
}

/**
 * The lake, for reading only. A file lake that is not there is an error (a mistyped --home would otherwise read as
 * a clean, empty lake), and its folder is opened as it is, not prepared for writes.
 */
async function openLakeForReading(config: Config): Promise<ObjectStore> {
  if (config.lake.kind === 'file') {
    if (!existsSync(config.lake.path)) {
      throw new UserError(
        `there is no lake at ${quote(config.lake.path)} (give --home or --lake, or run \`marketlake run\`)`,
      );
    }
    const { FsObjectStore } = await import('../../storage/fs/fs-object-store.js');
    return new FsObjectStore(config.lake.path);
  }
  const { openObjectStore } = await import('../../storage/open-store.js');
  return openObjectStore(config);
}

function jsonReport(
  report: LakeCheckReport,
  options: QualityCheckOptions,
  policy: QualityPolicy,
  errors: number,
  warnings: number,
  rowOf: typeof QualityResultRowOf,
) {
  const results = options.failed ? report.results.filter((result) => !result.passed) : report.results;
  return {
    date: options.date ?? null,
    policy,
    computation_version: options.computationVersion,
    tickers: report.tickers.length,
    errors,
    warnings,
    // Keys in the order the README shows them: ticker and market first (the same values: JSON key order).
    findings: results.map((result) => {
      const { ticker, market, ...rest } = rowOf(result);
      return { ticker, market, ...rest };
    }),
    problems: report.problems,
  };
}

function printTextReport(report: LakeCheckReport, errors: number, warnings: number): void {
  const lines: string[] = [];
  for (const result of report.results) {
    if (result.passed) continue;
    const severity = result.severity === 'error' ? 'ERROR' : 'WARN ';
    lines.push(
      `${severity} ${result.ticker} ${result.check}: ${result.details} (${result.raw?.key ?? 'no raw object'})`,
    );
  }
  for (const problem of report.problems) {
    lines.push(`PROBLEM ${problem.ticker} ${problem.key ?? '-'}: ${problem.reason}`);
  }
  const unread = report.problems.length === 0 ? '' : `, ${report.problems.length} problem(s) reading the lake`;
  lines.push(
    `quality check: ${report.tickers.length} tickers, ${errors} error findings, ${warnings} warnings${unread}`,
  );
  // Details quote vendor data and keys: never let them drive the terminal.
  process.stdout.write(lines.map(escapeControls).join('\n') + '\n');
}
