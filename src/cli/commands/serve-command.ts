/**
 * `marketlake serve`: the read API over HTTP (src/api/). It binds 127.0.0.1 unless told otherwise, and refuses an
 * address other machines can reach unless API tokens are configured (src/api/bind-policy.ts). It never holds the
 * embedded home's database, so daily runs go on while it serves. SIGINT or SIGTERM stop it (exit 0): no new
 * connection, the requests in flight finish.
 *
 * Hono, zod and the lake's readers load inside the action, never for `--help` or another command.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { type ConfigFlags, resolveConfig } from '../../config.js';
import { checkedOrigin } from '../../api/origin.js';
import { parsePath } from '../options.js';
import { withLakeOptions } from '../runtime-options.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

interface ServeFlags extends ConfigFlags {
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

export function registerServeCommand(program: Command): void {
  withLakeOptions(
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
      ),
  ).action(async (flags: ServeFlags) => {
    const [{ checkBindAllowed, loadApiTokens }, { startApiServer }] = await Promise.all([
      import('../../api/bind-policy.js'),
      import('../../api/server.js'),
    ]);
    // Refused before anything is opened: the tokens must be usable, and a public address must have them.
    const tokens = await loadApiTokens(process.env, flags.tokensFile);
    checkBindAllowed(flags.host, tokens);
    const config = resolveConfig(flags);
    const server = await startApiServer({
      config,
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
    const signal = await stopSignal();
    process.stderr.write(`marketlake: ${signal}: closing the server (the requests in flight finish)\n`);
    await server.close();
  });
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
