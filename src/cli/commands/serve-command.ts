/**
 * `marketlake serve`: the read API over HTTP (src/api/). It binds 127.0.0.1 unless told otherwise, and refuses an
 * address other machines can reach unless API tokens are configured (src/api/bind-policy.ts). Without
 * `--schedule` it never holds the embedded home's database, so daily runs go on while it serves (reads that need
 * the database answer 503 during one). With `--schedule CRON` it runs the daily job itself, on the schedule and on
 * `POST /v1/runs`, with the `run` command's flags, and owns the database meanwhile, so that every read answers
 * during a run. SIGINT or SIGTERM stop it (exit 0): no new connection, the requests in flight finish, a run in
 * progress ends interrupted.
 *
 * Hono, zod and the lake's readers load inside the action, never for `--help` or another command.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { type ConfigFlags, resolveConfig } from '../../config.js';
import type { ServedDailyJob } from '../../api/app.js';
import { checkedOrigin } from '../../api/origin.js';
import { UsageError } from '../../errors.js';
import { commandClock } from '../clock.js';
import { type DailyJobFlags, prepareDailyJob, runSettingsOf, withDailyJobOptions } from '../daily-job.js';
import { parsePath } from '../options.js';
import { withLakeOptions } from '../runtime-options.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

interface ServeFlags extends ConfigFlags, DailyJobFlags {
  schedule?: string;
  scheduleTimezone: string;
  host: string;
  port: number;
  tokensFile?: string;
  sql: boolean;
  corsOrigin: string[];
  rateLimit: number;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new InvalidArgumentError('must be a port number, 0 to 65535');
  return port;
}

function parseRateLimit(value: string): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > 1_000_000)
    throw new InvalidArgumentError('must be a number of requests a minute, 1 to 1000000');
  return limit;
}

function collectOrigin(value: string, previous: string[]): string[] {
  try {
    return [...previous, checkedOrigin(value)];
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

function parseHost(value: string): string {
  if (value.trim() === '' || /[\s/]/.test(value)) throw new InvalidArgumentError('must be a host name or an address');
  return value;
}

/** The daily job's flags, which mean something only with --schedule. */
const JOB_FLAGS = [
  'tickers',
  'universe',
  'source',
  'csvDir',
  'computationVersion',
  'concurrency',
  'range',
  'tables',
  'qualityConfig',
  'qualityPolicy',
  'quality',
  'lakeCompression',
  'scheduleTimezone',
] as const;

export function registerServeCommand(program: Command): void {
  const command = withLakeOptions(
    program
      .command('serve')
      .description('serve the read API over HTTP (JSON, CSV, OpenAPI at /openapi.json) while runs go on')
      .option(
        '--host <host>',
        'the address to listen on; another than loopback needs API tokens',
        parseHost,
        DEFAULT_HOST,
      )
      .option('--port <port>', 'the port to listen on (0: any free one)', parsePort, DEFAULT_PORT)
      .option(
        '--tokens-file <file>',
        'API tokens, one a line (default: env MARKETLAKE_API_TOKENS, comma-separated)',
        parsePath,
      )
      .option('--no-sql', 'turn POST /v1/sql off (it answers 403)')
      .option(
        '--cors-origin <origin>',
        'an origin whose web pages may call the API (repeatable; default: none)',
        collectOrigin,
        [] as string[],
      )
      .option(
        '--rate-limit <n>',
        'requests a minute per token (or per client address without tokens)',
        parseRateLimit,
        600,
      )
      .option(
        '--database <url>',
        'postgres://... (env MARKETLAKE_DATABASE_URL; default: embedded PGlite under the home)',
      )
      .option(
        '--schedule <cron>',
        'run the daily job in the server on this cron schedule (5 fields, or 6 with seconds first), and on ' +
          "POST /v1/runs; the server then holds the database. The job takes run's flags (--tickers, --universe, " +
          '--source, ... --no-quality), read at start',
      )
      .option('--schedule-timezone <zone>', 'the IANA time zone of --schedule', 'UTC')
      .option(
        '--lake-compression <none|gzip>',
        'with --schedule: how new lake objects are stored (env MARKETLAKE_LAKE_COMPRESSION; default none)',
      ),
  );
  withDailyJobOptions(command).action(async (flags: ServeFlags) => {
    const given = JOB_FLAGS.filter((flag) => command.getOptionValueSource(flag) === 'cli');
    if (flags.schedule === undefined && given.length > 0)
      throw new UsageError(`--${kebab(given[0]!)} is a flag of the daily job: it needs --schedule`);
    const [{ checkBindAllowed, loadApiTokens }, { startApiServer }] = await Promise.all([
      import('../../api/bind-policy.js'),
      import('../../api/server.js'),
    ]);
    // Refused before anything is opened: the tokens must be usable, and a public address must have them.
    const tokens = await loadApiTokens(process.env, flags.tokensFile);
    checkBindAllowed(flags.host, tokens);
    const config = resolveConfig(flags);
    const dailyJob = flags.schedule === undefined ? undefined : await servedDailyJob(flags);
    const server = await startApiServer({
      config,
      ...(dailyJob ? { dailyJob } : {}),
      host: flags.host,
      port: flags.port,
      sql: { enabled: flags.sql },
      guards: {
        ...(tokens ? { tokens: tokens.tokens } : {}),
        corsOrigins: flags.corsOrigin,
        rateLimit: { limit: flags.rateLimit, windowMs: 60_000 },
      },
    });
    process.stdout.write(
      `marketlake: serving the lake at ${server.url} (the page: ${server.url}/; the API: ${server.url}/api, ` +
        `described by ${server.url}/openapi.json)\n`,
    );
    // `run` on this home asks this server for the run (src/cli/served-home.ts): it is told where the server is.
    let forget: (() => void) | undefined;
    if (dailyJob && config.databaseUrl === undefined) {
      const { writeServingRecord } = await import('../../warehouse/pglite/serving-record.js');
      forget = writeServingRecord(config.home, server.url);
    }
    if (dailyJob)
      process.stdout.write(
        `marketlake: the daily job runs on ${JSON.stringify(flags.schedule)} (${flags.scheduleTimezone}; next ` +
          `${server.nextRun ?? 'never'}) and on POST ${server.url}/v1/runs; this server holds the database\n`,
      );
    const signal = await stopSignal();
    const running = dailyJob ? ', a run in progress finishes its tickers in flight and ends interrupted' : '';
    process.stderr.write(`marketlake: ${signal}: closing the server (the requests in flight finish${running})\n`);
    await server.close(signal);
    // Once the server is closed (a run it was ending still told `run` where it is): its lock is gone by now, so
    // the record is one no reader trusts in any case.
    forget?.();
  });
}

/** The job `serve --schedule` runs: the `run` command's, read (and refused) before the server starts. */
async function servedDailyJob(flags: ServeFlags): Promise<ServedDailyJob> {
  const clock = commandClock();
  const job = await prepareDailyJob(flags);
  const [{ runDaily }, { lineageFromEnvironment }] = await Promise.all([
    import('../../pipeline/daily-run.js'),
    import('../../lineage/index.js'),
  ]);
  return {
    schedule: flags.schedule!,
    timezone: flags.scheduleTimezone,
    run: async (runtime, hooks) => {
      let started = false;
      try {
        return await runDaily({
          ...(await runSettingsOf(job, hooks.tickers ?? job.universe, clock())),
          lake: runtime.lake,
          warehouse: runtime.warehouse,
          clock,
          lineage: lineageFromEnvironment(runtime.store),
          stop: hooks.stop,
          onStarted: (runId) => {
            started = true;
            hooks.onStarted(runId);
          },
        });
      } catch (error) {
        if (!started) throw error;
        // A run that failed after it was recorded would stay `running` while this process lives (the next run
        // would heal it): healed now, as that run would, so that whoever follows it sees it end (`aborted`).
        const { recoverInterruptedRuns } = await import('../../pipeline/interrupted-runs.js');
        const healed = await recoverInterruptedRuns({ store: runtime.store, warehouse: runtime.warehouse }).catch(
          (healing: unknown) => ({ errors: [String(healing)] }),
        );
        if (healed.errors.length > 0)
          throw new AggregateError([error, ...healed.errors], 'the run failed, and marking it aborted failed too', {
            cause: error,
          });
        throw error;
      }
    },
  };
}

function kebab(flag: string): string {
  return flag === 'tables' || flag === 'quality' ? `no-${flag}` : flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Waits for SIGINT or SIGTERM, then restores their default handling (a second one stops the process at once). */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
