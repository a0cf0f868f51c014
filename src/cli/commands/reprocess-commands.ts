import { listenForInterruption, reportInterrupted } from '../interruption.js';
import { type Command, InvalidArgumentError } from 'commander';
import type { ComputationVersion } from '../../compute/fields.js';
import type { ConfigFlags } from '../../config.js';
import type { DiffReport, KindDiff } from '../../diff/index.js';
import type { ReprocessSummary } from '../../reprocess/index.js';
import { UsageError } from '../../errors.js';
import { escapeControls } from '../../quote.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { COMPUTATION_VERSION_HELP, parseComputationVersion, parseDate } from '../options.js';
import { formatNumber, formatTable, printJson } from '../output.js';
import { READ_ONLY, withRuntime, withRuntimeOptions } from '../runtime-options.js';
import { parseTickerList } from '../tickers.js';
import { type QualityFlags, resolveQualityConfig, withQualityOptions } from '../quality-options.js';

interface ReprocessCommandOptions extends ConfigFlags, QualityFlags {
  computationVersion: ComputationVersion;
  tickers?: string[];
  from?: string;
  to?: string;
  backfill?: boolean;
  stale?: boolean;
  concurrency: number;
  json?: boolean;
}

interface DiffCommandOptions extends ConfigFlags {
  from: ComputationVersion;
  to: ComputationVersion;
  tickers?: string[];
  date?: string;
  all?: boolean;
  json?: boolean;
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('must be a whole number from 1 to 64');
  return n;
}

/** `reprocess` (recompute from the lake's raw snapshots under a version) and `diff` (compare two versions). */
export function registerReprocessCommands(program: Command): void {
  withRuntimeOptions(
    withQualityOptions(
      program
        .command('reprocess')
        .description(
          'recompute results from the raw snapshots in the lake under a computation version (new versions; old ones stay)',
        )
        .requiredOption('--computation-version <version>', COMPUTATION_VERSION_HELP, parseComputationVersion)
        .option(
          '--tickers <list>',
          'comma-separated tickers (default: every ticker with a raw snapshot in the catalog)',
          parseTickerList,
        )
        .option('--from <date>', 'only raw snapshots whose last bar is on or after this date (YYYY-MM-DD)', parseDate)
        .option('--to <date>', 'only raw snapshots whose last bar is on or before this date (YYYY-MM-DD)', parseDate)
        .option('--backfill', 'also compute the results as of every date inside each raw snapshot')
        .option('--stale', 'recompute exactly the stale results (see `marketlake stale`), from the newest raw snapshot')
        .option('--concurrency <n>', 'tickers processed at once', parseConcurrency, 4)
        .option('--json', 'print a summary object on stdout'),
      { optional: true },
    ),
  ).action(async (options: ReprocessCommandOptions) => {
    const tickers = options.tickers;
    if (options.stale && (options.backfill || options.from || options.to)) {
      throw new UsageError('--stale picks its own dates: give it without --backfill, --from or --to');
    }
    // Read before anything is opened: a bad config file is the user's to fix, and nothing is half-written.
    const quality = await resolveQualityConfig(options);
    // Loaded once the arguments are known good: a command loads only what it uses (see withRuntime).
    const [{ findStale }, { reprocess }, { lineageFromEnvironment }, { terminalProgress }] = await Promise.all([
      import('../../staleness/index.js'),
      import('../../reprocess/index.js'),
      import('../../lineage/index.js'),
      import('../progress.js'),
    ]);
    const interruption = listenForInterruption('reprocess');
    const summary = await withRuntime(options, async ({ lake, warehouse, store }) => {
      // --stale: the stale results under this version as the current one, by ticker and as-of date.
      let onlyAsOf: Map<string, Set<string>> | undefined;
      if (options.stale) {
        onlyAsOf = new Map();
        const stale = await findStale({
          warehouse,
          lake,
          computationVersion: options.computationVersion,
          ...(tickers ? { tickers } : {}),
        });
        for (const result of stale) {
          if (!onlyAsOf.has(result.ticker)) onlyAsOf.set(result.ticker, new Set());
          onlyAsOf.get(result.ticker)!.add(result.as_of);
        }
      }
      const progress = terminalProgress();
      try {
        return await reprocess({
          ...(onlyAsOf ? { onlyAsOf } : {}),
          lake,
          warehouse,
          computationVersion: options.computationVersion,
          ...(tickers ? { tickers } : {}),
          ...(options.from ? { from: options.from } : {}),
          ...(options.to ? { to: options.to } : {}),
          backfill: options.backfill ?? false,
          concurrency: options.concurrency,
          lineage: lineageFromEnvironment(store),
          onStart: (scope) => progress.start(scope.length, 'reprocess'),
          onTickerDone: (outcome) => progress.tick(`${outcome.ticker} ${outcome.status}`),
          stop: interruption.signal,
          quality,
        });
      } finally {
        progress.stop();
      }
    }).finally(() => interruption.dispose());
    if (options.json) printJson(summary);
    else printReprocessReport(summary);
    process.exitCode =
      summary.status === 'interrupted'
        ? reportInterrupted('reprocess', summary, summary.tickers.length)
        : summary.status === 'ok' && (summary.quality?.errors ?? 0) === 0
          ? EXIT_OK
          : EXIT_FAILURE;
  });

  withRuntimeOptions(
    program
      .command('diff')
      .description('compare the results of two computation versions computed from the same raw snapshots')
      .requiredOption('--from <version>', 'the computation version compared from, e.g. 1.0', parseComputationVersion)
      .requiredOption('--to <version>', 'the computation version compared to, e.g. 2.0', parseComputationVersion)
      .option(
        '--tickers <list>',
        'comma-separated tickers (default: every ticker with results under either version)',
        parseTickerList,
      )
      .option('--date <date>', 'only results as of this date (YYYY-MM-DD)', parseDate)
      .option('--all', 'list unchanged fields in the table too')
      .option('--json', 'print the whole report as one JSON object'),
  ).action(async (options: DiffCommandOptions) => {
    const tickers = options.tickers;
    const { diffVersions } = await import('../../diff/index.js');
    const report = await withRuntime(
      options,
      ({ lake, warehouse }) =>
        diffVersions({
          lake,
          warehouse,
          from: options.from,
          to: options.to,
          ...(tickers ? { tickers } : {}),
          ...(options.date ? { date: options.date } : {}),
        }),
      READ_ONLY,
    ).catch(async (error: unknown) => {
      // A home that `serve --schedule` holds: its API answers, with this command's own `--json`.
      const { readThroughServer, servedAtOf } = await import('../served-home.js');
      const url = servedAtOf(error);
      if (url === undefined) throw error;
      const query = new URLSearchParams({ from: options.from, to: options.to });
      if (tickers) query.set('tickers', tickers.join(','));
      if (options.date) query.set('date', options.date);
      return readThroughServer<Awaited<ReturnType<typeof diffVersions>>>(url, `/v1/diff?${query}`);
    });
    if (options.json) printJson(report);
    else process.stdout.write(formatDiffReport(report, options.all ?? false) + '\n');
  });
}

function printReprocessReport(summary: ReprocessSummary): void {
  const lines = [
    `reprocess ${summary.run_id}: ${summary.status} in ${(summary.duration_ms / 1000).toFixed(1)} s (computation version ${summary.computation_version}${summary.backfill ? ', backfill' : ''})`,
    `  tickers: ${summary.tickers.length - summary.failed.length} ok, ${summary.failed.length} failed; ${summary.snapshots_read} raw snapshots read, ${summary.dates_computed} as-of dates computed`,
    `  lake: ${summary.objects_written} objects written, ${summary.skipped_identical} identical ones already there (not written again)`,
  ];
  for (const failure of summary.failed) lines.push(`  FAILED ${failure.ticker}: ${failure.reason}`);
  lines.push(...qualityLines(summary.quality));
  if (summary.outbox_pending > 0) {
    lines.push(
      `  ${summary.outbox_pending} lake writes pending in the outbox: the database is complete; run \`marketlake lake retry\` when the lake is back`,
    );
    for (const error of summary.lake_errors.slice(0, 5)) lines.push(`    ${error}`);
  }
  for (const error of summary.lineage_errors) lines.push(`  lineage: ${error}`);
  process.stdout.write(escapeControls(lines.join('\n')) + '\n');
}

/** The quality checks' part of the reprocess report: what was judged, and each snapshot blocked with its checks. */
function qualityLines(quality: ReprocessSummary['quality']): string[] {
  if (quality === null) return ['  quality: not checked (--no-quality)'];
  const lines = [
    `  quality (${quality.policy}): ${quality.snapshots_judged} raw snapshots judged, ${quality.errors} error and ${quality.warnings} warning findings`,
  ];
  for (const blocked of quality.blocked) {
    lines.push(
      `  BLOCKED ${blocked.ticker} ${blocked.raw_key}: ${blocked.checks.join(', ')} (nothing computed from it)`,
    );
  }
  const shown = quality.failures.slice(0, LISTED_FAILURES);
  for (const failure of shown) {
    lines.push(`    ${failure.severity} ${failure.ticker} ${failure.check}: ${failure.details}`);
  }
  if (quality.failures.length > shown.length) {
    lines.push(`    ... and ${quality.failures.length - shown.length} more findings (--json lists them all)`);
  }
  if (quality.blocked.length > 0) {
    lines.push(
      '  a real move? add an override for the ticker to the quality config (--quality-config) and reprocess it',
    );
  }
  return lines;
}

/** The failed verdicts the readable report lists; --json has them all. */
const LISTED_FAILURES = 20;

/** The readable diff: one row per changed field (every field with `all`), worst cases named. */
export function formatDiffReport(report: DiffReport, all: boolean): string {
  const pairs = `${report.pairs.indicators} indicators, ${report.pairs.percentiles} percentiles, ${report.pairs.features} features`;
  const lines = [
    `diff ${report.from} -> ${report.to}${report.date ? ` as of ${report.date}` : ''}: ${report.tickers.length} tickers; pairs from the same raw snapshots: ${pairs}`,
  ];
  const unpaired = Object.entries(report.unpaired).filter(([, n]) => n.from + n.to > 0);
  if (unpaired.length > 0) {
    lines.push(
      `  without a counterpart from the same raw snapshot: ${unpaired.map(([kind, n]) => `${kind} ${n.from} (${report.from}) / ${n.to} (${report.to})`).join(', ')}; run reprocess to pair them`,
    );
  }
  const shown = report.fields.filter((field) => all || field.changed > 0);
  if (shown.length > 0) {
    lines.push(
      '',
      formatTable([['field', 'compared', 'changed', 'max abs diff', 'max rel diff', 'worst'], ...shown.map(fieldRow)]),
    );
  }
  const unchanged = report.fields.filter((field) => field.changed === 0).length;
  lines.push('', `${report.fields.length - unchanged} of ${report.fields.length} fields changed (${report.tolerance})`);
  return lines.join('\n');
}

function fieldRow(field: KindDiff): string[] {
  const worst = field.worst.map(
    (w) =>
      `${w.ticker} ${w.as_of}${w.rel_diff === null ? ` (${w.from === null ? 'null' : formatNumber(w.from)} -> ${w.to === null ? 'null' : formatNumber(w.to)})` : ''}`,
  );
  return [
    field.field,
    String(field.compared),
    String(field.changed),
    formatNumber(field.max_abs_diff),
    formatNumber(field.max_rel_diff),
    worst.join(', '),
  ];
}
