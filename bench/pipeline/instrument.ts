/**
 * Where the daily run's time goes, without touching src/: wrappers that add up the time spent in each call
 * of the source, the object store and each warehouse statement, and a middleware that counts the HTTP
 * requests an S3 client sends (the S3 store makes requests of its own inside a put).
 *
 * With `concurrency` tickers in flight the sums overlap: they are "busy time" (a sum of call latencies), not
 * wall time. Divided by the summed latency of all ticker jobs they say what share of a ticker's latency each
 * step takes, queueing included (PGlite runs one query at a time, so a query also waits for the others).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { S3Client } from '@aws-sdk/client-s3';
import type {
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import type { MarketDataSource } from '../../src/sources/source.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import type { Warehouse } from '../../src/warehouse/database.js';
import type { Database } from '../../src/warehouse/schema.js';
import { tableOf, VERBS } from '../../test/support/statements.js';

export interface Tally {
  calls: number;
  ms: number;
}

export class Stopwatch {
  readonly totals = new Map<string, Tally>();

  add(name: string, ms: number): void {
    const tally = this.totals.get(name) ?? { calls: 0, ms: 0 };
    tally.calls++;
    tally.ms += ms;
    this.totals.set(name, tally);
  }

  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    const t0 = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      this.add(name, Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }

  entries(): [string, Tally][] {
    return [...this.totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
  }
}

/** The store with every call timed under `store.<operation>`. */
export function timingStore(inner: ObjectStore, watch: Stopwatch): ObjectStore {
  return {
    description: inner.description,
    put: (input) => watch.time('store.put', () => inner.put(input)),
    get: (key, options) => watch.time('store.get', () => inner.get(key, options)),
    head: (key, options) => watch.time('store.head', () => inner.head(key, options)),
    getTags: (key, options) => watch.time('store.getTags', () => inner.getTags(key, options)),
    list: (input) => watch.time('store.list', () => inner.list(input)),
    listVersions: (input) => watch.time('store.listVersions', () => inner.listVersions(input)),
  };
}

/** The source with fetchSnapshot timed under `source.fetchSnapshot` (for the sample source: generation). */
export function timingSource(inner: MarketDataSource, watch: Stopwatch): MarketDataSource {
  return {
    name: inner.name,
    fetchSnapshot: (ticker, request) => watch.time('source.fetchSnapshot', () => inner.fetchSnapshot(ticker, request)),
  };
}

/**
 * Set while a transaction the pipeline opened runs, so that a statement inside it is timed as part of that
 * transaction rather than as a top-level step of its own.
 */
const inDbStep = new AsyncLocalStorage<string>();

/** Counts the commands (= HTTP requests, retries aside) a client sends, by command name. */
export function countS3Commands(client: S3Client): { counts: Map<string, number>; reset(): void; total(): number } {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'unknown');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'marketlakeBenchCommandCounter' },
  );
  return {
    counts,
    reset: () => counts.clear(),
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
  };
}

/**
 * Times every statement from compile to result (on PGlite, where one statement runs at a time, waiting for the
 * connection is included): under `sql.<verb> <table>` inside a transaction, or as a top-level step
 * `db.<verb> <table> (direct)` otherwise (the warehouse functions take the executor, so there is no
 * repository method to time a step by: a step is its statement). BEGIN and COMMIT are
 * not statements Kysely compiles; the transaction wrapper below times whole transactions.
 */
class StatementTimer implements KyselyPlugin {
  private readonly started = new WeakMap<object, { t0: bigint; label: string }>();

  constructor(private readonly watch: Stopwatch) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const verb = VERBS[args.node.kind] ?? args.node.kind;
    const what = `${verb} ${tableOf(args.node) ?? ''}`.trim();
    this.started.set(args.queryId, {
      t0: process.hrtime.bigint(),
      label: inDbStep.getStore() === undefined ? `db.${what} (direct)` : `sql.${what}`,
    });
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const start = this.started.get(args.queryId);
    if (start) this.watch.add(start.label, Number(process.hrtime.bigint() - start.t0) / 1e6);
    return args.result;
  }
}

/**
 * The warehouse as the run sees it, with every statement and transaction timed: a Kysely instance with the
 * StatementTimer plugin (transactions started from it carry the plugin).
 */
export function timedWarehouse(warehouse: Warehouse, watch: Stopwatch): Warehouse {
  const db = warehouse.db.withPlugin(new StatementTimer(watch)) as Kysely<Database>;
  const transaction = db.transaction.bind(db);
  (db as unknown as { transaction: typeof db.transaction }).transaction = () => {
    const builder = transaction();
    const execute = builder.execute.bind(builder);
    // A transaction opened inside another is part of that one's time; one opened at the top (e.g. the
    // results commit) is a top-level step of its own.
    if (inDbStep.getStore() !== undefined) {
      (builder as unknown as { execute: typeof builder.execute }).execute = (work) =>
        watch.time('sql.transaction (whole)', () => execute(work));
    } else {
      (builder as unknown as { execute: typeof builder.execute }).execute = (work) =>
        inDbStep.run('transaction', () => watch.time('db.transaction (opened by the pipeline)', () => execute(work)));
    }
    return builder;
  };
  return { ...warehouse, db };
}
