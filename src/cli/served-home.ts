/**
 * Commands on an embedded home that `marketlake serve --schedule` holds (src/api/served-runs.ts): the server owns
 * the database, so they ask it. `run` asks for the run (`POST /v1/runs`) and follows it to its end
 * (`GET /v1/runs/{id}`), then reports its summary as a run of its own would. The server runs the job with the
 * flags it was started with: of `run`'s own, only the tickers (`--tickers`, `--universe`) and `--json` are taken,
 * and any other given is refused rather than ignored. `stale` and `diff` read the API's answer, which is their
 * `--json`, and print it as they would have.
 */
import { UsageError, UserError } from '../errors.js';
import type { RunSummary } from '../pipeline/daily-run.js';
import { quote } from '../quote.js';
import { listenForInterruption } from './interruption.js';

/** The variable holding the token `run` sends to a server that wants one (one of the server's tokens). */
export const API_TOKEN_VARIABLE = 'MARKETLAKE_API_TOKEN';

/**
 * `run`'s flags the server's run takes from the command: the tickers, how the summary is printed, and the home
 * that led here. The lake is the server's: a `--lake` or `--s3-endpoint` given is refused, not taken for it.
 */
const TAKEN_FLAGS = new Set(['--tickers', '--universe', '--json', '--home']);

/** If the run's heartbeat is older than this, the run is taken for dead (its server's log says why). */
const SILENT_RUN_MS = 90_000;

/** How often the run is looked at while it goes on. */
const FOLLOW_INTERVAL_MS = 500;

/**
 * The address of the `serve --schedule` holding the home, when that is why the command was refused (the lock's
 * DataDirectoryInUseError names it; src/warehouse/pglite/serving-record.ts); undefined for any other failure.
 */
export function servedAtOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'DataDirectoryInUseError') return undefined;
  const servedAt = (error as { servedAt?: unknown }).servedAt;
  return typeof servedAt === 'string' ? servedAt : undefined;
}

/** One read of the server's API (`path` with its query), the JSON it answers. */
export async function readThroughServer<T>(
  url: string,
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const answer = await ask(url, path, { headers: authorization(env) });
  if (answer.status !== 200) throw refusal(url, answer.status, await answer.text());
  return (await answer.json()) as T;
}

function authorization(env: NodeJS.ProcessEnv): Record<string, string> {
  const token = env[API_TOKEN_VARIABLE]?.trim();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Refuses the flags given that a served run would not honour (`given`: the long flags given, as typed). */
export function checkServedRunFlags(given: readonly string[], url: string): void {
  const refused = given.filter((flag) => !TAKEN_FLAGS.has(flag));
  if (refused.length === 0) return;
  const flags = refused.join(', ');
  throw new UsageError(
    `this home is held by \`marketlake serve\` at ${url}, which runs the daily job with the flags it was started ` +
      `with: \`run\` takes only --tickers, --universe and --json then (given: ${flags})`,
  );
}

/** Asks the server for a run of `tickers` (its own universe when undefined) and follows it to its end. */
export async function runThroughServer(
  url: string,
  tickers: readonly string[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunSummary> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...authorization(env) };
  const started = await ask(url, '/v1/runs', {
    method: 'POST',
    headers,
    body: JSON.stringify(tickers ? { tickers } : {}),
  });
  if (started.status !== 202) throw refusal(url, started.status, await started.text());
  const { run_id: runId } = (await started.json()) as { run_id: string };
  process.stderr.write(
    `marketlake: run ${runId} started in \`marketlake serve\` at ${url}; following it (Ctrl-C stops following, not the run)\n`,
  );
  const interruption = listenForInterruption('run', {
    first: `stopped following run ${runId}: it goes on in the server (GET ${url}/v1/runs/${runId})`,
    again: 'stopping at once',
  });
  try {
    for (;;) {
      const answer = await ask(url, `/v1/runs/${encodeURIComponent(runId)}`, { headers });
      if (answer.status !== 200) throw refusal(url, answer.status, await answer.text());
      const run = (await answer.json()) as { status: string; summary: RunSummary | null; heartbeat_at: string | null };
      if (run.status !== 'running' && run.summary !== null) return run.summary;
      if (run.status !== 'running')
        throw new UserError(
          `run ${runId} in the server ended ${run.status}, with no summary (the server's log says why)`,
        );
      const beat = run.heartbeat_at === null ? undefined : Date.parse(run.heartbeat_at);
      if (beat !== undefined && Date.now() - beat > SILENT_RUN_MS)
        throw new UserError(
          `run ${runId} in the server has given no heartbeat for ${Math.round((Date.now() - beat) / 1000)} s: ` +
            "it is taken for dead (the server's log says why)",
        );
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_INTERVAL_MS));
      const code = interruption.exitCode();
      if (code !== undefined) {
        process.exitCode = code;
        throw new FollowingStopped(runId);
      }
    }
  } finally {
    interruption.dispose();
  }
}

/** Ctrl-C while following: the run goes on in the server; the command has said so and exits 130 or 143. */
export class FollowingStopped extends Error {
  override readonly name = 'FollowingStopped';
  constructor(readonly runId: string) {
    super(`stopped following run ${runId}`);
  }
}

async function ask(url: string, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new UserError(`\`marketlake serve\` at ${url}, which holds this home, did not answer: ${why}`);
  }
}

function refusal(url: string, status: number, body: string): UserError {
  let detail = body.slice(0, 500);
  try {
    detail = String((JSON.parse(body) as { detail?: unknown }).detail ?? detail);
  } catch {
    // Not a problem document: its first bytes are what the server said.
  }
  const hint = status === 401 ? `: it wants one of its API tokens in ${API_TOKEN_VARIABLE}` : '';
  return new UserError(`\`marketlake serve\` at ${url} answered ${status}: ${quote(detail)}${hint}`);
}
