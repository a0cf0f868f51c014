import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeOnDatabases } from '../../test/support/databases.js';
import { openWarehouse } from './database.js';
import { WarehouseConnectionError, describePostgresUrl } from './postgres/postgres.js';
import { getRun, startRun } from './runs.js';

describeOnDatabases('openWarehouse', (ctx) => {
  it('reports its backend and a printable location', () => {
    const warehouse = ctx.warehouse();
    expect(warehouse.kind).toBe(ctx.backend);
    if (ctx.backend === 'pglite') expect(warehouse.location).toBe(join(ctx.home(), 'pglite'));
    else expect(warehouse.location).toMatch(/@.+:\d+\/marketlake_test_[0-9a-f]{12}$/);
  });

  it('reads bigint as a JS number and date as a YYYY-MM-DD string', async () => {
    const { db } = ctx.warehouse();
    const row = await db
      .selectNoFrom((eb) => [
        eb.cast<string>(eb.val('2024-03-01'), 'date').as('day'),
        eb.cast<number>(eb.val('9007199254740991'), 'bigint').as('big'),
      ])
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ day: '2024-03-01', big: Number.MAX_SAFE_INTEGER });
    await expect(
      db.selectNoFrom((eb) => eb.cast<number>(eb.val('9007199254740993'), 'bigint').as('big')).execute(),
    ).rejects.toThrow(/outside the range a JS number holds exactly/);
  });
});

describe('openWarehouse (PGlite home)', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'marketlake-db-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('keeps data across close and reopen; close is idempotent and releases the lock', async () => {
    const first = await openWarehouse({ home });
    await startRun(first.db, {
      runId: 'r1',
      kind: 'run',
      computationVersion: '1.0',
      source: 'sample',
      tickers: ['NVDA'],
    });
    await first.close();
    await first.close();
    const second = await openWarehouse({ home, databaseUrl: '  ' }); // blank means unset
    try {
      expect(second.kind).toBe('pglite');
      expect((await getRun(second.db, 'r1'))?.tickers).toEqual(['NVDA']);
    } finally {
      await second.close();
    }
  });
});

describe('openWarehouse (PostgreSQL errors)', () => {
  it('fails fast, naming host and port but not the password, when the server is not there', async () => {
    const started = Date.now();
    const error = await openWarehouse({
      home: tmpdir(),
      databaseUrl: 'postgres://app:s3cr3t-pw@127.0.0.1:1/marketlake',
    }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(WarehouseConnectionError);
    expect((error as Error).message).toMatch(/^cannot connect to PostgreSQL at app@127\.0\.0\.1:1\/marketlake: /);
    expect((error as Error).message).not.toContain('s3cr3t-pw');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('gives up after the connect timeout on a server that does not answer', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never routed, so the connection hangs (or fails at once without a route).
    const started = Date.now();
    await expect(
      openWarehouse({ home: tmpdir(), databaseUrl: 'postgres://u:pw@192.0.2.1:5432/db', connectTimeoutMs: 300 }),
    ).rejects.toThrow(/^cannot connect to PostgreSQL at u@192\.0\.2\.1:5432\/db: /);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('refuses a URL that is not postgres:// without echoing it', async () => {
    await expect(openWarehouse({ home: tmpdir(), databaseUrl: 'mysql://root:hunter2@db/x' })).rejects.toThrow(
      'the database URL must start with postgres:// or postgresql://, not mysql://',
    );
    const error = await openWarehouse({ home: tmpdir(), databaseUrl: 'hunter2 not a url' }).catch(
      (reason: Error) => reason,
    );
    expect(String(error)).not.toContain('hunter2');
  });

  it('describes URLs without credentials', () => {
    expect(describePostgresUrl('postgres://u%40x:pw@db.example.com:6543/reports?sslmode=require')).toBe(
      'u@x@db.example.com:6543/reports',
    );
    expect(describePostgresUrl('postgresql:///marketlake?host=/var/run/postgresql')).toBe(
      '/var/run/postgresql:5432/marketlake',
    );
    expect(describePostgresUrl('postgres://localhost')).toBe('localhost:5432/');
  });
});
