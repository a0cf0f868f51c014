/**
 * Runs the same warehouse tests on every backend, in the manner of Kysely's own dialect tests:
 *
 *   describeOnDatabases('outbox', (ctx) => {
 *     it('...', async () => { const { db } = ctx.warehouse(); ... });
 *   });
 *
 * - pglite: a fresh temporary home, removed afterwards;
 * - postgres: a fresh database `marketlake_test_<random>` on `MARKETLAKE_TEST_POSTGRES_URL`
 *   (default postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards with its connections forced off.
 * Every table is emptied before each test, so tests do not depend on each other's rows.
 *
 * When PostgreSQL cannot be reached its tests are skipped with a loud warning, or fail when
 * `MARKETLAKE_REQUIRE_SERVICES=1` (CI sets it, so a missing service can never pass silently).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { describeWithoutService } from './services.js';
import { openWarehouse, type Warehouse, type WarehouseKind } from '../../src/warehouse/database.js';
import { describePostgresUrl } from '../../src/warehouse/postgres/postgres.js';
import { describeBody, type OutboxEntryInput } from '../../src/warehouse/outbox.js';
import {
  FEATURE_FIELDS,
  TABLE_NAMES,
  type Database,
  type FeatureField,
  type LakeObjectKind,
} from '../../src/warehouse/schema.js';
import { INDICATOR_FIELDS, type IndicatorField } from '../../src/compute/fields.js';
import type { Bar } from '../../src/market/bars.js';

export type TestBackend = WarehouseKind;
export const TEST_BACKENDS: readonly TestBackend[] = ['pglite', 'postgres'];

export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The server databases are created on (its own database is only used to create and drop them). */
export function testPostgresUrl(): string {
  return process.env.MARKETLAKE_TEST_POSTGRES_URL?.trim() || DEFAULT_TEST_POSTGRES_URL;
}

export { servicesRequired } from './services.js';

/**
 * Whether the test PostgreSQL server answers, for suites that pick their backends themselves (skipped when it
 * does not, unless CI requires it). Unreachable is an answer here, not a failure.
 */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: testPostgresUrl(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export interface TestWarehouse {
  warehouse: Warehouse;
  /** A temporary marketlake home (PGlite's data lives under it; for PostgreSQL it is just an empty directory). */
  home: string;
  /** The URL of the fresh database, for postgres. */
  databaseUrl?: string;
  /** Closes the warehouse and removes its home and database. */
  dispose(): Promise<void>;
}

/** A fresh, migrated warehouse on one backend. */
export async function createTestWarehouse(backend: TestBackend): Promise<TestWarehouse> {
  if (backend === 'pglite') {
    const home = await mkdtemp(join(tmpdir(), 'marketlake-test-'));
    const warehouse = await openWarehouse({ home });
    return {
      warehouse,
      home,
      dispose: async () => {
        await warehouse.close();
        await rm(home, { recursive: true, force: true });
      },
    };
  }
  const serverUrl = testPostgresUrl();
  const database = `marketlake_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`create database "${database}"`));
  const databaseUrl = withDatabase(serverUrl, database);
  const home = await mkdtemp(join(tmpdir(), 'marketlake-test-'));
  const dropAll = async (): Promise<void> => {
    // `with (force)` (PostgreSQL 13+) disconnects anything a failed test left connected.
    try {
      await withAdminClient(serverUrl, (client) => client.query(`drop database if exists "${database}" with (force)`));
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  };
  let warehouse: Warehouse;
  try {
    warehouse = await openWarehouse({ databaseUrl, home });
  } catch (error) {
    await dropAll();
    throw error;
  }
  return {
    warehouse,
    home,
    databaseUrl,
    dispose: async () => {
      try {
        await warehouse.close();
      } finally {
        await dropAll();
      }
    },
  };
}

/** Empties every warehouse table and restarts the outbox ids. */
export async function truncateAll(db: Kysely<Database>): Promise<void> {
  await sql`truncate table ${sql.join(TABLE_NAMES.map((table) => sql.table(table)))} restart identity`.execute(db);
}

export interface DatabaseTestContext {
  backend: TestBackend;
  /** The suite's warehouse; valid inside tests and hooks. */
  warehouse(): Warehouse;
  /** The suite's temporary home. */
  home(): string;
}

/** Declares `body`'s tests once per backend, as `name [pglite]` and `name [postgres]`. */
export function describeOnDatabases(name: string, body: (context: DatabaseTestContext) => void): void {
  for (const backend of TEST_BACKENDS) {
    const title = `${name} [${backend}]`;
    let current: TestWarehouse | undefined;
    const context: DatabaseTestContext = {
      backend,
      warehouse: () => required(current, title).warehouse,
      home: () => required(current, title).home,
    };
    const unavailable = backend === 'postgres' ? postgresProblem : undefined;
    if (unavailable !== undefined) {
      describeWithoutService(title, 'a reachable PostgreSQL', unavailable, POSTGRES_HINTS, () => body(context));
      continue;
    }
    describe(title, () => {
      beforeAll(async () => {
        current = await createTestWarehouse(backend);
      });
      afterAll(async () => {
        await current?.dispose();
        current = undefined;
      });
      beforeEach(async () => {
        await truncateAll(required(current, title).warehouse.db);
      });
      body(context);
    });
  }
}

/**
 * Declares `body` once, on PostgreSQL only, for what only a server database can show (several connections
 * writing at once); skipped loudly without one, or failing under `MARKETLAKE_REQUIRE_SERVICES=1`, like the
 * `[postgres]` half of describeOnDatabases. The tests make their own databases (createTestWarehouse).
 */
export function describeOnPostgres(name: string, body: () => void): void {
  const title = `${name} [postgres]`;
  if (postgresProblem !== undefined) {
    describeWithoutService(title, 'a reachable PostgreSQL', postgresProblem, POSTGRES_HINTS, body);
    return;
  }
  describe(title, body);
}

function required(current: TestWarehouse | undefined, title: string): TestWarehouse {
  if (current === undefined) throw new Error(`the ${title} warehouse is only available inside its tests`);
  return current;
}

async function withAdminClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Why PostgreSQL tests cannot run, or undefined when they can. Checked once per test file. */
async function checkPostgres(): Promise<string | undefined> {
  const url = testPostgresUrl();
  try {
    await withAdminClient(url, (client) => client.query('select 1'));
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `PostgreSQL at ${describePostgresUrl(url)} is not reachable (${reason})`;
  }
}

const postgresProblem = await checkPostgres();

const POSTGRES_HINTS = [
  'Start PostgreSQL there (trust auth for user postgres) or point MARKETLAKE_TEST_POSTGRES_URL at one;',
  'set MARKETLAKE_REQUIRE_SERVICES=1 to make a missing PostgreSQL fail the tests instead.',
];

// ---- Row builders for warehouse tests -------------------------------------------------------------------------

/** `count` consecutive calendar days of bars from `firstDate`, with prices derived from `seed`. */
export function makeBars(count: number, firstDate = '2024-01-01', seed = 100): Bar[] {
  const start = Date.parse(`${firstDate}T00:00:00Z`);
  const bars: Bar[] = [];
  for (let i = 0; i < count; i++) {
    const close = seed + i * 0.5;
    bars.push({
      date: new Date(start + i * 86_400_000).toISOString().slice(0, 10),
      open: close - 0.25,
      high: close + 1,
      low: close - 1,
      close,
      adjClose: i % 2 === 0 ? close * 0.99 : null,
      volume: 1_000 + i,
    });
  }
  return bars;
}

/** Indicator values: field i is `base + i`, except the fields named in `undefinedFields`, which are NaN. */
export function makeIndicatorValues(
  base: number,
  undefinedFields: readonly IndicatorField[] = [],
): Record<IndicatorField, number | null> {
  const values = {} as Record<IndicatorField, number | null>;
  INDICATOR_FIELDS.forEach((field, i) => {
    values[field] = undefinedFields.includes(field) ? Number.NaN : base + i;
  });
  return values;
}

export function makeFeatureValues(base: number): Record<FeatureField, number | null> {
  const values = {} as Record<FeatureField, number | null>;
  FEATURE_FIELDS.forEach((field, i) => {
    values[field] = i === 0 ? null : base + i / 100;
  });
  return values;
}

/** A processed-object outbox entry whose catalog plan matches its body. */
export function makeOutboxEntry(
  kind: Exclude<LakeObjectKind, 'raw'>,
  ticker: string,
  asOf: string,
  ts: string,
  sourceRawKey = `raw/yfinance/${ticker}/${asOf}/${ts}.json`,
): OutboxEntryInput {
  const key = `processed/${kind}/${ticker}/${asOf}/${ts}.json`;
  const body = JSON.stringify({ schema: `marketlake.${kind}/1`, ticker, as_of: asOf, values: { ts } });
  return {
    key,
    kind,
    ticker,
    body,
    contentType: 'application/json',
    tags: { source: 'computed', ticker, computation_type: kind },
    metadata: { ticker, as_of: asOf },
    catalog: {
      kind,
      ticker,
      objectDate: asOf,
      ...describeBody(body),
      computationVersion: '1.0',
      sourceRawKey,
      sourceRawVersionId: 'v-raw',
    },
  };
}
