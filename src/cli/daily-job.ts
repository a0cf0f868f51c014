/**
 * The daily job's options, read once and shared by the two commands that run it: `marketlake run` (one run, now)
 * and `marketlake serve --schedule` (runs on a schedule and on `POST /v1/runs`, in the server's process). Both take
 * the same flags with the same defaults, so a scheduled run is the run the user would have typed.
 */
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import type { AlertsConfig } from '../alerts/config.js';
import { DEFAULT_COMPUTATION_VERSION, type ComputationVersion } from '../compute/fields.js';
import type { ConfigFlags } from '../config.js';
import { InputError, messageOf, UsageError } from '../errors.js';
import { isValidTicker, normalizeTicker } from '../market/ticker.js';
import type { DailyRunOptions } from '../pipeline/daily-run.js';
import type { QualityConfig } from '../quality/config.js';
import { quote } from '../quote.js';
import { isSourceKind, SOURCE_KINDS, type SourceKind } from '../sources/kinds.js';
import type { MarketDataSource } from '../sources/source.js';
import { COMPUTATION_VERSION_HELP, parseComputationVersion, parsePath, parseRange } from './options.js';
import { type QualityFlags, resolveQualityConfig, withQualityOptions } from './quality-options.js';
import { parseTickerList } from './tickers.js';

export interface DailyJobFlags extends ConfigFlags, QualityFlags {
  tickers?: string[];
  universe?: string;
  source: string;
  csvDir?: string;
  computationVersion: ComputationVersion;
  concurrency: number;
  /** False with --no-tables. */
  tables: boolean;
  range: string;
}

/** What a run is given, read from the flags before anything is opened (a bad flag or file writes nothing). */
export interface DailyJob {
  /** The tickers given (--tickers, --universe or the sample universe), before any shard is taken. */
  universe: string[];
  source: MarketDataSource;
  computationVersion: ComputationVersion;
  range: string;
  concurrency: number;
  tables: boolean;
  quality: QualityConfig | false;
  alerts?: AlertsConfig;
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('must be a whole number from 1 to 64');
  return n;
}

function parseSource(value: string): SourceKind {
  if (!isSourceKind(value))
    throw new InvalidArgumentError(`unknown source ${quote(value)} (one of ${SOURCE_KINDS.join(', ')})`);
  return value;
}

/** The job's flags (the caller adds the lake and database ones). */
export function withDailyJobOptions(command: Command): Command {
  return withQualityOptions(
    command
      .option('--tickers <list>', 'comma-separated tickers (default: the sample universe)', parseTickerList)
      .option('--universe <file>', 'a file with one ticker per line', parsePath)
      .option('--source <name>', `where bars come from: ${SOURCE_KINDS.join(', ')}`, parseSource, 'sample')
      .option('--csv-dir <dir>', 'folder of TICKER.csv files (with --source csv)', parsePath)
      .option(
        '--computation-version <version>',
        COMPUTATION_VERSION_HELP,
        parseComputationVersion,
        DEFAULT_COMPUTATION_VERSION,
      )
      .option('--concurrency <n>', 'tickers processed at once', parseConcurrency, 4)
      .option('--range <range>', 'history to fetch, e.g. 2y, 18m, 400d', parseRange, '2y')
      .option('--no-tables', "do not write the lake's Parquet tables (`tables rebuild` makes them later)"),
    { optional: true },
  );
}

/** Reads the universe file, the source and the quality configuration: every refusal happens here, before a run. */
export async function prepareDailyJob(flags: DailyJobFlags): Promise<DailyJob> {
  if (flags.tickers && flags.universe) throw new UsageError('give --tickers or --universe, not both');
  if (flags.source === 'csv' && !flags.csvDir) throw new UsageError('--source csv needs --csv-dir DIR');
  const universe = flags.tickers
    ? flags.tickers
    : flags.universe
      ? await readUniverse(flags.universe)
      : [...(await import('../sources/sample/sample-universe.js')).SAMPLE_TICKERS];
  const { createSource } = await import('../sources/index.js');
  const source =
    flags.source === 'csv'
      ? createSource('csv', { dir: flags.csvDir! })
      : createSource(flags.source as 'yahoo' | 'sample');
  // Read before anything is opened: a bad config file is the user's to fix, and nothing is half-written.
  const quality = await resolveQualityConfig(flags);
  const { resolveAlertsConfig } = await import('../alerts/config.js');
  const alerts = quality === false ? undefined : resolveAlertsConfig(quality.alerts);
  return {
    universe,
    source,
    computationVersion: flags.computationVersion,
    range: flags.range,
    concurrency: flags.concurrency,
    tables: flags.tables,
    quality,
    ...(alerts ? { alerts } : {}),
  };
}

/** The settings of one run of the job at `now` (the date range ends on its day), without the lake and database. */
export async function runSettingsOf(
  job: DailyJob,
  tickers: readonly string[],
  now: Date,
): Promise<Omit<DailyRunOptions, 'lake' | 'warehouse'>> {
  const { dateRange } = await import('../pipeline/daily-run.js');
  const { start, end } = dateRange(now, job.range);
  return {
    tickers,
    source: job.source,
    computationVersion: job.computationVersion,
    start,
    end,
    concurrency: job.concurrency,
    tables: job.tables,
    quality: job.quality,
    ...(job.alerts ? { alerts: job.alerts } : {}),
  };
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
