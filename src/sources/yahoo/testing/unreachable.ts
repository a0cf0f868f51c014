import { createServer } from 'node:net';
import { YahooSource } from '../yahoo.js';

/** A loopback port that nothing listens on: connecting is refused at once, as with no network at all. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

/**
 * The real Yahoo client with every request sent to a refused loopback port, as a machine with no network sees
 * the vendor (no answer at all); counts the requests. Retries do not wait.
 */
export async function unreachableYahoo() {
  const port = await closedPort();
  let requests = 0;
  const source = new YahooSource({
    fetch: (input, init) => {
      requests++;
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, init);
    },
    retry: { attempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
  });
  return { source, requests: () => requests };
}
