import type { Command } from 'commander';
import type { ConfigFlags } from '../../config.js';
import type { StaleReason, StaleResult } from '../../staleness/index.js';
import { currentComputationVersion } from '../../staleness/versions.js';
import { formatTable, printJson } from '../output.js';
import { READ_ONLY, withRuntime, withRuntimeOptions } from '../runtime-options.js';
import { parseTickerList } from '../tickers.js';

interface StaleOptions extends ConfigFlags {
  computationVersion?: string;
  /** From the repeatable `--ticker` (commander names the property after the flag). */
  ticker?: string[];
  json?: boolean;
}

function collectTicker(value: string, previous: string[] = []): string[] {
  return [...new Set([...previous, ...parseTickerList(value)])];
}

/** `marketlake stale`: the latest results a recomputation would change, and why (src/staleness). */
export function registerStaleCommands(program: Command): void {
  withRuntimeOptions(
    program
      .command('stale')
      .description(
        'list the latest results that are stale: an older computation version, or restated bars in their window',
      )
      .option(
        '--computation-version <version>',
        'the current computation version (env MARKETLAKE_COMPUTATION_VERSION; default 1.0)',
      )
      .option('--ticker <list>', 'only these tickers (comma-separated, repeatable)', collectTicker)
      .option(
        '--json',
        'print an array of {key, ticker, kind, as_of, computation_version, source_raw_key, reasons, ...}',
      ),
  ).action(async (options: StaleOptions) => {
    // Validated before the runtime opens: a typo should not wait for the database.
    const computationVersion = currentComputationVersion(options.computationVersion);
    const { findStale } = await import('../../staleness/index.js');
    const stale = await withRuntime(
      options,
      ({ lake, warehouse }) =>
        findStale({
          warehouse,
          lake,
          computationVersion,
          ...(options.ticker ? { tickers: options.ticker } : {}),
        }),
      READ_ONLY,
    ).catch(async (error: unknown) => {
      // A home that `serve --schedule` holds: its API answers, with this command's own `--json`.
      const { readThroughServer, servedAtOf } = await import('../served-home.js');
      const url = servedAtOf(error);
      if (url === undefined) throw error;
      const query = new URLSearchParams({ computation_version: computationVersion });
      if (options.ticker) query.set('ticker', options.ticker.join(','));
      return readThroughServer<StaleResult[]>(url, `/v1/stale?${query}`);
    });
    if (options.json) printJson(stale);
    else printStaleReport(stale, computationVersion);
  });
}

function printStaleReport(stale: readonly StaleResult[], computationVersion: string): void {
  if (stale.length === 0) {
    process.stdout.write(`no stale results (current computation version ${computationVersion})\n`);
    return;
  }
  process.stdout.write(
    formatTable([
      ['ticker', 'kind', 'as_of', 'version', 'why', 'key'],
      ...stale.map((result) => [
        result.ticker,
        result.kind,
        result.as_of,
        result.computation_version,
        result.reasons.map(describeReason).join('; '),
        result.key,
      ]),
    ]) + `\n(${stale.length} stale results; current computation version ${computationVersion})\n`,
  );
}

function describeReason(reason: StaleReason): string {
  if (reason.type === 'computation_version') return `computed under ${reason.recorded}, current ${reason.current}`;
  const dates =
    reason.dates.length <= 3
      ? reason.dates.join(',')
      : `${reason.dates[0]}..${reason.dates[reason.dates.length - 1]} (${reason.dates.length} bars)`;
  const unsure = reason.window_error ? ' [window unknown]' : '';
  return `restated ${reason.fields.join('/')} on ${dates} in ${reason.raw_key}${unsure}`;
}
