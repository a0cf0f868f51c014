import type { Command } from 'commander';
import { DEFAULT_COMPUTATION_VERSION, INDICATOR_FIELDS, type ComputationVersion } from '../../compute/fields.js';
import type { BarSeries } from '../../market/bars.js';
import { formatNumber, printJson, printTable } from '../output.js';
import { COMPUTATION_VERSION_HELP, parseComputationVersion, parsePath } from '../options.js';

/** Rows of the readable (non-JSON) indicator table. */
const TABLE_ROWS = 5;

interface ComputeOptions {
  csv: string;
  computationVersion: ComputationVersion;
  json?: boolean;
}

/** The bars of a CSV file; the CSV reader loads only for the commands that read one. */
async function readSeries(csv: string): Promise<BarSeries> {
  const [{ toSeries }, { readBarsCsv }] = await Promise.all([
    import('../../market/bars.js'),
    import('../../market/csv.js'),
  ]);
  return toSeries(await readBarsCsv(csv));
}

/** A compute command on one CSV file: its `--csv`, `--computation-version` and `--json` options. */
function csvCommand(
  program: Command,
  name: string,
  description: string,
  help: { csv?: string; json?: string } = {},
): Command {
  return program
    .command(name)
    .description(description)
    .requiredOption('--csv <file>', help.csv ?? 'CSV of daily bars', parsePath)
    .option(
      '--computation-version <version>',
      COMPUTATION_VERSION_HELP,
      parseComputationVersion,
      DEFAULT_COMPUTATION_VERSION,
    )
    .option('--json', help.json ?? 'print one JSON object');
}

/** `indicators`, `percentiles`, `features`: the compute engine on one CSV file, no lake or database involved. */
export function registerComputeCommands(program: Command): void {
  csvCommand(program, 'indicators', 'compute every indicator field for each row of a CSV of daily bars', {
    csv: 'CSV with a header row Date,Open,High,Low,Close,Volume (any order; Adj Close kept)',
    json: 'print one JSON array, one object per input row, undefined values as null',
  }).action(async (options: ComputeOptions) => {
    const version = options.computationVersion;
    const { computeIndicators, indicatorRows } = await import('../../compute/indicators.js');
    const series = await readSeries(options.csv);
    const columns = computeIndicators(series, version);
    const rows = indicatorRows(series, columns);
    if (options.json) return printJson(rows);
    const last = rows.slice(-TABLE_ROWS);
    printTable([
      ['field', ...last.map((row) => String(row.date))],
      ...INDICATOR_FIELDS.map((field) => [field, ...last.map((row) => formatNumber(row[field] as number | null))]),
    ]);
    process.stdout.write(
      `(${rows.length} rows, computation version ${version}; last ${last.length} shown, --json for all)\n`,
    );
  });

  csvCommand(program, 'percentiles', 'compute the percentile block as of the last row of a CSV of daily bars').action(
    async (options: ComputeOptions) => {
      const version = options.computationVersion;
      const [{ computeIndicators }, { computePercentiles, PERCENTILE_METRICS }] = await Promise.all([
        import('../../compute/indicators.js'),
        import('../../compute/percentiles.js'),
      ]);
      const series = await readSeries(options.csv);
      const values = computePercentiles(series, computeIndicators(series, version));
      const asOf = series.dates[series.dates.length - 1];
      if (options.json) return printJson({ as_of: asOf, computation_version: version, values });
      printTable([
        ['metric', 'current', 'percentile', 'mean', 'std', 'min', 'max', 'count'],
        ...PERCENTILE_METRICS.map((metric) => {
          const s = values[metric];
          return [
            metric,
            ...[s.current_value, s.percentile, s.mean, s.std, s.min, s.max].map(formatNumber),
            String(s.count),
          ];
        }),
      ]);
      process.stdout.write(
        `current_price_percentile: ${formatNumber(values.current_price_percentile)}\n(as of ${asOf}, computation version ${version})\n`,
      );
    },
  );

  csvCommand(
    program,
    'features',
    'compute comparative features (returns, volatility, Sharpe, drawdown) as of the last row',
  ).action(async (options: ComputeOptions) => {
    const version = options.computationVersion;
    const { computeFeatures } = await import('../../compute/features.js');
    const series = await readSeries(options.csv);
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
