import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.js';
import { withEnv } from '../../../test/support/env.js';
import { openWarehouse } from '../database.js';
import { MIGRATIONS } from '../migrations/index.js';
import { pgliteDataDirectory } from './pglite.js';
import {
  installPreparedDatabase,
  PREPARED_DATABASE_ENV,
  PREPARED_DATABASE_FILE,
  preparedDatabaseFile,
} from './prepared-database.js';
import { writePreparedDatabase } from './write-prepared-database.js';
import type { Database } from '../schema.js';

/** Everything the migrations decide, in a comparable form: a prepared database must match it exactly. */
async function describeSchema(db: Kysely<Database>): Promise<Record<string, unknown>> {
  const rows = async (query: ReturnType<typeof sql>) => (await query.execute(db)).rows;
  const tables = (await rows(sql`
    select table_name from information_schema.tables where table_schema = current_schema()
    order by table_name`)) as { table_name: string }[];
  const rowCounts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [{ count }] = (await rows(sql`select count(*)::int as count from ${sql.table(table_name)}`)) as {
      count: number;
    }[];
    rowCounts[table_name] = count;
  }
  return {
    columns: await rows(sql`
      select table_name, column_name, ordinal_position, data_type, is_nullable, column_default
      from information_schema.columns where table_schema = current_schema()
      order by table_name, ordinal_position`),
    indexes: await rows(sql`
      select tablename, indexname, indexdef from pg_indexes where schemaname = current_schema()
      order by tablename, indexname`),
    constraints: await rows(sql`
      select conrelid::regclass::text as relation, conname, pg_get_constraintdef(oid) as definition
      from pg_constraint where connamespace = current_schema()::regnamespace
      order by relation, conname`),
    sequences: await rows(sql`
      select sequence_name, data_type, start_value, increment from information_schema.sequences
      where sequence_schema = current_schema() order by sequence_name`),
    functions: await rows(sql`
      select proname, pg_get_function_identity_arguments(oid) as arguments from pg_proc
      where pronamespace = current_schema()::regnamespace order by proname, arguments`),
    triggers: await rows(sql`
      select tgrelid::regclass::text as relation, tgname from pg_trigger
      where not tgisinternal order by relation, tgname`),
    migrations: await rows(sql`select name from marketlake_migration order by name`),
    migrationLock: await rows(sql`select * from marketlake_migration_lock`),
    rowCounts,
  };
}

/** PostgreSQL's system identifier of a home's database: initdb draws it; every copy of an archive shares it. */
async function systemIdentifier(home: string): Promise<string> {
  const pglite = new PGlite(pgliteDataDirectory(home));
  try {
    const { rows } = await pglite.query<{ id: string }>(
      'select system_identifier::text as id from pg_control_system()',
    );
    return rows[0]!.id;
  } finally {
    await pglite.close();
  }
}

async function schemaOf(home: string): Promise<Record<string, unknown>> {
  const warehouse = await openWarehouse({ home });
  try {
    return await describeSchema(warehouse.db);
  } finally {
    await warehouse.close();
  }
}

describe('the prepared database', () => {
  const migrationNames = Object.keys(MIGRATIONS);
  let scratch: string;
  let archive: string;
  let olderArchive: string;
  let migratedSchema: Record<string, unknown>;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'marketlake-prepared-test-'));
    archive = join(scratch, 'prepared.tar.gz');
    olderArchive = join(scratch, 'prepared-older.tar.gz');
    expect(await writePreparedDatabase(archive)).toEqual(migrationNames);
    expect(await writePreparedDatabase(olderArchive, { through: migrationNames.at(-2) })).toEqual(
      migrationNames.slice(0, -1),
    );
    // The reference: a database PGlite creates itself, then migrated (the sources ship no prepared database, and
    // the one the test run made for every other test is set aside).
    expect(existsSync(PREPARED_DATABASE_FILE), PREPARED_DATABASE_FILE).toBe(false);
    migratedSchema = await withEnv({ [PREPARED_DATABASE_ENV]: undefined }, () => schemaOf(join(scratch, 'migrated')));
    expect(readdirSync(join(scratch, 'migrated')).filter((name) => name.startsWith('pglite'))).toEqual(['pglite']);
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('gives a new home exactly the schema, migration records and (no) rows that the migrations give', async () => {
    const home = join(scratch, 'from-archive');
    mkdirSync(home);
    expect(installPreparedDatabase(pgliteDataDirectory(home), archive)).toBe(true);
    const schema = await schemaOf(home);
    expect(schema).toEqual(migratedSchema);
    expect(schema.migrations).toEqual(migrationNames.map((name) => ({ name })));
    const filled = Object.entries(schema.rowCounts as Record<string, number>).filter(([, count]) => count > 0);
    expect(filled.map(([table]) => table)).toEqual(['marketlake_migration', 'marketlake_migration_lock']);
    // The reference is a database of its own, not a copy of an archive: initdb gave it another system identifier.
    expect(await systemIdentifier(join(scratch, 'migrated'))).not.toBe(await systemIdentifier(home));
  }, 60_000);

  it('applies the migrations an older archive lacks when the warehouse opens', async () => {
    const home = join(scratch, 'from-older-archive');
    mkdirSync(home);
    expect(installPreparedDatabase(pgliteDataDirectory(home), olderArchive)).toBe(true);
    // As unpacked, it differs from the reference (which also shows the comparison can tell them apart).
    const pglite = new PGlite(pgliteDataDirectory(home));
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    try {
      const unpacked = await describeSchema(db);
      expect(unpacked.migrations).toEqual(migrationNames.slice(0, -1).map((name) => ({ name })));
      expect(unpacked).not.toEqual(migratedSchema);
    } finally {
      await db.destroy();
    }
    expect(await schemaOf(home)).toEqual(migratedSchema);
  }, 60_000);

  it('takes the archive MARKETLAKE_PREPARED_DATABASE names, and refuses one named that does not exist', async () => {
    expect(preparedDatabaseFile({})).toBe(PREPARED_DATABASE_FILE);
    expect(preparedDatabaseFile({ [PREPARED_DATABASE_ENV]: ' ' })).toBe(PREPARED_DATABASE_FILE);
    expect(preparedDatabaseFile({ [PREPARED_DATABASE_ENV]: archive })).toBe(archive);

    const home = join(scratch, 'named');
    mkdirSync(home);
    await withEnv({ [PREPARED_DATABASE_ENV]: olderArchive }, async () => {
      expect(installPreparedDatabase(pgliteDataDirectory(home))).toBe(true);
    });
    // The older archive's migrations, not those of another archive: it came from the file named.
    const pglite = new PGlite(pgliteDataDirectory(home));
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    try {
      expect((await describeSchema(db)).migrations).toEqual(migrationNames.slice(0, -1).map((name) => ({ name })));
    } finally {
      await db.destroy();
    }

    const missing = join(scratch, 'no-such-archive.tar.gz');
    const elsewhere = join(scratch, 'named-missing');
    mkdirSync(elsewhere);
    await withEnv({ [PREPARED_DATABASE_ENV]: missing }, async () => {
      await expect(openWarehouse({ home: elsewhere })).rejects.toThrow(
        `the prepared database ${missing} does not exist`,
      );
    });
    expect(readdirSync(elsewhere).filter((name) => name.startsWith('pglite'))).toEqual([]);
  }, 60_000);

  it('leaves an existing database alone', () => {
    const home = join(scratch, 'existing');
    mkdirSync(join(home, 'pglite'), { recursive: true });
    writeFileSync(join(home, 'pglite', 'PG_VERSION'), 'ours\n');
    expect(installPreparedDatabase(pgliteDataDirectory(home), archive)).toBe(false);
    expect(readdirSync(join(home, 'pglite'))).toEqual(['PG_VERSION']);
  });

  it('never leaves a half-made database: a failed copy leaves none, and leftovers of a killed one go', () => {
    const home = join(scratch, 'interrupted');
    const leftover = join(home, 'pglite.unpacking-0123456789ab');
    mkdirSync(join(leftover, 'base'), { recursive: true }); // as if a process died while unpacking
    const damaged = join(scratch, 'damaged.tar.gz');
    writeFileSync(damaged, 'not an archive');

    expect(() => installPreparedDatabase(pgliteDataDirectory(home), damaged)).toThrow(
      new RegExp(`cannot create the database ${pgliteDataDirectory(home)} from ${damaged}: .*header`),
    );
    expect(readdirSync(home)).toEqual([]);

    mkdirSync(leftover);
    expect(installPreparedDatabase(pgliteDataDirectory(home), archive)).toBe(true);
    expect(readdirSync(home)).toEqual(['pglite']);
  });

  it('serves a first run and a read on a new home', async () => {
    const home = join(scratch, 'cli');
    mkdirSync(home);
    installPreparedDatabase(pgliteDataDirectory(home), archive);
    const run = await runCli('run', '--home', home, '--tickers', 'NVDA', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'ok', tickers_ok: ['NVDA'] });
    const get = await runCli('get', 'indicators', 'NVDA', '--home', home, '--json');
    expect(get.code, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout).key).toMatch(/NVDA/);
  }, 120_000);

  it('the built CLI starts a new home from the archive shipped in dist/, with the variable unset', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const shipped = join(root, 'dist/warehouse/pglite/prepared-database.tar.gz');
    expect(existsSync(shipped), `${shipped}: npm run build`).toBe(true);
    const home = join(scratch, 'built-cli');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bin/marketlake.js'), 'run', '--home', home, '--tickers', 'NVDA', '--json'],
      { env: { ...process.env, [PREPARED_DATABASE_ENV]: '', MARKETLAKE_NOW: '2026-12-01T22:00:00Z' } },
    );
    expect(JSON.parse(stdout)).toMatchObject({ status: 'ok', tickers_ok: ['NVDA'] });
    // The same database as a copy of the shipped archive (its system identifier), not one PGlite made anew.
    const copy = join(scratch, 'shipped-copy');
    mkdirSync(copy);
    expect(installPreparedDatabase(pgliteDataDirectory(copy), shipped)).toBe(true);
    expect(await systemIdentifier(home)).toBe(await systemIdentifier(copy));
  }, 120_000);
});
