/**
 * The main thread's side of the PGlite worker (`pglite-worker.js`): a small proxy with the two methods
 * kysely-pglite-dialect calls on its client, `query(sql, params)` (for `{ rows, affectedRows }`) and `close()`.
 *
 * - Errors thrown in the worker come back as Errors with the same name, message and PostgreSQL fields (`code`,
 *   `severity`, `detail`, `constraint`, ...), and the stack of the caller here.
 * - If the thread dies (an uncaught error, PGlite aborting, `terminate()`), every pending and every later call
 *   rejects with a `PGliteWorkerError` saying so; nothing waits forever.
 * - The thread keeps the process alive only while a request is outstanding, like in-process PGlite, whose idle
 *   instance holds no handle either: a script that forgets `close()` still exits.
 */
import { Worker } from 'node:worker_threads';
import {
  OPEN_REQUEST_ID,
  type QueryResult,
  type RequestBody,
  type SerializedError,
  type WorkerData,
  type WorkerReply,
} from './pglite-worker-protocol.js';

/**
 * Resolved next to this module: `src/warehouse/pglite/pglite-worker.js` under vitest and tsx, and
 * `dist/warehouse/pglite/pglite-worker.js` (emitted by tsc with `allowJs`) when running the build.
 */
const WORKER_URL = new URL('./pglite-worker.js', import.meta.url);

/** The worker thread failed: it could not start, or it stopped without being closed. */
export class PGliteWorkerError extends Error {
  override readonly name = 'PGliteWorkerError';
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Where the request was made, for the stack of an error reply. */
  callSite: Error;
  params: unknown[] | undefined;
}

export class PGliteWorkerClient {
  readonly #dataDir: string;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  /** The reply to opening PGlite (request 0). */
  readonly #opened: Promise<unknown>;
  #nextId = OPEN_REQUEST_ID + 1;
  /** Set once the thread has failed; every later call rejects with it. */
  #failure: Error | undefined;
  /** Whether some caller has been given `#failure` (else `close()` reports it, so that it is never lost). */
  #failureReported = false;
  /** An uncaught error in the worker, reported by the 'error' event just before 'exit'. */
  #crash: Error | undefined;
  #closing: Promise<void> | undefined;
  /** Set when we end the thread ourselves, so that its exit is not a failure. */
  #terminating = false;

  /** Starts the worker and opens PGlite in it; rejects (and ends the thread) if PGlite cannot open. */
  static async start(dataDir: string): Promise<PGliteWorkerClient> {
    const client = new PGliteWorkerClient(dataDir);
    try {
      await client.#opened;
    } catch (error) {
      await client.#terminate();
      const reason = error instanceof Error ? error.message : String(error);
      throw new PGliteWorkerError(`cannot open the PGlite database in ${dataDir}: ${reason}`, { cause: error });
    }
    return client;
  }

  private constructor(dataDir: string) {
    this.#dataDir = dataDir;
    const workerData: WorkerData = { dataDir };
    this.#worker = new Worker(WORKER_URL, { workerData, execArgv: workerExecArgv(process.execArgv) });
    this.#worker.on('message', (reply: WorkerReply) => this.#onReply(reply));
    this.#worker.on('error', (error: Error) => {
      this.#crash = error;
    });
    this.#worker.on('messageerror', (error: Error) => {
      // A reply that could not be deserialised: we cannot tell whose, so fail everything rather than hang.
      this.#fail(
        new PGliteWorkerError(`a reply from the PGlite worker could not be read: ${error.message}`, { cause: error }),
      );
      void this.#terminate();
    });
    this.#worker.on('exit', (code: number) => this.#onExit(code));
    this.#opened = this.#track(OPEN_REQUEST_ID, undefined);
  }

  /** The thread, for tests that need to kill it. */
  get workerForTesting(): Worker {
    return this.#worker;
  }

  query(sql: string, params: unknown[] = []): Promise<QueryResult> {
    if (this.#closing !== undefined && this.#failure === undefined) {
      return Promise.reject(new PGliteWorkerError(`the PGlite database in ${this.#dataDir} is closed`));
    }
    return this.#request({ kind: 'query', sql, params }, params) as Promise<QueryResult>;
  }

  /**
   * Closes PGlite in the worker (after every query sent before), then ends the thread. Idempotent. If the
   * thread had already died and no caller has been told, rejects with that failure.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#failure !== undefined) {
      if (this.#failureReported) return; // Already reported to a caller; the thread is gone.
      this.#failureReported = true;
      throw this.#failure;
    }
    try {
      await this.#request({ kind: 'close' }, undefined);
    } finally {
      // Also when PGlite failed to close: the thread has nothing more to do. The failure still reaches the caller.
      await this.#terminate();
    }
  }

  #request(body: RequestBody, params: unknown[] | undefined): Promise<unknown> {
    if (this.#failure !== undefined) {
      this.#failureReported = true;
      return Promise.reject(this.#failure);
    }
    const id = this.#nextId++;
    const reply = this.#track(id, params);
    try {
      this.#worker.postMessage({ ...body, id });
    } catch (error) {
      // A parameter structured clone cannot copy (DataCloneError): nothing was sent, so only this call fails.
      this.#settle(id)?.reject(error);
    }
    return reply;
  }

  #track(id: number, params: unknown[] | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, callSite: new Error(), params });
      this.#keepAliveWhileBusy();
    });
  }

  /** Removes and returns the pending request `id`. */
  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    this.#keepAliveWhileBusy();
    return pending;
  }

  #onReply(reply: WorkerReply): void {
    const pending = this.#settle(reply.id);
    if (pending === undefined) {
      this.#fail(new PGliteWorkerError(`the PGlite worker answered request ${reply.id}, which was not pending`));
      void this.#terminate();
      return;
    }
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(reviveError(reply.error, pending));
  }

  #onExit(code: number): void {
    if (this.#terminating && this.#pending.size === 0) return;
    const crash = this.#crash;
    const why = crash === undefined ? `exit code ${code}` : `exit code ${code}: ${crash.name}: ${crash.message}`;
    this.#fail(
      new PGliteWorkerError(
        `the PGlite worker for ${this.#dataDir} stopped unexpectedly (${why}); reopen the warehouse to continue`,
        { cause: crash },
      ),
    );
  }

  /** Records the failure and rejects everything pending with it. */
  #fail(failure: Error): void {
    this.#failure ??= failure;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#keepAliveWhileBusy();
    if (pending.length > 0) this.#failureReported = true;
    for (const request of pending) request.reject(this.#failure);
  }

  async #terminate(): Promise<void> {
    this.#terminating = true;
    this.#worker.ref(); // Until the thread is gone: an unref'd worker would let the process exit mid-close.
    await this.#worker.terminate();
  }

  #keepAliveWhileBusy(): void {
    if (this.#pending.size > 0 || this.#terminating) this.#worker.ref();
    else this.#worker.unref();
  }
}

/**
 * The parent's Node options for the worker, as Node would pass them by default (so `--cpu-prof`, `--import`,
 * `--conditions`... apply to it too), minus those a worker refuses at once: `--input-type`, which describes the
 * parent's `-e` code (ERR_INPUT_TYPE_NOT_ALLOWED, e.g. under `node --input-type=module -e ...`), and the
 * process-wide V8 and process options (ERR_WORKER_INVALID_EXEC_ARGV, e.g. a memory bench's `node --expose-gc`, or
 * `node --max-old-space-size=4096 bin/marketlake.js run`), which hold for the worker anyway.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i].replaceAll('_', '-');
    if (PROCESS_WIDE_FLAGS.has(flag)) continue;
    const name = flag.split('=')[0];
    if (name === '--input-type' || PROCESS_WIDE_OPTIONS.has(name)) {
      if (!flag.includes('=')) i++; // and its value
      continue;
    }
    kept.push(execArgv[i]);
  }
  return kept;
}

/** Flags without a value that Node refuses in a worker's execArgv (checked on Node 20 and 24). */
const PROCESS_WIDE_FLAGS = new Set(['--expose-gc']);
/** Options with a value (`--name=value` or `--name value`) that Node refuses in a worker's execArgv. */
const PROCESS_WIDE_OPTIONS = new Set(['--max-old-space-size', '--max-semi-space-size', '--title']);

const ERROR_CLASSES: Record<string, ErrorConstructor> = { RangeError, TypeError, SyntaxError };

/** The worker's error as an Error on this thread: same class where standard, name, message and fields. */
function reviveError(serialized: SerializedError, pending: Pending): Error {
  const ErrorClass = ERROR_CLASSES[serialized.name] ?? Error;
  const error = new ErrorClass(serialized.message);
  Object.assign(error, serialized.fields);
  if (serialized.hadParams) Object.assign(error, { params: pending.params });
  // The caller's frames first (where the query came from), then the worker's (where it failed).
  const callerFrames = (pending.callSite.stack ?? '').split('\n').slice(1).join('\n');
  const workerFrames = (serialized.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
  error.stack = `${error.name}: ${serialized.message}\n${callerFrames}\n    --- in the PGlite worker thread ---\n${workerFrames}`;
  return error;
}
