// @ts-check
/**
 * The PGlite worker thread. PGlite runs PostgreSQL as synchronous WebAssembly: on the main thread every query
 * blocks the event loop, so file writes, compute and rendering wait behind it. Here it runs on its own thread,
 * and the main thread keeps only a proxy (`pglite-worker-client.ts`). See `pglite-worker-protocol.js` for the
 * messages.
 *
 * Plain JavaScript on purpose: `new Worker` loads this file as is in every mode (vitest does not transform it,
 * and from `dist/` it is the copy tsc emits with `allowJs`), so it may import only plain JavaScript.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { OPEN_REQUEST_ID, serializeError } from './pglite-worker-protocol.js';
import { pgliteOptions } from './pglite-options.js';

/** @typedef {import('./pglite-worker-protocol.js').WorkerReply} WorkerReply */
/** @typedef {import('./pglite-worker-protocol.js').WorkerRequest} WorkerRequest */

if (parentPort === null) throw new Error('pglite-worker.js runs only as a worker thread (see pglite-worker-client.ts)');
const port = parentPort;
const { dataDir } = /** @type {import('./pglite-worker-protocol.js').WorkerData} */ (workerData);

/** @param {WorkerReply} reply */
function send(reply) {
  try {
    port.postMessage(reply);
  } catch (error) {
    // A value structured clone cannot copy (DataCloneError): the request fails rather than going unanswered.
    port.postMessage({ id: reply.id, ok: false, error: serializeError(error) });
  }
}

async function open() {
  // Type parsers are functions, which cannot cross threads: the rows are parsed here and cross as plain values.
  const pglite = new PGlite(dataDir, pgliteOptions());
  await pglite.waitReady;
  return pglite;
}

/**
 * @param {PGlite} pglite
 * @param {WorkerRequest} request
 */
async function handle(pglite, request) {
  try {
    if (request.kind === 'query') {
      const { rows, affectedRows, fields } = await pglite.query(request.sql, request.params);
      send({ id: request.id, ok: true, result: { rows, affectedRows, fields } });
    } else {
      await pglite.close();
      send({ id: request.id, ok: true }); // The main thread terminates this thread once it has this reply.
    }
  } catch (error) {
    send({ id: request.id, ok: false, error: serializeError(error) });
  }
}

/**
 * The requests run one after another, in arrival order, each after the previous one settled: transactions are
 * plain BEGIN/COMMIT statements on this single connection, so the order of statements is the order they were
 * sent, whatever PGlite would do with overlapping calls. `handle` never rejects, so the chain never breaks.
 * @type {Promise<PGlite | undefined>}
 */
let queue = open().then(
  (pglite) => {
    send({ id: OPEN_REQUEST_ID, ok: true });
    return pglite;
  },
  (error) => {
    send({ id: OPEN_REQUEST_ID, ok: false, error: serializeError(error) });
    return undefined;
  },
);

port.on('message', (/** @type {WorkerRequest} */ request) => {
  queue = queue.then(async (pglite) => {
    if (pglite === undefined) {
      // The client stops sending once opening failed; answer anyway so that nothing waits forever.
      send({ id: request.id, ok: false, error: serializeError(new Error('PGlite did not open')) });
    } else {
      await handle(pglite, request);
    }
    return pglite;
  });
});
