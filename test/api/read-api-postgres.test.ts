/**
 * The read API on PostgreSQL: the reads answer from the database's catalog through one connection the server
 * opens at the first read and keeps (src/api/lake-access.ts), and still equal the CLI's; /readyz asks the database.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../src/api/server.js';
import { resolveConfig } from '../../src/config.js';
import { runCli } from '../support/cli.js';
import { createTestWarehouse, describeOnPostgres, type TestWarehouse } from '../support/databases.js';
import { httpRequest } from '../support/http.js';

describeOnPostgres('the read API', () => {
  let test: TestWarehouse;
  let server: ApiServer;
  const flags = () => ['--home', test.home, '--database', test.databaseUrl!];
  const cliJson = async (...args: string[]): Promise<unknown> => {
    const result = await runCli(...args, ...flags(), '--json');
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };
  const getJson = async (path: string): Promise<unknown> => {
    const answer = await httpRequest(server.url, path);
    expect(answer.status, answer.text()).toBe(200);
    return answer.json();
  };

  beforeAll(async () => {
    test = await createTestWarehouse('postgres');
    const saved = process.env.MARKETLAKE_NOW;
    process.env.MARKETLAKE_NOW = '2026-12-01T22:00:00Z';
    try {
      const run = await runCli('run', ...flags(), '--tickers', 'NVDA', '--json');
      expect(run.code, run.stderr).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.MARKETLAKE_NOW;
      else process.env.MARKETLAKE_NOW = saved;
    }
    const config = resolveConfig({ home: test.home, database: test.databaseUrl! });
    server = await startApiServer({ config, host: '127.0.0.1', port: 0, guards: { log: () => undefined } });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await test?.dispose();
  });

  it('answers what the CLI prints, from the catalog', async () => {
    const latest = (await cliJson('get', 'indicators', 'NVDA')) as {
      key: string;
      body: { source_raw_data_key: string };
    };
    expect(await getJson('/v1/indicators/NVDA/latest')).toEqual(latest);
    expect(await getJson('/v1/features/NVDA/versions')).toEqual(await cliJson('versions', 'features', 'NVDA'));
    const raw = latest.body.source_raw_data_key;
    expect(await getJson(`/v1/lineage?key=${encodeURIComponent(raw)}`)).toEqual(await cliJson('lineage', raw));
    expect((await httpRequest(server.url, '/v1/indicators/MSFT/latest')).status).toBe(404);
  });

  it('prices and an indicator series answer from the catalog, naming the snapshot and the result', async () => {
    const raw = (await cliJson('get', 'raw', 'NVDA')) as { key: string; version_id: string; body: { bars: unknown[] } };
    const prices = (await getJson('/v1/prices/NVDA')) as { raw: { key: string; version_id: string }; bars: unknown[] };
    expect(prices.raw).toMatchObject({ key: raw.key, version_id: raw.version_id });
    expect(prices.bars).toEqual(raw.body.bars);
    const known = (await getJson('/v1/prices/NVDA?as_known_at=2026-12-01T23:00:00Z')) as { raw: { key: string } };
    expect(known.raw.key).toBe(raw.key);
    expect((await httpRequest(server.url, '/v1/prices/NVDA?as_known_at=2026-12-01T21:00:00Z')).status).toBe(404);

    const result = (await cliJson('get', 'indicators', 'NVDA')) as {
      key: string;
      body: { source_raw_data_key: string; values: Record<string, number | null> };
    };
    const series = (await getJson('/v1/indicators/NVDA/series')) as {
      result: { key: string };
      raw: { key: string };
      fields: string[];
      points: Record<string, number | null>[];
    };
    expect(series.result.key).toBe(result.key);
    expect(series.raw.key).toBe(result.body.source_raw_data_key);
    const last = series.points.at(-1)!;
    for (const field of series.fields)
      expect({ field, value: last[field] }).toEqual({ field, value: result.body.values[field] });
  });

  it('/readyz asks the database and the lake', async () => {
    const ready = (await getJson('/readyz')) as { ready: boolean; database: { kind: string; ok: boolean } };
    expect(ready.ready).toBe(true);
    expect(ready.database).toMatchObject({ kind: 'postgres', ok: true });
  });
});
