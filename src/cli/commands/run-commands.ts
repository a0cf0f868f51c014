import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_COMPUTATION_VERSION, type ComputationVersion } from '../../compute/fields.js';
import type { ConfigFlags } from '../../config.js';
import { InputError, messageOf, UsageError } from '../../errors.js';
import { isValidTicker, normalizeTicker } from '../../market/ticker.js';
import { dateRange, runDaily, type RunSummary } from '../../pipeline/daily-run.js';
import { lineageFromEnvironment } from '../../lineage/index.js';
import { drainOutbox } from '../../pipeline/outbox-drain.js';
import { writePendingRestatements } from '../../staleness/detect.js';
import { listRestatements } from '../../staleness/restatement-store.js';
import { createSource, isSourceKind, SAMPLE_TICKERS, SOURCE_KINDS, type SourceKind } from '../../sources/index.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { parseComputationVersion, parseRange } from '../options.js';
import { escapeControls, quote } from '../../quote.js';
import { printJson } from '../output.js';
import { parseTickerList } from '../tickers.js';
import { terminalProgress } from '../progress.js';
import { withRuntime, withRuntimeOptions } from '../runtime-options.js';

interface RunOptions extends ConfigFlags {
  tickers?: string[];
  universe?: string;
  source: string;
  csvDir?: string;
  computationVersion: ComputationVersion;
  concurrency: number;
  range: string;
  json?: boolean;
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('must be a whole number from 1 to 64');
  return n;
}

function parseSource(value: string): SourceKind {
  if (!isSourceKind(value)) throw new InvalidArgumentError(`unknown source ${quote(value)} (one of ${SOURCE_KINDS.join(', ')})`);
  return value;
}

/**
 * A universe file: one ticker per line; blank lines and `#` comments ignored; commas also separate. The file is
 * data: a line that is no valid ticker fails alone in the run, with its reason. A file that is not text at all
 * (a NUL byte, bytes that are not UTF-8) is refused whole: it is the wrong file, not a list with a bad line.
 */
export async function readUniverse(path: string): Promise<string[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new InputError(path, undefined, `cannot read the universe file: ${messageOf(error)}`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new InputError(path, lineOf(bytes, nul), 'a NUL byte: this is not a text file of tickers');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(path, undefined, 'not UTF-8 text: this is not a text file of tickers');
  }
  const tickers = text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(','))
    .map((t) => t.trim())
    .filter((t) => t !== '')
    // `nvda` and `NVDA` are one instrument, fetched once; an invalid line stays as written, to fail alone.
    .map((t) => (isValidTicker(t) ? normalizeTicker(t) : t));
  if (tickers.length === 0) throw new InputError(path, undefined, 'the universe file lists no tickers');
  return [...new Set(tickers)];
}

function lineOf(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i >= 0 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

export function registerRunCommands(program: Command): void {
  withRuntimeOptions(
    program
      .command('run')
      .description('the daily job: fetch, store raw snapshots, compute, write the database and the lake')
      .option('--tickers <list>', 'comma-separated tickers (default: the sample universe)', parseTickerList)
      .option('--universe <file>', 'a file with one ticker per line')
      .option('--source <name>', `where bars come from: ${SOURCE_KINDS.join(', ')}`, parseSource, 'sample')
      .option('--csv-dir <dir>', 'folder of TICKER.csv files (with --source csv)')
      .option('--computation-version <version>', 'computation version: 1.0 or 2.0', parseComputationVersion, DEFAULT_COMPUTATION_VERSION)
      .option('--concurrency <n>', 'tickers processed at once', parseConcurrency, 4)
      .option('--range <range>', 'history to fetch, e.g. 2y, 18m, 400d', parseRange, '2y')
      .option('--json', 'print a summary object on stdout'),
  ).action(async (options: RunOptions) => {
    if (options.tickers && options.universe) throw new UsageError('give --tickers or --universe, not both');
    const tickers = options.tickers
      ? options.tickers
      : options.universe
        ? await readUniverse(options.universe)
        : [...SAMPLE_TICKERS];
    if (options.source === 'csv' && !options.csvDir) throw new UsageError('--source csv needs --csv-dir DIR');
    const source =
      options.source === 'csv'
        ? createSource('csv', { dir: options.csvDir! })
        : createSource(options.source as 'yahoo' | 'sample');
    const { start, end } = dateRange(new Date(), options.range);

    const summary = await withRuntime(options, async ({ lake, warehouse, config, store }) => {
      const progress = terminalProgress();
      progress.start(tickers.length, 'run');
      try {
        const result = await runDaily({
          tickers,
          source,
          lake,
          warehouse,
          computationVersion: options.computationVersion,
          start,
          end,
          concurrency: options.concurrency,
          lineage: lineageFromEnvironment(store),
          onTickerDone: (outcome) => progress.tick(`${outcome.ticker} ${outcome.status}`),
        });
        progress.stop();
        if (!options.json) printRunReport(result, config.lake.kind === 'file' ? config.lake.path : lake.store.description, warehouse.location);
        return result;
      } finally {
        progress.stop();
      }
    }, { tolerateUnreachableLake: true });
    if (options.json) printJson(summary);
    process.exitCode = summary.status === 'ok' ? EXIT_OK : EXIT_FAILURE;
  });

  const lake = program.command('lake').description('maintenance of the lake');
  withRuntimeOptions(
    lake
      .command('retry')
      .description('write every pending outbox entry to the lake (every run does this first)')
      .option('--json', 'print {written, failed, waiting, pending}'),
  ).action(async (options: ConfigFlags & { json?: boolean }) => {
    const result = await withRuntime(options, async ({ lake: dataLake, warehouse }) => {
      const report = await drainOutbox(dataLake, warehouse);
      const restatements = await writePendingRestatements(dataLake.store, warehouse);
      const pendingRestatements = (await listRestatements(warehouse.db, { lakePending: true })).length;
      for (const error of restatements.lakeErrors) report.failed.push({ key: 'restatement', error });
      return { report, pending: (await warehouse.repository.countPendingOutbox()) + pendingRestatements };
    }, { tolerateUnreachableLake: true });
    const { report, pending } = result;
    if (options.json) {
      printJson({ written: report.written.length, failed: report.failed, waiting: report.waiting, pending });
    } else {
      process.stdout.write(`outbox: ${report.written.length} written, ${report.failed.length} failed, ${pending} still pending\n`);
      for (const failure of report.failed) process.stderr.write(`  ${failure.key}: ${failure.error}\n`);
    }
    process.exitCode = pending === 0 ? EXIT_OK : EXIT_FAILURE;
  });
}

function printRunReport(summary: RunSummary, lakeLocation: string, databaseLocation: string): void {
  const lines = [
    `run ${summary.run_id}: ${summary.status} in ${(summary.duration_ms / 1000).toFixed(1)} s (computation version ${summary.computation_version}, source ${summary.source})`,
    `  tickers: ${summary.tickers_ok.length} ok, ${summary.tickers_failed.length} failed`,
    `  lake:     ${lakeLocation} (${summary.objects_written} objects written${summary.outbox_retried ? `, ${summary.outbox_retried} from earlier runs` : ''})`,
    `  database: ${databaseLocation}`,
  ];
  for (const failure of summary.tickers_failed) lines.push(`  FAILED ${failure.ticker}: ${failure.reason}`);
  if (summary.outbox_pending > 0) {
    lines.push(`  ${summary.outbox_pending} lake writes pending in the outbox: the database is complete; run \`marketlake lake retry\` when the lake is back`);
    for (const error of summary.lake_errors.slice(0, 5)) lines.push(`    ${error}`);
  }
  // Tickers from a universe file are shown as given, and a bad line may hold anything.
  process.stdout.write(escapeControls(lines.join('\n')) + '\n');
}
