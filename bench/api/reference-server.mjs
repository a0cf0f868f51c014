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
 *   node bench/api/reference-server.mjs --home DIR [--database postgres://...]     (after `npm run build`)
 *
 * Plain JavaScript over the built modules (dist/), run by a bare `node` as `marketlake serve` is: under tsx, every
 * import() a request makes (the lake's parsers are imported lazily) would cross its loader's hooks thread, a cost
 * the constant answer does not pay and a user's server does not have.
 *
 * Prints one JSON line on stdout once listening ({ url, constantPath, referenceTicker, constantBytes }); stops on
 * SIGTERM.
 */
import { createAdaptorServer } from '@hono/node-server';

// Computed URLs, so that the bench's type check does not need a build (the modules are typed as any here).
const dist = (/** @type {string} */ path) => new URL(`../../dist/${path}`, import.meta.url).href;
const { createApiApp } = await import(dist('api/app.js'));
const { resolveConfig } = await import(dist('config.js'));

const CONSTANT_PATH = '/bench/constant';
const REFERENCE_TICKER = 'NVDA';

/** @param {string} name */
function flag(name) {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? undefined : process.argv[index + 1];
}

async function main() {
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
  api.app.get(CONSTANT_PATH, (/** @type {import('hono').Context} */ c) =>
    c.body(constant, 200, { 'Content-Type': contentType }),
  );
  const answer = await api.app.request(`/v1/indicators/${REFERENCE_TICKER}/latest`);
  constant = await answer.text();
  if (answer.status !== 200) throw new Error(`the reference answer is ${answer.status}: ${constant}`);
  contentType = answer.headers.get('Content-Type') ?? 'application/json';

  const server = createAdaptorServer({ fetch: api.app.fetch });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
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
      (/** @type {unknown} */ error) => {
        process.stderr.write(`closing the API failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
}

await main();
