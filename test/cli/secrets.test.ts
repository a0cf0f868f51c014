/**
 * No secret leaves the process (issue 10, item 3). Every command runs with a canary password in every URL it is
 * configured with (the database, the OpenLineage endpoint, the S3 endpoint) and a canary AWS secret key, along
 * the success and the error paths; then the canary is looked for in everything that leaves the process: stdout,
 * stderr, every row of every database table, every lake object (body and metadata) and every event the lineage
 * server received. It must be nowhere.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectVersionsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCli, spawnCli, startCli, type CliResult } from '../support/cli.js';
import {
  createTestWarehouse,
  postgresReachable,
  servicesRequired,
  testPostgresUrl,
  type TestWarehouse,
} from '../support/databases.js';
import { startLineageReceiver, type LineageReceiver } from '../support/openlineage-receiver.js';
import { describeOnRgw } from '../support/rgw.js';

const CANARY = `Canary${randomBytes(6).toString('hex')}`;

const postgresUp = await postgresReachable();

/** The same URL with `password` in its user info (trust authentication ignores it, so the URL still works). */
function withPassword(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
}

/** A local port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

/** Every file under `root` (the lake's objects and their metadata), as text. */
async function filesUnder(root: string): Promise<{ where: string; text: string }[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile());
  return Promise.all(
    files.map(async (entry) => {
      const path = join(entry.parentPath ?? entry.path, entry.name);
      return { where: `file ${path}`, text: await readFile(path, 'utf8') };
    }),
  );
}

/** Every row of every table of the database, as text (the schema's own tables and the migrations' too). */
async function rowsOf(databaseUrl: string): Promise<{ where: string; text: string }[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `select table_schema as schema, table_name as name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    expect(tables.rows.map((table) => table.name)).toEqual(
      expect.arrayContaining(['computation_runs', 'lake_outbox', 'lake_objects']),
    );
    const places: { where: string; text: string }[] = [];
    for (const { schema, name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`select t::text as row from "${schema}"."${name}" t`);
      places.push(...rows.rows.map((row, i) => ({ where: `table ${schema}.${name} row ${i}`, text: row.row })));
    }
    return places;
  } finally {
    await client.end();
  }
}

/** Where the canary was found, with a little context, or [] when it is nowhere. */
function leaks(places: readonly { where: string; text: string }[], secret = CANARY): string[] {
  return places.flatMap(({ where, text }) => {
    const at = text.indexOf(secret);
    return at < 0 ? [] : [`${where}: ...${text.slice(Math.max(0, at - 120), at + secret.length + 20)}...`];
  });
}

describe.skipIf(!postgresUp && !servicesRequired())('no secret leaves the process', () => {
  const savedEnv = { ...process.env };
  const outputs: { where: string; text: string }[] = [];
  let receiver: LineageReceiver;
  let fileLake: TestWarehouse;
  let s3Lake: TestWarehouse;
  let unreachableLineage: string;
  let unreachableS3: string;

  /** Runs one command and keeps what it printed for the final search. */
  async function cli(...args: string[]): Promise<CliResult> {
    const result = await runCli(...args);
    outputs.push(
      { where: `stdout of ${args.join(' ')}`, text: result.stdout },
      { where: `stderr of ${args.join(' ')}`, text: result.stderr },
    );
    return result;
  }

  beforeAll(async () => {
    if (!postgresUp)
      throw new Error(
        `PostgreSQL at ${testPostgresUrl()} is not reachable; MARKETLAKE_REQUIRE_SERVICES=1 makes this a failure`,
      );
    receiver = await startLineageReceiver();
    unreachableLineage = `http://lineage:${CANARY}@127.0.0.1:${await closedPort()}`;
    unreachableS3 = `http://s3user:${CANARY}@127.0.0.1:${await closedPort()}`;
    // Each lake gets a database of its own (a database belongs to one lake); the CLI opens them itself.
    fileLake = await createTestWarehouse('postgres');
    await fileLake.warehouse.close();
    s3Lake = await createTestWarehouse('postgres');
    await s3Lake.warehouse.close();
    process.env.AWS_ACCESS_KEY_ID = 'canary-access-key';
    process.env.AWS_SECRET_ACCESS_KEY = `${CANARY}AwsSecret`;
    process.env.AWS_REGION = 'us-east-1';
  });
  afterAll(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await receiver?.close();
    await fileLake?.dispose();
    await s3Lake?.dispose();
  });

  const flagsOf = (database: TestWarehouse) => [
    '--home',
    database.home,
    '--database',
    withPassword(database.databaseUrl!, 'postgres', CANARY),
  ];

  it('every command on a file lake, with lineage delivered and then undeliverable', async () => {
    const flags = flagsOf(fileLake);
    process.env.MARKETLAKE_OPENLINEAGE_URL = withPassword(receiver.url, 'lineage', CANARY);
    const run = await cli('run', ...flags, '--tickers', 'NVDA,D05.SI', '--json');
    expect(run.code).toBe(0);
    // The credentials in the URL authenticate the POSTs (HTTP basic), and the events arrive.
    expect(receiver.events.map((received) => received.event.eventType)).toEqual(['START', 'COMPLETE']);
    expect(receiver.events.map((received) => received.authorization)).toEqual(
      Array(2).fill(`Basic ${Buffer.from(`lineage:${CANARY}`).toString('base64')}`),
    );
    expect(JSON.parse(run.stdout).lineage_errors).toEqual([]);

    // The error path: every POST fails, and the run summary (stdout and computation_runs) says why.
    process.env.MARKETLAKE_OPENLINEAGE_URL = unreachableLineage;
    const failing = await cli('run', ...flags, '--tickers', 'D05.SI', '--json');
    expect(JSON.parse(failing.stdout).lineage_errors).toEqual([
      expect.stringMatching(
        /^OpenLineage START event not delivered to http:\/\/lineage:\*\*\*@127\.0\.0\.1:\d+\/api\/v1\/lineage: fetch failed/,
      ),
      expect.stringMatching(
        /^OpenLineage COMPLETE event not delivered to http:\/\/lineage:\*\*\*@127\.0\.0\.1:\d+\/api\/v1\/lineage: fetch failed/,
      ),
    ]);
    await cli('run', ...flags, '--tickers', 'NVDA');
    await cli('reprocess', ...flags, '--computation-version', '2.0', '--json');
    await cli('reprocess', ...flags, '--computation-version', '2.0');
    await cli('diff', ...flags, '--from', '1.0', '--to', '2.0', '--json');
    await cli('diff', ...flags, '--from', '1.0', '--to', '2.0');
    await cli('stale', ...flags, '--json');
    await cli('stale', ...flags);
    await cli('verify', ...flags, '--json');
    await cli('verify', ...flags);
    await cli('catalog', 'rebuild', ...flags, '--json');
    await cli('warehouse', 'rebuild', ...flags, '--json');
    await cli('tables', 'rebuild', ...flags, '--json');
    await cli('tables', 'rebuild', ...flags);
    // `sql` opens the lake alone: its --database is Athena's, so the home is all it takes.
    await cli('sql', 'SELECT ticker, raw_key FROM indicators_latest', '--home', fileLake.home, '--json');
    await cli('sql', 'SELECT * FROM runs', '--home', fileLake.home, '--csv');
    await cli('get', 'indicators', 'NVDA', ...flags, '--json');
    await cli('get', 'raw', 'NVDA', ...flags);
    const versions = await cli('versions', 'indicators', 'NVDA', ...flags, '--json');
    const key = (JSON.parse(versions.stdout) as { key: string }[])[0].key;
    await cli('versions', 'indicators', 'NVDA', ...flags);
    await cli('lineage', key, ...flags, '--json');
    await cli('lineage', key, ...flags);
    await cli('ls', ...flags, '--json');
    await cli('ls', 'lineage/', ...flags);
    await cli('lake', 'retry', ...flags, '--json');
    await cli('lake', 'retry', ...flags);
    await cli('bucket', 'check', ...flags, '--json');
    await cli('restore', key, ...flags, '--json');
    await cli('quality', 'check', '--home', fileLake.home, '--json');
    await cli('quality', 'check', '--home', fileLake.home);

    // Alerts to webhooks that do not answer, with the canary in their passwords and (a Slack webhook's secret) in
    // the path: a config that makes every ticker fail a warning gives them something to send.
    const down = await closedPort();
    process.env.MARKETLAKE_SLACK_WEBHOOK_URL = `http://hook:${CANARY}@127.0.0.1:${down}/services/T0/B0/${CANARY}x`;
    process.env.MARKETLAKE_ALERT_WEBHOOK_URL = `http://am:${CANARY}@127.0.0.1:${down}/api/v2/alerts`;
    const qualityConfig = join(fileLake.home, 'quality.json');
    await writeFile(qualityConfig, JSON.stringify({ checks: { 'plausibility.flat_close': { max_days: 0 } } }));
    const alerting = await cli('run', ...flags, '--tickers', 'NVDA', '--json');
    const alerts = (JSON.parse(alerting.stdout) as { alerts: { queued: number; failures: string[] } }).alerts;
    expect(alerts.queued).toBeGreaterThan(0);
    expect(alerts.failures.join('\n')).toMatch(/127\.0\.0\.1/);
    await cli('run', ...flags, '--tickers', 'NVDA');
    await cli('alerts', 'retry', ...flags, '--json');
    await cli('alerts', 'retry', ...flags);
    await cli('alerts', 'list', ...flags, '--json');
    await cli('alerts', 'list', ...flags);
    delete process.env.MARKETLAKE_SLACK_WEBHOOK_URL;
    delete process.env.MARKETLAKE_ALERT_WEBHOOK_URL;
    await rm(qualityConfig);

    const csv = join(fileLake.home, 'bars.csv');
    await writeFile(csv, 'Date,Open,High,Low,Close,Volume\n2026-01-02,1,2,0.5,1.5,100\n');
    for (const command of ['indicators', 'percentiles', 'features']) await cli(command, '--csv', csv);

    // The HTTP API, as its own process: the canary in the database URL and in the API token; requests with the
    // token, without it, with a wrong one and with credential-like query values; the JSON request log on stderr.
    const token = `${CANARY}-api-token-0123456789`;
    const args = ['serve', ...flags, '--port', '0'];
    const serve = startCli(args, { MARKETLAKE_API_TOKENS: token });
    try {
      let url: string | undefined;
      for (let tries = 0; url === undefined && tries < 600; tries++) {
        url = /serving the lake at (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.stdout())?.[1];
        if (url === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(url, serve.stderr()).toBeDefined();
      const ask = async (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) => {
        const answer = await fetch(`${url}${path}`, { ...init, headers });
        outputs.push({ where: `answer of serve ${path}`, text: await answer.text() });
        return answer.status;
      };
      const bearer = { Authorization: `Bearer ${token}` };
      expect(await ask('/v1/indicators/NVDA/latest', bearer)).toBe(200);
      expect(await ask('/readyz')).toBe(200);
      expect(await ask('/v1/indicators/NVDA/latest')).toBe(401);
      expect(await ask('/v1/tickers', { Authorization: `Bearer ${CANARY}-wrong-0123456789` })).toBe(401);
      expect(await ask(`/v1/objects?key=nope&token=${CANARY}`, bearer)).toBe(400);
      const sql = { ...bearer, 'content-type': 'application/json' };
      const body = JSON.stringify({ query: `SELECT '${CANARY}' FROM nowhere` });
      expect(await ask('/v1/sql', sql, { method: 'POST', body })).toBe(400);
    } finally {
      serve.child.kill('SIGTERM');
    }
    const served = await serve.result;
    outputs.push(
      { where: `stdout of ${args.join(' ')}`, text: served.stdout },
      { where: `stderr of ${args.join(' ')}`, text: served.stderr },
    );
    expect(served.stderr).toContain('"route":"/v1/:kind/:ticker/latest"');
  });

  it('configuration and connection errors', async () => {
    const home = ['--home', fileLake.home];
    const database = withPassword(fileLake.databaseUrl!, 'postgres', CANARY);
    const refused = await cli(
      'ls',
      ...home,
      '--database',
      withPassword(`postgres://127.0.0.1:${await closedPort()}/x`, 'postgres', CANARY),
    );
    expect(refused.stderr).toContain('cannot connect to PostgreSQL');
    const missing = await cli(
      'ls',
      ...home,
      '--database',
      withPassword(
        `${testPostgresUrl().replace(/\/[^/]*$/, '')}/no_such_database_${randomBytes(4).toString('hex')}`,
        'postgres',
        CANARY,
      ),
    );
    expect(missing.code).toBe(1);
    await cli('ls', ...home, '--database', `mysql://root:${CANARY}@127.0.0.1/x`);
    await cli('ls', ...home, '--database', `postgres://postgres:${CANARY}@[127.0.0.1/x`);
    await cli('ls', ...home, `--database=postgres://postgres:${CANARY}@127.0.0.1/x`, '--no-such-option');
    await cli('get', 'nonsense', 'NVDA', ...home, '--database', database);
    // Arguments echoed back in messages: the URL's password is left out even when it is not a configured one.
    await cli('get', 'indicators', `http://u:${CANARY}@h`, ...home, '--database', database);
    await cli('run', ...home, '--database', database, '--concurrency', `http://u:${CANARY}@h`);
    await cli('run', ...home, '--database', database, '--tickers', `NVDA,http://u:${CANARY}@h`);
    await cli('ls', ...home, '--database', database, '--lake', `s3://u:${CANARY}@bucket`);
    process.env.MARKETLAKE_OPENLINEAGE_URL = `ftp://lineage:${CANARY}@127.0.0.1/`;
    await cli('run', ...home, '--database', database, '--tickers', 'NVDA');
    process.env.MARKETLAKE_OPENLINEAGE_URL = unreachableLineage;
  });

  it('every command on an S3 lake whose endpoint does not answer', async () => {
    const flags = [...flagsOf(s3Lake), '--lake', 's3://marketlake-canary/lake', '--s3-endpoint', unreachableS3];
    process.env.MARKETLAKE_OPENLINEAGE_URL = unreachableLineage;
    const run = await cli('run', ...flags, '--tickers', 'NVDA', '--json');
    // The lake does not answer: the rows are written, the writes wait in the outbox with their error.
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ outbox_pending: 4 });
    await cli('lake', 'retry', ...flags, '--json');
    await cli('lake', 'retry', ...flags);
    await cli('reprocess', ...flags, '--computation-version', '2.0', '--json');
    await cli('ls', ...flags);
    await cli('get', 'raw', 'NVDA', ...flags);
    await cli('versions', 'raw', 'NVDA', ...flags);
    await cli('verify', ...flags, '--json');
    await cli('catalog', 'rebuild', ...flags);
    await cli('warehouse', 'rebuild', ...flags);
    await cli('tables', 'rebuild', ...flags);
    await cli('sql', 'SELECT count(*) FROM prices', ...flags.filter((_, i) => i < 2 || i > 3));
    await cli('bucket', 'check', ...flags);
    await cli('bucket', 'setup', ...flags, '--json');
    await cli('restore', 'raw/sample/NVDA/2026-01-01/20260101_000000.json', ...flags);
    await cli('diff', ...flags, '--from', '1.0', '--to', '2.0');
    await cli('stale', ...flags);

    // Once in a process of its own, so that what only a real process prints (Node's warnings, the AWS SDK's)
    // is searched too; configured through the environment this time.
    const [, home, , database] = flagsOf(s3Lake);
    const env = {
      MARKETLAKE_HOME: home,
      MARKETLAKE_DATABASE_URL: database,
      MARKETLAKE_LAKE: 's3://marketlake-canary/lake',
      MARKETLAKE_S3_ENDPOINT: unreachableS3,
    };
    const spawned = await spawnCli(['run', '--tickers', 'D05.SI', '--json'], env);
    outputs.push(
      { where: 'stdout of spawned run', text: spawned.stdout },
      { where: 'stderr of spawned run', text: spawned.stderr },
    );
    expect(spawned.code).toBe(1);
    expect(spawned.stderr).toContain('lake writes wait in the outbox');
  });

  it('the canary is in no output, no database row, no lake object and no event sent', async () => {
    // Make sure every command of the program was run at least once above.
    const commands = (await buildProgram()).commands.flatMap((command) =>
      command.commands.length === 0
        ? [command.name()]
        : command.commands.map((sub) => `${command.name()} ${sub.name()}`),
    );
    const ran = outputs.map(({ where }) => where.replace(/^(stdout|stderr) of /, ''));
    for (const command of commands) {
      expect(
        ran.some((args) => args.startsWith(`${command} `)),
        command,
      ).toBe(true);
    }
    const places = [
      ...outputs,
      ...(await rowsOf(fileLake.databaseUrl!)),
      ...(await rowsOf(s3Lake.databaseUrl!)),
      ...(await filesUnder(fileLake.home)),
      ...(await filesUnder(s3Lake.home)),
      ...receiver.events.map((received, i) => ({ where: `event ${i} received`, text: JSON.stringify(received) })),
    ];
    // What was redacted was really there: the stored run summaries carry the (redacted) lineage errors.
    expect(
      places.filter(
        ({ where, text }) => where.startsWith('table public.computation_runs') && text.includes('lineage:***@'),
      ).length,
    ).toBeGreaterThan(0);
    expect(
      places.filter(({ where, text }) => where.startsWith('table public.lake_outbox') && text.includes('127.0.0.1'))
        .length,
    ).toBeGreaterThan(0);
    expect(leaks(places)).toEqual([]);
  });
});

/** Every version of every object in the bucket: body, metadata and tags, as text. */
async function objectsOf(client: S3Client, bucket: string): Promise<{ where: string; text: string }[]> {
  const places: { where: string; text: string }[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await client.send(
      new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
    );
    for (const version of page.Versions ?? []) {
      const object = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: version.Key, VersionId: version.VersionId }),
      );
      const tags = await client.send(
        new GetObjectTaggingCommand({ Bucket: bucket, Key: version.Key, VersionId: version.VersionId }),
      );
      const text = JSON.stringify({
        body: await object.Body!.transformToString('utf8'),
        metadata: object.Metadata,
        tags: tags.TagSet,
      });
      places.push({ where: `s3://${bucket}/${version.Key} (${version.VersionId})`, text });
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker !== undefined);
  return places;
}

describe.skipIf(!postgresUp && !servicesRequired())('no secret leaves the process, on an S3 lake that answers', () => {
  describeOnRgw('with the canary in the endpoint URL', (rgw) => {
    const savedEnv = { ...process.env };
    const outputs: { where: string; text: string }[] = [];
    let receiver: LineageReceiver;
    let database: TestWarehouse;
    let flags: string[];

    async function cli(...args: string[]): Promise<CliResult> {
      const result = await runCli(...args);
      outputs.push(
        { where: `stdout of ${args.join(' ')}`, text: result.stdout },
        { where: `stderr of ${args.join(' ')}`, text: result.stderr },
      );
      return result;
    }

    beforeAll(async () => {
      receiver = await startLineageReceiver();
      database = await createTestWarehouse('postgres');
      await database.warehouse.close();
      flags = [
        '--home',
        database.home,
        '--database',
        withPassword(database.databaseUrl!, 'postgres', CANARY),
        '--lake',
        `s3://${rgw.bucket()}/lake`,
        // The S3 server ignores the user info; the SDK signs with the keys from the environment.
        '--s3-endpoint',
        withPassword(rgw.settings.endpoint, 's3user', CANARY),
      ];
      process.env.AWS_ACCESS_KEY_ID = rgw.settings.credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = rgw.settings.credentials.secretAccessKey;
      process.env.AWS_REGION = rgw.settings.region;
      process.env.MARKETLAKE_OPENLINEAGE_URL = withPassword(receiver.url, 'lineage', CANARY);
    });
    afterAll(async () => {
      for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
      Object.assign(process.env, savedEnv);
      await receiver?.close();
      await database?.dispose();
    });

    it('runs, reads and audits the lake, and the canary (nor the AWS secret key) is in no output, row, object or event', async () => {
      const run = await cli('run', ...flags, '--tickers', 'NVDA,7974.T', '--json');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 'ok', outbox_pending: 0, lineage_errors: [] });
      expect((await cli('reprocess', ...flags, '--computation-version', '2.0', '--json')).code).toBe(0);
      expect((await cli('verify', ...flags, '--json')).code).toBe(0);
      const versions = await cli('versions', 'indicators', 'NVDA', ...flags, '--json');
      const key = (JSON.parse(versions.stdout) as { key: string }[])[0].key;
      await cli('get', 'indicators', 'NVDA', ...flags, '--json');
      await cli('lineage', key, ...flags, '--json');
      await cli('ls', ...flags);
      await cli('catalog', 'rebuild', ...flags, '--json');
      await cli('lake', 'retry', ...flags);
      await cli('diff', ...flags, '--from', '1.0', '--to', '2.0');
      await cli('stale', ...flags, '--json');
      await cli('bucket', 'check', ...flags);
      await cli('restore', key, ...flags);
      expect(receiver.events.length).toBeGreaterThanOrEqual(4);

      const places = [
        ...outputs,
        ...(await rowsOf(database.databaseUrl!)),
        ...(await objectsOf(rgw.client(), rgw.bucket())),
        ...receiver.events.map((received, i) => ({ where: `event ${i} received`, text: JSON.stringify(received) })),
      ];
      expect(places.some(({ where }) => where.includes('/lake/lineage/openlineage/'))).toBe(true);
      expect(leaks(places)).toEqual([]);
      expect(leaks(places, rgw.settings.credentials.secretAccessKey)).toEqual([]);
    });
  });
});
