import type { Command } from 'commander';
import { toSeries } from '../../market/bars.js';
import { readBarsCsv } from '../../market/csv.js';
import { computeFeatures } from '../../compute/features.js';
import { DEFAULT_COMPUTATION_VERSION, INDICATOR_FIELDS, type ComputationVersion } from '../../compute/fields.js';
import { computeIndicators, indicatorRows } from '../../compute/indicators.js';
import { computePercentiles, PERCENTILE_METRICS } from '../../compute/percentiles.js';
import { formatNumber, printJson, printTable } from '../output.js';
import { COMPUTATION_VERSION_HELP, parseComputationVersion, parsePath } from '../options.js';

/** Rows of the readable (non-JSON) indicator table. */
const TABLE_ROWS = 5;

interface ComputeOptions {
  csv: string;
  computationVersion: ComputationVersion;
  json?: boolean;
}

/** `indicators`, `percentiles`, `features`: the compute engine on one CSV file, no lake or database involved. */
export function registerComputeCommands(program: Command): void {
  program
    .command('indicators')
    .description('compute every indicator field for each row of a CSV of daily bars')
    .requiredOption('--csv <file>', 'CSV with a header row Date,Open,High,Low,Close,Volume (any order; Adj Close kept)', parsePath)
    .option(
      '--computation-version <version>',
      'computation version: 1.0 (legacy pandas) or 2.0 (TA-Lib)',
      parseComputationVersion,
      DEFAULT_COMPUTATION_VERSION,
    )
    .option('--json', 'print one JSON array, one object per input row, undefined values as null')
    .action(async (options: ComputeOptions) => {
      const version = options.computationVersion;
      const series = toSeries(await readBarsCsv(options.csv));
      const columns = computeIndicators(series, version);
      const rows = indicatorRows(series, columns);
      if (options.json) return printJson(rows);
      const last = rows.slice(-TABLE_ROWS);
      printTable([
        ['field', ...last.map((row) => String(row.date))],
        ...INDICATOR_FIELDS.map((field) => [field, ...last.map((row) => formatNumber(row[field] as number | null))]),
      ]);
      process.stdout.write(`(${rows.length} rows, computation version ${version}; last ${last.length} shown, --json for all)\n`);
    });

  program
    .command('percentiles')
    .description('compute the percentile block as of the last row of a CSV of daily bars')
    .requiredOption('--csv <file>', 'CSV of daily bars', parsePath)
    .option('--computation-version <version>', COMPUTATION_VERSION_HELP, parseComputationVersion, DEFAULT_COMPUTATION_VERSION)
    .option('--json', 'print one JSON object')
    .action(async (options: ComputeOptions) => {
      const version = options.computationVersion;
      const series = toSeries(await readBarsCsv(options.csv));
      const values = computePercentiles(series, computeIndicators(series, version));
      const asOf = series.dates[series.dates.length - 1];
      if (options.json) return printJson({ as_of: asOf, computation_version: version, values });
      printTable([
        ['metric', 'current', 'percentile', 'mean', 'std', 'min', 'max', 'count'],
        ...PERCENTILE_METRICS.map((metric) => {
          const s = values[metric];
          return [metric, ...[s.current_value, s.percentile, s.mean, s.std, s.min, s.max].map(formatNumber), String(s.count)];
        }),
      ]);
      process.stdout.write(
        `current_price_percentile: ${formatNumber(values.current_price_percentile)}\n(as of ${asOf}, computation version ${version})\n`,
      );
    });

  program
    .command('features')
    .description('compute comparative features (returns, volatility, Sharpe, drawdown) as of the last row')
    .requiredOption('--csv <file>', 'CSV of daily bars', parsePath)
    .option('--computation-version <version>', COMPUTATION_VERSION_HELP, parseComputationVersion, DEFAULT_COMPUTATION_VERSION)
    .option('--json', 'print one JSON object')
    .action(async (options: ComputeOptions) => {
      const version = options.computationVersion;
      const series = toSeries(await readBarsCsv(options.csv));
      const values = computeFeatures(series);
      const asOf = series.dates[series.dates.length - 1];
      if (options.json) return printJson({ as_of: asOf, computation_version: version, values });
      printTable([
        ['feature', 'value'],
        ...Object.entries(values).map(([name, value]) => [name, formatNumber(value as number | null)]),
      ]);
      process.stdout.write(`(as of ${asOf})\n`);
    });
}
