/**
 * The server `bench/api.bench.ts` measures, in a process of its own (so the load generator does not share its
 * event loop): the app `marketlake serve` serves (createApiApp with the guards serve mounts: request id, request
 * log on stderr, metrics, CORS, the rate limit, time and size limits; then 304s, compression, ETags), on a Node
 * HTTP server made as src/api/server.ts makes it, plus one bench-only route mounted on the same app:
 *
 *   GET /bench/constant   the latest-indicators answer of REFERENCE_TICKER, taken once at start-up through the
 *                         app itself, then returned as a constant: the same bytes, the same middlewares, no read
 *
 * so that the ratio of the two is the cost of the read alone. The rate limit is serve's largest
 * (`--rate-limit 1000000`): still counted on every request, never refusing one in a 10 s run.
 *
 *   node --import tsx bench/api/reference-server.ts --home DIR [--database postgres://...]
 *
 * Prints one JSON line on stdout once listening ({ url, constantPath, referenceTicker, constantBytes }); stops on
 * SIGTERM.
 */
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createApiApp } from '../../src/api/app.js';
import { resolveConfig } from '../../src/config.js';

const CONSTANT_PATH = '/bench/constant';
const REFERENCE_TICKER = 'NVDA';

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? undefined : process.argv[index + 1];
}

async function main(): Promise<void> {
  const home = flag('home');
  if (home === undefined) throw new Error('--home is required');
  const database = flag('database');
  const config = resolveConfig({ home, ...(database === undefined ? {} : { database }) });
  const api = createApiApp({
    config,
    sql: { enabled: true },
    guards: { corsOrigins: [], rateLimit: { limit: 1_000_000, windowMs: 60_000 } },
  });

  // Mounted after the app's middlewares (all registered with use('*') before any route), so it passes them all.
  // Before the first request (Hono's router takes no route after it has matched one); its body is set next.
  let constant = '';
  let contentType = '';
  api.app.get(CONSTANT_PATH, (c) => c.body(constant, 200, { 'Content-Type': contentType }));
  const answer = await api.app.request(`/v1/indicators/${REFERENCE_TICKER}/latest`);
  constant = await answer.text();
  if (answer.status !== 200) throw new Error(`the reference answer is ${answer.status}: ${constant}`);
  contentType = answer.headers.get('Content-Type') ?? 'application/json';

  const server = createAdaptorServer({ fetch: api.app.fetch });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  process.stdout.write(
    `${JSON.stringify({
      url: `http://127.0.0.1:${port}`,
      constantPath: CONSTANT_PATH,
      referenceTicker: REFERENCE_TICKER,
      constantBytes: Buffer.byteLength(constant),
    })}\n`,
  );
  process.once('SIGTERM', () => {
    server.close();
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    api.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`closing the API failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
}

await main();
