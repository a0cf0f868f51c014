import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestWarehouse, type TestWarehouse } from '../support/databases.js';
import { describeOnRgw } from '../support/rgw.js';

/** The whole pipeline through the CLI on the production kind of servers: an S3 lake (RGW) and PostgreSQL. */
describeOnRgw('the daily run on S3 and PostgreSQL', (rgw) => {
  let database: TestWarehouse;
  let home: string;
  let flags: string[];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    database = await createTestWarehouse('postgres');
    // The CLI opens its own connection; this one only served to create the database.
    await database.warehouse.close();
    home = await mkdtemp(join(tmpdir(), 'marketlake-s3pg-'));
    // The store takes its credentials from the SDK's standard chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = rgw.settings.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = rgw.settings.credentials.secretAccessKey;
    process.env.AWS_REGION = rgw.settings.region;
    flags = [
      '--home',
      home,
      '--lake',
      `s3://${rgw.bucket()}/lake`,
      '--s3-endpoint',
      rgw.settings.endpoint,
      '--database',
      database.databaseUrl!,
    ];
  });
  afterAll(async () => {
    process.env = savedEnv;
    await rm(home, { recursive: true, force: true });
    await database.dispose();
  });

  it('run writes every object to the bucket (under the prefix) and every row to PostgreSQL', async () => {
    const run = await runCli('run', ...flags, '--tickers', 'NVDA,D05.SI,0700.HK', '--json');
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ status: 'ok', objects_written: 12, outbox_pending: 0 });

    const keys = JSON.parse((await runCli('ls', ...flags, '--json')).stdout) as string[];
    // The data objects, plus the run's OpenLineage events (START and COMPLETE).
    expect(keys.filter((k) => k.startsWith('raw/') || k.startsWith('processed/'))).toHaveLength(12);
    expect(keys.filter((k) => k.startsWith('lineage/openlineage/'))).toHaveLength(2);
    expect(keys.filter((k) => k.startsWith('raw/sample/'))).toHaveLength(3);

    const indicators = JSON.parse((await runCli('get', 'indicators', 'D05.SI', ...flags, '--json')).stdout);
    expect(indicators.body.ticker).toBe('D05.SI');
    expect(indicators.metadata.source_raw_data_key).toBe(indicators.body.source_raw_data_key);
    const lineage = JSON.parse(
      (await runCli('lineage', indicators.body.source_raw_data_key, ...flags, '--json')).stdout,
    );
    expect(lineage.derived).toHaveLength(3);

    // The objects really are in the bucket under the prefix, with S3 version ids.
    const { ListObjectVersionsCommand } = await import('@aws-sdk/client-s3');
    const listed = await rgw.client().send(new ListObjectVersionsCommand({ Bucket: rgw.bucket(), Prefix: 'lake/' }));
    // Besides those: the run's OpenLineage events, the lake's identity marker and the run's table files (one per
    // table and partition: prices, indicators, percentiles, features, lake_objects, runs).
    const isData = (key: string) => key.startsWith('lake/raw/') || key.startsWith('lake/processed/');
    const dataKeys = listed.Versions!.map((v) => v.Key!).filter(isData);
    expect(dataKeys).toHaveLength(12);
    // lake_objects has one file per object date: a run on a day without a session holds raw objects of today and
    // results of the last session.
    const objectDates = new Set(dataKeys.map((key) => /\/(\d{4}-\d{2}-\d{2})\/[^/]+$/.exec(key)![1]));
    const tableFiles = listed
      .Versions!.filter((v) => v.Key!.startsWith('lake/tables/'))
      .map((v) => v.Key!.split('/')[2]);
    expect(tableFiles).toEqual([
      'features',
      'indicators',
      ...Array<string>(objectDates.size).fill('lake_objects'),
      'percentiles',
      'prices',
      'quality',
      'runs',
    ]);
    expect(summary.tables).toMatchObject({ files_written: 6 + objectDates.size, files_pending: 0 });
    expect(listed.Versions!.filter((v) => v.Key === 'lake/_marketlake/lake.json')).toHaveLength(1);
    expect(listed.Versions!.map((v) => v.VersionId)).toContain(indicators.version_id);
  });

  it('a second run keeps the first run readable', async () => {
    const run = await runCli('run', ...flags, '--tickers', 'NVDA', '--computation-version', '2.0', '--json');
    expect(run.code).toBe(0);
    const versions = JSON.parse((await runCli('versions', 'indicators', 'NVDA', ...flags, '--json')).stdout);
    expect(versions.map((v: { computation_version: string }) => v.computation_version)).toEqual(['2.0', '1.0']);
    const older = JSON.parse(
      (await runCli('get', 'indicators', 'NVDA', '--version', versions[1].version_id, ...flags, '--json')).stdout,
    );
    expect(older.body.computation_version).toBe('1.0');
  });
});
