/**
 * Part 2: the floor of a run on a backend, i.e. the least any implementation must spend to put the same data
 * where the run put it:
 * - the same number of objects of the same sizes, written bare at the run's concurrency (fs.writeFile, or a bare
 *   PutObjectCommand with the store's client settings), bodies prepared before the clock starts;
 * - the same result rows (copied from the run's database: daily_prices, daily_indicators,
 *   indicator_percentiles, comparative_features) in ONE transaction, into a fresh database of the same kind
 *   that was opened and migrated before the clock starts: the prices as the run writes them, column arrays
 *   through unnest (the fastest bulk insert we know for them: about half the time of multi-row VALUES), in
 *   statements of PRICE_ROWS_PER_STATEMENT rows; the other tables as chunked multi-row INSERTs.
 * Floor = object writes + bulk insert.
 */
import { sql, type Kysely } from 'kysely';
import type { Warehouse } from '../../src/warehouse/database.js';
import type { Database } from '../../src/warehouse/schema.js';
import { numberArrayLiteral, textArrayLiteral } from '../../src/warehouse/prices.js';
import { chunkRows } from '../../src/warehouse/sql-helpers.js';
import type { Backend } from './backends.js';
import { pool, timed } from './common.js';
import type { StoredObjectInfo } from './run.js';

export interface ObjectFloor {
  label: string;
  objects: number;
  bytes: number;
  wallMs: number;
  cpuMs: number;
}

export async function measureObjectFloor(
  backend: Backend,
  objects: readonly StoredObjectInfo[],
  concurrency: number,
  options: { durable?: boolean } = {},
): Promise<ObjectFloor> {
  const writer = await backend.openFloorWriter(options);
  try {
    // JSON-ish filler of the exact size; what the bytes are does not matter to a file system or to RGW.
    const bodies = objects.map((object) => Buffer.alloc(object.size, 0x61));
    const run = await timed(() =>
      pool(objects, concurrency, (object, index) => writer.write(object.key, index, bodies[index])),
    );
    return {
      label: writer.label,
      objects: objects.length,
      bytes: bodies.reduce((n, b) => n + b.length, 0),
      wallMs: run.wallMs,
      cpuMs: run.cpuMs,
    };
  } finally {
    await writer.dispose();
  }
}

/** The tables of the row floor: what the run wrote as results (not its catalog, outbox or run log). */
export const FLOOR_TABLES = [
  'daily_prices',
  'daily_indicators',
  'indicator_percentiles',
  'comparative_features',
] as const;
type FloorTable = (typeof FLOOR_TABLES)[number];

export interface RowFloor {
  rows: Record<FloorTable, number>;
  statements: number;
  wallMs: number;
  cpuMs: number;
}

/**
 * `writtenAt`: only the rows one day's run wrote (the multi-day mode): the prices it fetched at that instant and
 * the results it computed at it; every row when absent.
 */
export async function measureRowFloor(from: Warehouse, to: Warehouse, writtenAt?: Date): Promise<RowFloor> {
  // Read everything first (not timed); jsonb comes back parsed and goes in as JSON text.
  const data = {} as Record<FloorTable, Record<string, unknown>[]>;
  for (const table of FLOOR_TABLES) {
    const stamp = table === 'daily_prices' ? 'fetched_at' : 'computed_at';
    const rows = (await from.db
      .selectFrom(table)
      .selectAll()
      .$if(writtenAt !== undefined, (qb) => qb.where(sql.ref(stamp), '=', writtenAt))
      .execute()) as Record<string, unknown>[];
    data[table] =
      table === 'indicator_percentiles'
        ? rows.map((row) => ({ ...row, statistics: JSON.stringify(row.statistics) }))
        : rows;
  }
  let statements = 0;
  const run = await timed(() =>
    to.db.transaction().execute(async (trx) => {
      for (const table of FLOOR_TABLES) {
        const rows = data[table];
        if (rows.length === 0) continue;
        if (table === 'daily_prices') {
          for (let start = 0; start < rows.length; start += PRICE_ROWS_PER_STATEMENT) {
            await insertPrices(trx as Kysely<Database>, rows.slice(start, start + PRICE_ROWS_PER_STATEMENT));
            statements++;
          }
          continue;
        }
        const columns = Object.keys(rows[0]).length;
        for (const chunk of chunkRows(rows, columns)) {
          await (trx as Kysely<Database>)
            .insertInto(table)
            .values(chunk as never)
            .execute();
          statements++;
        }
      }
    }),
  );
  const rows = {} as Record<FloorTable, number>;
  for (const table of FLOOR_TABLES) rows[table] = data[table].length;
  return { rows, statements, wallMs: run.wallMs, cpuMs: run.cpuMs };
}

/** Large enough that statements are few, small enough that one statement's text stays a few MiB. */
const PRICE_ROWS_PER_STATEMENT = 50_000;

/** Price rows as one INSERT ... SELECT FROM unnest(column arrays), as src/warehouse/prices.ts writes them. */
async function insertPrices(db: Kysely<Database>, rows: readonly Record<string, unknown>[]): Promise<void> {
  const text = (name: string) => textArrayLiteral(rows.map((row) => String(row[name])));
  const numbers = (name: string) => numberArrayLiteral(rows.map((row) => row[name] as number | null));
  const versions = `{${rows.map((row) => (row.raw_version_id === null ? 'NULL' : JSON.stringify(row.raw_version_id))).join(',')}}`;
  const fetched = textArrayLiteral(rows.map((row) => (row.fetched_at as Date).toISOString()));
  await db
    .insertInto('daily_prices')
    .columns([
      'symbol',
      'price_date',
      'open',
      'high',
      'low',
      'close',
      'adj_close',
      'volume',
      'raw_key',
      'raw_version_id',
      'fetched_at',
    ])
    .expression(
      sql`select * from unnest(${text('symbol')}::text[], ${text('price_date')}::date[], ${numbers('open')}::float8[],
                               ${numbers('high')}::float8[], ${numbers('low')}::float8[], ${numbers('close')}::float8[],
                               ${numbers('adj_close')}::float8[], ${numbers('volume')}::float8[], ${text('raw_key')}::text[],
                               ${versions}::text[], ${fetched}::timestamptz[])`,
    )
    .execute();
}
