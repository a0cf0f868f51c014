/**
 * How the server reaches the lake and the database, without holding the embedded home (docs/design.md "The HTTP
 * API"): a daily run must be able to run while the server serves.
 *
 * - Reads go through src/lake-scan/lake-reader.ts, as the CLI's do: on an embedded home the home's lake folder
 *   answers with no database and no lock. Where the database must answer, an embedded one is opened for that one
 *   read (one at a time in this process) and closed again; if a run holds it, the read is answered 503. A
 *   PostgreSQL database has no such lock: it is opened once, at the first read that needs it, and kept.
 * - `POST /v1/sql` reads the lake's store (the configured one, opened once) and its local copy of the tables.
 * - A server that runs the daily job itself (`serve --schedule`, src/api/served-runs.ts) owns the database
 *   instead: an embedded one is opened once, at start, holding the home's lock until the server closes; its runs
 *   and its reads share it (`ownDatabase`), so no read of it is answered 503.
 */
import { existsSync } from 'node:fs';
import type { AsKnownAtQuery } from '../as-known-at/as-known-at.js';
import type { Config } from '../config.js';
import { type LakeObject, LakeObjectNotFoundError } from '../lake/data-lake.js';
import {
  type DatabaseReads,
  hasDatabase,
  lakeAloneAnswering,
  type LakeReader,
  readLake,
} from '../lake-scan/lake-reader.js';
import { quote } from '../quote.js';
import type { Runtime } from '../runtime.js';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { ApiProblem } from './problem.js';
import { serialized } from './serial.js';

export interface DatabaseCheck {
  kind: 'postgres' | 'pglite';
  ok: boolean;
  detail: string;
}

export interface LakeAccessOptions {
  /**
   * The server runs the daily job (`serve --schedule`): it opens the database for writing, once, and keeps it
   * (an embedded home's lock included) until it closes.
   */
  ownsDatabase?: boolean;
}

export class LakeAccess {
  private readonly oneDatabaseOpenAtATime = serialized();
  private sharedRuntime: Promise<Runtime> | undefined;
  private store: Promise<ObjectStore> | undefined;
  readonly ownsDatabase: boolean;

  constructor(
    readonly config: Config,
    private readonly env: NodeJS.ProcessEnv = process.env,
    options: LakeAccessOptions = {},
  ) {
    this.ownsDatabase = options.ownsDatabase ?? false;
  }

  /** A read of the lake; a missing object's message does not say where the lake lives on this server. */
  async read<T>(work: (reader: LakeReader) => Promise<T>): Promise<T> {
    return readLake(this.config, this.env, this.databaseReads, async (reader) => {
      try {
        return await work(reader);
      } catch (error) {
        if (!(error instanceof LakeObjectNotFoundError)) throw error;
        throw new LakeObjectNotFoundError(error.message.replace(` in ${reader.store.description}`, ''));
      }
    });
  }

  /**
   * The object as known at a time, from the database's catalog (`get --as-known-at`): what was known when is its
   * record (created_at), so this read opens the database (503 while a run holds an embedded home).
   */
  async asKnownAtFromCatalog(query: AsKnownAtQuery): Promise<LakeObject> {
    const { getAsKnownAt } = await import('../as-known-at/index.js');
    return this.withDatabase(async ({ lake, warehouse }) => {
      try {
        return await getAsKnownAt(lake, warehouse.db, query);
      } catch (error) {
        if (!(error instanceof LakeObjectNotFoundError)) throw error;
        throw new LakeObjectNotFoundError(error.message.replace(` in ${lake.store.description}`, ''));
      }
    });
  }

  /**
   * The object as known at a time, without the lock where the lake alone answers (an embedded home's own lake
   * folder): the lake is read as `getAsKnownAt` reads it when the catalog knows nothing of the ticker (each
   * object's fetched_at / computed_at from its metadata, which is what the catalog's created_at records,
   * src/lake-scan/expected-catalog-row.ts), so a run holding the home does not make the read wait. Elsewhere
   * (PostgreSQL, an S3 lake) the catalog answers, as for `asKnownAtFromCatalog`.
   */
  async asKnownAt(query: AsKnownAtQuery): Promise<LakeObject> {
    if (lakeAloneAnswering(this.config, this.env) === undefined) return this.asKnownAtFromCatalog(query);
    const { getAsKnownAt } = await import('../as-known-at/index.js');
    return this.read(({ lake }) => getAsKnownAt(lake, undefined, query));
  }

  private readonly databaseReads: DatabaseReads = (work) => this.withDatabase(work);

  /**
   * A read only the database can answer (staleness, diffs, runs, quality verdicts, prices as known at a time). An
   * embedded database is opened for this one read and closed at its end, so the home's lock is never held beyond
   * the request; while a run holds it, the open fails with DataDirectoryInUseError, answered 503 (problem.ts).
   */
  async withDatabase<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
    if (this.config.databaseUrl !== undefined || this.ownsDatabase) return work(await this.shared());
    return this.oneDatabaseOpenAtATime(async () => {
      const { openRuntime } = await import('../runtime.js');
      const runtime = await openRuntime(this.config, { readOnly: true });
      try {
        return await work(runtime);
      } finally {
        await runtime.close();
      }
    });
  }

  /**
   * The database the server keeps open: PostgreSQL, opened at the first read that needs it (read-only), or the
   * one the server owns (for its runs: writable, and an S3 lake that does not answer is not fatal, as for `run`).
   * A failed open is tried again by the next read.
   */
  shared(): Promise<Runtime> {
    const overrides = this.ownsDatabase ? { tolerateUnreachableLake: true } : { readOnly: true };
    this.sharedRuntime ??= import('../runtime.js')
      .then(({ openRuntime }) => openRuntime(this.config, overrides))
      .catch((error: unknown) => {
        this.sharedRuntime = undefined;
        throw error;
      });
    return this.sharedRuntime;
  }

  /**
   * The configured lake's store, opened once (SQL reads the tables from the store alone). A file lake's store is
   * not prepared for writes, since the server writes nothing to the lake.
   */
  lakeStore(): Promise<ObjectStore> {
    const lake = this.config.lake;
    if (lake.kind === 'file') {
      if (!existsSync(lake.path)) {
        // Where the lake should be is the server's business: a client learns only that it is not there.
        process.stderr.write(`marketlake serve: there is no lake at ${quote(lake.path)}\n`);
        const detail = "the server's lake folder does not exist (yet): run `marketlake run` first";
        return Promise.reject(new ApiProblem(503, 'lake-unavailable', 'Lake unavailable', detail));
      }
      this.store ??= Promise.resolve(new FsObjectStore(lake.path));
    }
    this.store ??= import('../storage/open-store.js')
      .then(({ openObjectStore }) => openObjectStore(this.config))
      .catch((error: unknown) => {
        this.store = undefined;
        throw error;
      });
    return this.store;
  }

  /** Whether the lake answers a listing (of its identity's folder: one small request). */
  async checkLake(): Promise<{ ok: boolean; detail: string }> {
    const store = await this.lakeStore();
    await store.list({ prefix: '_marketlake/', maxKeys: 1 });
    return { ok: true, detail: 'answered a listing' };
  }

  /**
   * The database, when the configuration has one to check: PostgreSQL answers a query; an embedded home is not
   * opened (that would take the lock a run needs), only looked for, since reads on it answer from the lake folder.
   */
  async checkDatabase(): Promise<DatabaseCheck> {
    if (this.config.databaseUrl === undefined && !this.ownsDatabase) {
      const present = hasDatabase(this.config.home);
      return {
        kind: 'pglite',
        ok: present,
        detail: present ? 'embedded database present (not opened)' : 'no embedded database yet: run `marketlake run`',
      };
    }
    const runtime = await this.shared();
    const { pingDatabase } = await import('../warehouse/ping.js');
    await pingDatabase(runtime.warehouse.db);
    // An embedded database's location is a path on the server: not a client's business.
    if (this.config.databaseUrl === undefined)
      return { kind: 'pglite', ok: true, detail: 'answered (embedded, held by this server for its runs)' };
    return { kind: 'postgres', ok: true, detail: `answered (${runtime.warehouse.location})` };
  }

  async close(): Promise<void> {
    const runtime = this.sharedRuntime;
    this.sharedRuntime = undefined;
    if (runtime !== undefined)
      await runtime.then(
        (opened) => opened.close(),
        () => undefined,
      );
  }
}
