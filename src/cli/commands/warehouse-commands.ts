import type { Command } from 'commander';
import { rebuildProblems, type WarehouseRebuildReport } from '../../rebuild/warehouse/report.js';
import type { ConfigFlags } from '../../config.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { printJson } from '../output.js';
import { withRuntime, withRuntimeOptions } from '../runtime-options.js';

/** `warehouse rebuild`: the database the reports read, from the lake alone. */
export function registerWarehouseCommands(program: Command): void {
  const warehouse = program.command('warehouse').description('the database the reports read');
  withRuntimeOptions(
    warehouse
      .command('rebuild')
      .description(
        'rebuild every table the reports read from the lake alone: the catalog (as `catalog rebuild` does), ' +
          'daily_prices from the raw snapshots, the indicator, percentile and feature rows from the processed objects, ' +
          'the restatements; idempotent, works on an empty database',
      )
      .option('--json', 'print {catalog, prices, results, restatements, failed}'),
  ).action(async (options: ConfigFlags & { json?: boolean }) => {
    // Loaded here: a command loads only what it uses (see withRuntime).
    const [{ rebuildWarehouse }, { terminalProgress }] = await Promise.all([
      import('../../rebuild/warehouse/rebuild-warehouse.js'),
      import('../progress.js'),
    ]);
    const report = await withRuntime(options, ({ store, warehouse: database }) =>
      rebuildWarehouse({ store, warehouse: database, progress: terminalProgress() }),
    );
    if (options.json) printJson(report);
    else printWarehouseRebuildReport(report);
    process.exitCode = rebuildProblems(report) === 0 ? EXIT_OK : EXIT_FAILURE;
  });
}

function printWarehouseRebuildReport(report: WarehouseRebuildReport): void {
  const { catalog, prices, results, restatements, quality } = report;
  const lines = [
    `warehouse rebuild: catalog ${catalog.inserted} rows inserted, ${catalog.already_present} already present ` +
      `(${catalog.listed} objects listed); daily_prices ${prices.rows} rows from ${prices.snapshots_read} raw snapshots; ` +
      `results ${results.rows} rows from ${results.read} of ${results.objects} processed objects (the newest of each row); ` +
      `restatements ${restatements.inserted} inserted, ${restatements.already_present} already present; ` +
      `quality ${quality.runs_restored} runs restored, ${quality.runs_present} already present ` +
      `(${prices.snapshots_blocked} blocked raw snapshots left out of daily_prices); ` +
      `${rebuildProblems(report)} problems`,
  ];
  for (const conflict of catalog.conflicting) {
    lines.push(
      `  CONFLICT ${conflict.key}: the catalog differs in ${conflict.columns.join(', ')} (left as it is; \`marketlake verify\` shows both values)`,
    );
  }
  for (const failure of [...catalog.failed, ...report.failed])
    lines.push(`  FAILED   ${failure.key}: ${failure.reason}`);
  process.stdout.write(lines.join('\n') + '\n');
}
