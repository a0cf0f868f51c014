import type { Command } from 'commander';
import type { ConfigFlags } from '../../config.js';
import type { RunSummary } from '../../pipeline/daily-run.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { escapeControls } from '../../quote.js';
import { printJson } from '../output.js';
import { withRuntime, withRuntimeOptions } from '../runtime-options.js';
import { commandClock } from '../clock.js';
import { resolveShard, SHARD_INDEX_VARIABLES, type ShardFlags } from '../shard-options.js';
import { tickersOfShard } from '../../market/shard.js';
import { listenForInterruption, reportInterrupted } from '../interruption.js';
import { type DailyJobFlags, prepareDailyJob, runSettingsOf, withDailyJobOptions } from '../daily-job.js';

interface RunOptions extends DailyJobFlags, ShardFlags {
  json?: boolean;
}

export function registerRunCommands(program: Command): void {
  withRuntimeOptions(
    withDailyJobOptions(
      program
        .command('run')
        .description('the daily job: fetch, store raw snapshots, compute, write the database and the lake'),
    )
      .option('--shard <I/N>', 'run shard I of N of the universe (by a stable hash of each ticker; I from 0)')
      .option('--shards <N>', `run one of N shards, the index from ${SHARD_INDEX_VARIABLES.join(' or ')}`)
      .option('--json', 'print a summary object on stdout'),
  ).action(async (options: RunOptions, command: Command) => {
    const shard = resolveShard(options);
    const clock = commandClock();
    const job = await prepareDailyJob(options);
    const tickers = shard ? tickersOfShard(job.universe, shard) : job.universe;
    // The pipeline loads only now that the arguments are known good (see withRuntime).
    const [{ runDaily }, { lineageFromEnvironment }, { terminalProgress }] = await Promise.all([
      import('../../pipeline/daily-run.js'),
      import('../../lineage/index.js'),
      import('../progress.js'),
    ]);
    const settings = await runSettingsOf(job, tickers, clock());

    const interruption = listenForInterruption('run');
    const summary = await withRuntime(
      options,
      async ({ lake, warehouse, config, store }) => {
        const progress = terminalProgress();
        progress.start(tickers.length, 'run');
        try {
          const result = await runDaily({
            ...settings,
            lake,
            warehouse,
            clock,
            ...(shard ? { shard: { ...shard, universe: job.universe.length } } : {}),
            lineage: lineageFromEnvironment(store),
            onTickerDone: (outcome) => progress.tick(`${outcome.ticker} ${outcome.status}`),
            stop: interruption.signal,
          });
          progress.stop();
          if (!options.json)
            process.stdout.write(
              runReport(
                result,
                config.lake.kind === 'file' ? config.lake.path : lake.store.description,
                warehouse.location,
              ),
            );
          return result;
        } finally {
          progress.stop();
        }
      },
      { tolerateUnreachableLake: true },
    )
      .catch(async (error: unknown) => {
        // A home that `serve --schedule` holds: the server runs the job, so it is asked for this run.
        const { servedAtOf } = await import('../served-home.js');
        const servedAt = servedAtOf(error);
        if (servedAt === undefined) throw error;
        interruption.dispose();
        return runServed(options, command, servedAt, options.tickers || options.universe ? tickers : undefined);
      })
      .finally(() => interruption.dispose());
    if (summary === undefined) return;
    if (options.json) printJson(summary);
    process.exitCode =
      summary.status === 'interrupted'
        ? reportInterrupted('run', summary, summary.tickers_ok.length + summary.tickers_failed.length)
        : summary.status === 'ok' && (summary.quality?.errors ?? 0) === 0
          ? EXIT_OK
          : EXIT_FAILURE;
  });

  const lake = program.command('lake').description('maintenance of the lake');
  withRuntimeOptions(
    lake
      .command('retry')
      .description('write every pending outbox entry to the lake (every run does this first)')
      .option('--json', 'print {written, table_rows, table_files_dropped, failed, waiting, pending, in_flight}'),
  ).action(async (options: ConfigFlags & { json?: boolean }) => {
    const [
      { recoverInterruptedRuns },
      { drainOutbox, isSoleWriter },
      { writePendingRestatements },
      { listRestatements },
      { countPendingOutbox },
      { drainPendingTableFiles },
      { countPendingTableFiles },
      { writePendingQualityObjects },
      { countPendingQualityRuns },
    ] = await Promise.all([
      import('../../pipeline/interrupted-runs.js'),
      import('../../pipeline/outbox-drain.js'),
      import('../../staleness/detect.js'),
      import('../../warehouse/restatements.js'),
      import('../../warehouse/outbox.js'),
      import('../../pipeline/table-write.js'),
      import('../../warehouse/table-files.js'),
      import('../../pipeline/quality-run.js'),
      import('../../warehouse/quality.js'),
    ]);
    const result = await withRuntime(
      options,
      async ({ lake: dataLake, warehouse, config }) => {
        // Runs killed mid-way first: their raw snapshots catalogued, their rows aborted (see interrupted-runs.ts).
        const recovered = await recoverInterruptedRuns({ store: dataLake.store, warehouse });
        const report = await drainOutbox(dataLake, warehouse);
        for (const error of recovered.errors) report.failed.push({ key: 'interrupted run', error });
        const restatements = await writePendingRestatements(dataLake.store, warehouse);
        const pendingRestatements = (await listRestatements(warehouse.db, { lakePending: true })).length;
        for (const error of restatements.lakeErrors) report.failed.push({ key: 'restatement', error });
        // The runs' quality objects the lake refused, rendered again from their rows.
        const quality = await writePendingQualityObjects(dataLake.store, warehouse);
        for (const error of quality.lakeErrors) report.failed.push({ key: 'quality', error });
        const pendingQuality = await countPendingQualityRuns(warehouse.db);
        // The Parquet table files the lake refused (their own outbox: src/pipeline/table-write.ts).
        const tables = await drainPendingTableFiles(dataLake.store, warehouse);
        report.failed.push(...tables.failed);
        const pendingTables = await countPendingTableFiles(warehouse.db);
        // On PostgreSQL, entries a live run is writing right now are not pending for this command to report.
        const soleWriter = isSoleWriter(warehouse);
        const pending = await countPendingOutbox(warehouse.db, soleWriter ? undefined : { heldByLiveDrain: false });
        const inFlight = soleWriter ? 0 : await countPendingOutbox(warehouse.db, { heldByLiveDrain: true });
        const written = report.written.length + tables.written.length + quality.written.length;
        // The JSON objects just written have no rows in the lake's tables yet (the runs that made them could not
        // write them): the tables are made of the lake, so a rebuild adds exactly those.
        let tableRows = 0;
        if (report.written.length + restatements.written.length + quality.written.length > 0) {
          const [{ rebuildTables }, { tablesCacheDir }] = await Promise.all([
            import('../../rebuild/tables/rebuild-tables.js'),
            import('./table-commands.js'),
          ]);
          const rebuilt = await rebuildTables({
            store: dataLake.store,
            cacheDir: tablesCacheDir(config, dataLake.store),
          });
          tableRows = Object.values(rebuilt.tables).reduce((n, table) => n + table.rows, 0);
          for (const failure of rebuilt.failed) report.failed.push({ key: failure.key, error: failure.reason });
        }
        return {
          report,
          written,
          tableRows,
          dropped: tables.dropped,
          recovered,
          pending: pending + pendingRestatements + pendingTables + pendingQuality,
          inFlight,
        };
      },
      { tolerateUnreachableLake: true },
    );
    const { report, written, tableRows, dropped, recovered, pending, inFlight } = result;
    if (options.json) {
      printJson({
        written,
        table_rows: tableRows,
        table_files_dropped: dropped,
        failed: report.failed,
        waiting: report.waiting,
        pending,
        in_flight: inFlight,
        runs_aborted: recovered.aborted,
      });
    } else {
      for (const run of recovered.aborted) {
        process.stdout.write(
          `run ${run.run_id} (${run.reason}): marked aborted; ${run.catalogued.length} raw snapshot(s) it left uncatalogued now catalogued\n`,
        );
      }
      const busy = inFlight > 0 ? ` (and ${inFlight} being written by other runs)` : '';
      process.stdout.write(
        `outbox: ${written} written, ${report.failed.length} failed, ${pending} still pending${busy}\n`,
      );
      if (tableRows > 0) process.stdout.write(`tables: ${tableRows} rows of the objects written\n`);
      for (const key of dropped) {
        process.stdout.write(`tables: ${key} dropped (a rebuild wrote rows of the same objects meanwhile)\n`);
      }
      for (const failure of report.failed) process.stderr.write(`  ${failure.key}: ${failure.error}\n`);
    }
    process.exitCode = pending === 0 && recovered.errors.length === 0 ? EXIT_OK : EXIT_FAILURE;
  });
}

/** The run asked of the server holding the home, reported as a run of this command; undefined: stopped following. */
async function runServed(
  options: RunOptions,
  command: Command,
  url: string,
  tickers: readonly string[] | undefined,
): Promise<RunSummary | undefined> {
  const { checkServedRunFlags, FollowingStopped, runThroughServer } = await import('../served-home.js');
  const given = command.options
    .filter((option) => command.getOptionValueSource(option.attributeName()) === 'cli')
    .map((option) => option.long ?? option.flags);
  checkServedRunFlags(given, url);
  try {
    const summary = await runThroughServer(url, tickers);
    if (!options.json) {
      const server = `\`marketlake serve\` at ${url}`;
      process.stdout.write(runReport(summary, `the lake of ${server}`, `held by ${server}`));
    }
    return summary;
  } catch (error) {
    if (error instanceof FollowingStopped) return undefined;
    throw error;
  }
}

/** The text report of a run (without --json). */
export function runReport(summary: RunSummary, lakeLocation: string, databaseLocation: string): string {
  const lines = [
    ...summary.runs_aborted.map(
      (run) =>
        `earlier run ${run.run_id} (${run.reason}): marked aborted; ${run.catalogued.length} raw snapshot(s) it left uncatalogued now catalogued`,
    ),
    `run ${summary.run_id}: ${summary.status} in ${(summary.duration_ms / 1000).toFixed(1)} s (computation version ${summary.computation_version}, source ${summary.source})`,
    `  tickers: ${summary.tickers_ok.length} ok, ${summary.tickers_failed.length} failed`,
    ...(summary.shard
      ? [
          `  shard:    ${summary.shard.index}/${summary.shard.count}, ${summary.shard.tickers} of the universe's ${summary.shard.universe} tickers`,
        ]
      : []),
    `  lake:     ${lakeLocation} (${summary.objects_written} objects written${summary.outbox_retried ? `, ${summary.outbox_retried} from earlier runs` : ''})`,
    `  database: ${databaseLocation}`,
    ...(summary.tables
      ? [
          `  tables:   ${summary.tables.files_written} Parquet files written (${summary.tables.rows} rows)` +
            (summary.tables.files_pending ? `, ${summary.tables.files_pending} pending` : ''),
        ]
      : []),
  ];
  for (const { tickers, reason } of groupFailures(summary.tickers_failed)) {
    lines.push(
      tickers.length === 1
        ? `  FAILED ${tickers[0]}: ${reason}`
        : `  FAILED ${tickers.length} tickers (${listTickers(tickers)}): ${reason}`,
    );
  }
  if (summary.restatements.count > 0) {
    lines.push(
      `  restatements: ${summary.restatements.count} (${listTickers(summary.restatements.tickers)}) restated earlier bars; \`marketlake stale\` lists what they affect`,
    );
  }
  lines.push(...qualityLines(summary));
  if (summary.outbox_pending > 0) {
    lines.push(
      `  ${summary.outbox_pending} lake writes pending in the outbox: the database is complete; run \`marketlake lake retry\` when the lake is back`,
    );
    for (const error of summary.lake_errors.slice(0, 5)) lines.push(`    ${error}`);
  }
  // Tickers from a universe file are shown as given, and a bad line may hold anything.
  return escapeControls(lines.join('\n')) + '\n';
}

/** What the quality checks said, in a few lines: the counts, the blocked and marked tickers, the first failures. */
function qualityLines(summary: RunSummary): string[] {
  const quality = summary.quality;
  if (quality === null) return [];
  const lines = [
    `  quality:  ${quality.tickers_checked} tickers checked: ${quality.errors} error and ${quality.warnings} warning findings (policy ${quality.policy})`,
  ];
  if (quality.blocked.length > 0) {
    lines.push(
      `  BLOCKED ${quality.blocked.length} (${listTickers(quality.blocked)}): raw snapshots kept, no prices or results written`,
    );
  }
  if (quality.marked.length > 0) {
    lines.push(
      `  MARKED  ${quality.marked.length} (${listTickers(quality.marked)}): results written with the failed checks named (tag quality=flagged, column quality_failed)`,
    );
  }
  const shown = quality.failures.slice(0, 10);
  for (const failure of shown) {
    lines.push(`    ${failure.severity.toUpperCase()} ${failure.ticker} ${failure.check}: ${failure.details}`);
  }
  const more = quality.failures.length - shown.length + quality.failures_not_listed;
  if (more > 0)
    lines.push(`    and ${more} more: the run's quality object (${quality.object ?? 'pending'}) lists them all`);
  const alerts = summary.alerts;
  if (alerts && (alerts.queued > 0 || alerts.sent > 0 || alerts.failures.length > 0)) {
    lines.push(
      `  alerts:   ${alerts.queued} queued, ${alerts.sent} sent, ${alerts.pending ?? 'unknown'} pending` +
        (alerts.failures.length > 0 ? ` (\`marketlake alerts retry\` sends them)` : ''),
    );
    for (const failure of alerts.failures.slice(0, 5)) lines.push(`    ${failure}`);
  }
  return lines;
}

/**
 * Tickers that failed for the same reason, together: when the vendor is unreachable, the tickers not tried
 * share one reason, which is then said once.
 */
function groupFailures(failures: RunSummary['tickers_failed']): { tickers: string[]; reason: string }[] {
  const byReason = new Map<string, string[]>();
  for (const { ticker, reason } of failures) byReason.set(reason, [...(byReason.get(reason) ?? []), ticker]);
  return [...byReason].map(([reason, tickers]) => ({ tickers, reason }));
}

function listTickers(tickers: readonly string[]): string {
  return tickers.length <= 10
    ? tickers.join(', ')
    : `${tickers.slice(0, 10).join(', ')} and ${tickers.length - 10} more`;
}
