import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { establishLakeIdentity, LAKE_MARKER_KEY, readLakeIdentity } from '../../src/lake/identity.js';
import { LakeMismatchError } from '../../src/lake-binding.js';
import { openRuntime } from '../../src/runtime.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import { openWarehouse } from '../../src/warehouse/database.js';
import { TABLE_NAMES, type Database } from '../../src/warehouse/schema.js';
import { runCli } from '../support/cli.js';
import { createTestWarehouse, type TestWarehouse } from '../support/databases.js';
import { describeOnRgw } from '../support/rgw.js';

/** Every row of every table, in a stable order: "the tables are unchanged" is equality of two of these. */
async function tableSnapshot(db: Kysely<Database>): Promise<Record<string, string[]>> {
  const snapshot: Record<string, string[]> = {};
  for (const table of TABLE_NAMES) {
    const rows = await db.selectFrom(table).selectAll().execute();
    snapshot[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return snapshot;
}

async function pgliteSnapshot(home: string): Promise<Record<string, string[]>> {
  const warehouse = await openWarehouse({ home });
  try {
    return await tableSnapshot(warehouse.db);
  } finally {
    await warehouse.close();
  }
}

/** Every file under a folder (dot files included) with its size and modification time. */
async function folderSnapshot(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path);
    files.push(`${relative(root, path)} ${info.size} ${info.mtimeMs}`);
  }
  return files.sort();
}

async function bucketSnapshot(client: S3Client, bucket: string): Promise<string[]> {
  const listed = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  expect(listed.IsTruncated).toBeFalsy();
  return [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => `${v.Key}@${v.VersionId}`).sort();
}

async function recordedLakeId(db: Kysely<Database>): Promise<string | undefined> {
  return (await db.selectFrom('lake_identity').select('lake_id').executeTakeFirst())?.lake_id;
}

function expectOneLineError(result: { code: number; stdout: string; stderr: string }): string {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  return result.stderr;
}

/** PGlite starts slowly on a busy machine, and each CLI call below opens it. */
const PGLITE_CLI_TIMEOUT_MS = 300_000;

describe('lake identity (file lake, PGlite)', () => {
  let scratch: string;
  let home: string;
  let homeLake: string;
  let lakeId: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'marketlake-identity-'));
    home = join(scratch, 'home');
    homeLake = pathToFileURL(join(home, 'lake')).href;
  });
  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  it(
    'the first run gives the lake its identity and records it in the database',
    async () => {
      const run = await runCli('run', '--home', home, '--tickers', 'NVDA', '--json');
      expect(run.code).toBe(0);
      const marker = await readLakeIdentity(new FsObjectStore(join(home, 'lake')));
      expect(marker).toBeDefined();
      lakeId = marker!.lakeId;
      const warehouse = await openWarehouse({ home });
      try {
        const row = await warehouse.db.selectFrom('lake_identity').selectAll().executeTakeFirstOrThrow();
        expect(row).toMatchObject({ lake_id: lakeId, location: homeLake });
        expect(row.lake_created_at.toISOString()).toBe(marker!.createdAt.toISOString());
      } finally {
        await warehouse.close();
      }
    },
    PGLITE_CLI_TIMEOUT_MS,
  );

  it(
    'another lake is refused before anything is written, naming both: run, lake retry, and a read-only ls',
    async () => {
      const tablesBefore = await pgliteSnapshot(home);
      const lakeBefore = await folderSnapshot(join(home, 'lake'));
      // The case: a mistyped location is a folder that does not exist yet.
      const missing = join(scratch, 'typo');
      // And a real lake of its own, with another identity.
      const foreignRoot = join(scratch, 'foreign');
      const foreign = await establishLakeIdentity(new FsObjectStore(foreignRoot));
      const foreignBefore = await folderSnapshot(foreignRoot);

      const toMissing = expectOneLineError(
        await runCli('run', '--tickers', 'NVDA', '--json', '--home', home, '--lake', pathToFileURL(missing).href),
      );
      expect(toMissing).toBe(
        `marketlake: database ${join(home, 'pglite')} belongs to lake ${lakeId} (${homeLake}), but ${pathToFileURL(missing).href} has no lake ` +
          'identity (_marketlake/lake.json): it is another or an empty lake; point --lake at that lake, or use another database (--database, --home)\n',
      );
      expect(existsSync(missing)).toBe(false);

      for (const command of [
        ['lake', 'retry', '--json'],
        ['ls', '--json'],
      ]) {
        const toForeign = expectOneLineError(
          await runCli(...command, '--home', home, '--lake', pathToFileURL(foreignRoot).href),
        );
        expect(toForeign).toContain(
          `belongs to lake ${lakeId} (${homeLake}), but ${pathToFileURL(foreignRoot).href} is lake ${foreign.lakeId};`,
        );
      }
      expect(await folderSnapshot(foreignRoot)).toEqual(foreignBefore);
      expect(await folderSnapshot(join(home, 'lake'))).toEqual(lakeBefore);
      expect(await pgliteSnapshot(home)).toEqual(tablesBefore);
    },
    PGLITE_CLI_TIMEOUT_MS,
  );

  it('--lake file://relative/path is a configuration error, and makes no folder', async () => {
    const result = await runCli(
      'run',
      '--home',
      home,
      '--lake',
      'file://marketlake-relative-lake/path',
      '--tickers',
      'NVDA',
    );
    expect(expectOneLineError(result)).toMatch(/"marketlake-relative-lake" is a host name there/);
    expect(existsSync(join(process.cwd(), 'marketlake-relative-lake'))).toBe(false);
  });

  it(
    'a database from before lake identities adopts its own lake, and refuses a lake that lacks its objects',
    async () => {
      // What a database and lake written before this change look like: objects catalogued, no identity anywhere.
      let tablesBefore: Record<string, string[]>;
      const warehouse = await openWarehouse({ home });
      try {
        await warehouse.db.deleteFrom('lake_identity').execute();
        tablesBefore = await tableSnapshot(warehouse.db);
      } finally {
        await warehouse.close();
      }
      await rm(join(home, 'lake', '_marketlake'), { recursive: true });

      const empty = join(scratch, 'empty');
      const refused = expectOneLineError(
        await runCli('run', '--home', home, '--lake', pathToFileURL(empty).href, '--tickers', 'NVDA'),
      );
      expect(refused).toMatch(
        /catalogues objects that file:\/\/\S+\/empty does not hold \(processed\/\S+, raw\/\S+\): it was used with another lake/,
      );
      expect(existsSync(empty)).toBe(false);

      // A read-only command checks, but gives the lake no identity.
      const ls = await runCli('ls', '_marketlake/', '--home', home, '--json');
      expect(ls.code).toBe(0);
      expect(JSON.parse(ls.stdout)).toEqual([]);

      const adopted = await runCli('lake', 'retry', '--home', home, '--json');
      expect(adopted.code).toBe(0);
      const marker = await readLakeIdentity(new FsObjectStore(join(home, 'lake')));
      expect(marker?.lakeId).not.toBe(lakeId); // a new identity: the old marker is gone
      const after = await openWarehouse({ home });
      try {
        expect(await recordedLakeId(after.db)).toBe(marker?.lakeId);
        // Nothing but the record changed.
        const tablesAfter = await tableSnapshot(after.db);
        expect({ ...tablesAfter, lake_identity: [] }).toEqual(tablesBefore!);
      } finally {
        await after.close();
      }
    },
    PGLITE_CLI_TIMEOUT_MS,
  );
});

describeOnRgw('lake identity (S3 lake, PostgreSQL)', (rgw) => {
  let database: TestWarehouse;
  let home: string;
  const savedEnv = { ...process.env };
  const lakeFlags = (prefix: string): string[] => [
    '--lake',
    `s3://${rgw.bucket()}/${prefix}`,
    '--s3-endpoint',
    rgw.settings.endpoint,
  ];
  const flags = (prefix: string): string[] => [
    '--home',
    home,
    ...lakeFlags(prefix),
    '--database',
    database.databaseUrl!,
  ];

  beforeAll(async () => {
    database = await createTestWarehouse('postgres');
    home = await mkdtemp(join(tmpdir(), 'marketlake-identity-s3-'));
    process.env.AWS_ACCESS_KEY_ID = rgw.settings.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = rgw.settings.credentials.secretAccessKey;
    process.env.AWS_REGION = rgw.settings.region;
  });
  afterAll(async () => {
    process.env = savedEnv;
    await rm(home, { recursive: true, force: true });
    await database.dispose();
  });

  it('the first run records the lake; another prefix of the bucket is refused before anything is written, naming both', async () => {
    const run = await runCli('run', ...flags('lake'), '--tickers', 'NVDA', '--json');
    expect(run.code).toBe(0);
    const db = database.warehouse.db;
    const lakeId = await recordedLakeId(db);
    const location = `s3://${rgw.bucket()}/lake/ at ${rgw.settings.endpoint}`;
    expect(await db.selectFrom('lake_identity').select('location').executeTakeFirst()).toEqual({ location });
    const marker = await readLakeIdentity(rgw.openStore({ prefix: 'lake' }));
    expect(marker?.lakeId).toBe(lakeId);

    const tablesBefore = await tableSnapshot(db);
    const bucketBefore = await bucketSnapshot(rgw.client(), rgw.bucket());
    for (const command of [
      ['run', '--tickers', 'NVDA', '--json'],
      ['lake', 'retry', '--json'],
      ['verify', '--json'],
    ]) {
      const refused = expectOneLineError(await runCli(...command, ...flags('other')));
      expect(refused).toContain(
        `belongs to lake ${lakeId} (${location}), but s3://${rgw.bucket()}/other/ at ${rgw.settings.endpoint} has no lake identity`,
      );
    }
    // A lake that does not answer (tolerated by lake retry: its writes wait in the outbox) cannot show its id:
    // it must at least be where the recorded lake is.
    const unreachable = expectOneLineError(
      await runCli(
        'lake',
        'retry',
        '--home',
        home,
        '--lake',
        `s3://${rgw.bucket()}/lake`,
        '--s3-endpoint',
        'http://127.0.0.1:1',
        '--database',
        database.databaseUrl!,
      ),
    );
    expect(unreachable).toContain(
      `belongs to lake ${lakeId} (${location}), but s3://${rgw.bucket()}/lake/ at http://127.0.0.1:1 does not answer`,
    );
    expect(await bucketSnapshot(rgw.client(), rgw.bucket())).toEqual(bucketBefore);
    expect(await tableSnapshot(db)).toEqual(tablesBefore);
  });

  it('concurrent first opens of one new lake agree on one identity, with one version of the marker', async () => {
    const fresh = await createTestWarehouse('postgres');
    const runtimes: Awaited<ReturnType<typeof openRuntime>>[] = [];
    try {
      const config = resolveConfig({
        home,
        database: fresh.databaseUrl!,
        lake: `s3://${rgw.bucket()}/race`,
        s3Endpoint: rgw.settings.endpoint,
      });
      runtimes.push(...(await Promise.all(Array.from({ length: 4 }, () => openRuntime(config)))));
      const marker = await readLakeIdentity(rgw.openStore({ prefix: 'race' }));
      expect(await recordedLakeId(fresh.warehouse.db)).toBe(marker?.lakeId);
      const versions = await rgw
        .client()
        .send(new ListObjectVersionsCommand({ Bucket: rgw.bucket(), Prefix: `race/${LAKE_MARKER_KEY}` }));
      expect(versions.Versions).toHaveLength(1);
    } finally {
      await Promise.all(runtimes.map((runtime) => runtime.close()));
      await fresh.dispose();
    }
  });

  it('concurrent first opens of two new lakes with one database: one records its lake, the other is refused', async () => {
    const fresh = await createTestWarehouse('postgres');
    try {
      const open = (prefix: string) =>
        openRuntime(
          resolveConfig({
            home,
            database: fresh.databaseUrl!,
            lake: `s3://${rgw.bucket()}/${prefix}`,
            s3Endpoint: rgw.settings.endpoint,
          }),
        );
      const outcomes = await Promise.allSettled([open('left'), open('right')]);
      const opened = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(opened).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.reason).toBeInstanceOf(LakeMismatchError);
      const recorded = await recordedLakeId(fresh.warehouse.db);
      expect(String(refused[0]!.reason.message)).toContain(`belongs to lake ${recorded}`);
      for (const o of opened) await (o as PromiseFulfilledResult<Awaited<ReturnType<typeof open>>>).value.close();
    } finally {
      await fresh.dispose();
    }
  });

  it('concurrent first opens by two databases of one new file lake agree on one identity', async () => {
    const databases = await Promise.all([createTestWarehouse('postgres'), createTestWarehouse('postgres')]);
    const lake = pathToFileURL(join(home, 'shared-lake')).href;
    try {
      const runtimes = await Promise.all(
        databases.map((d) => openRuntime(resolveConfig({ home, lake, database: d.databaseUrl! }))),
      );
      await Promise.all(runtimes.map((runtime) => runtime.close()));
      const ids = await Promise.all(databases.map((d) => recordedLakeId(d.warehouse.db)));
      expect(ids[0]).toBeDefined();
      expect(ids[1]).toBe(ids[0]);
      expect((await readLakeIdentity(new FsObjectStore(join(home, 'shared-lake'))))?.lakeId).toBe(ids[0]);
    } finally {
      await Promise.all(databases.map((d) => d.dispose()));
    }
  });

  it('a lake moved with its objects keeps its identity: accepted at its new place, which a writer records', async () => {
    const fresh = await createTestWarehouse('postgres');
    const before = join(home, 'lake-before-move');
    const after = join(home, 'lake-after-move');
    const open = (path: string, readOnly: boolean) =>
      openRuntime(resolveConfig({ home, lake: pathToFileURL(path).href, database: fresh.databaseUrl! }), { readOnly });
    const location = async () =>
      (await fresh.warehouse.db.selectFrom('lake_identity').select('location').executeTakeFirst())?.location;
    try {
      await (await open(before, false)).close();
      const lakeId = await recordedLakeId(fresh.warehouse.db);
      await rename(before, after);
      await (await open(after, true)).close();
      expect(await location()).toBe(pathToFileURL(before).href); // a read-only command writes nothing
      await (await open(after, false)).close();
      expect(await location()).toBe(pathToFileURL(after).href);
      expect(await recordedLakeId(fresh.warehouse.db)).toBe(lakeId);
    } finally {
      await fresh.dispose();
    }
  });

  describe('with no AWS credentials anywhere', () => {
    const saved = { ...process.env };
    let emptyFile: string;
    beforeAll(async () => {
      emptyFile = join(home, 'empty-aws-file');
      await writeFile(emptyFile, '');
      for (const name of Object.keys(process.env)) {
        if (
          /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|WEB_IDENTITY_TOKEN_FILE|ROLE_ARN|CONTAINER_)/.test(
            name,
          )
        )
          delete process.env[name];
      }
      process.env.AWS_SHARED_CREDENTIALS_FILE = emptyFile;
      process.env.AWS_CONFIG_FILE = emptyFile;
      // Off EC2 the metadata endpoint would take seconds to time out; the chain must still end in an error.
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
    });
    afterAll(() => {
      process.env = { ...saved };
    });

    it('run is a configuration error before any write, not "lake not answering" with rows and pending entries', async () => {
      const fresh = await createTestWarehouse('postgres');
      try {
        const tablesBefore = await tableSnapshot(fresh.warehouse.db);
        const bucketBefore = await bucketSnapshot(rgw.client(), rgw.bucket());
        for (const command of [['run', '--tickers', 'NVDA', '--json'], ['lake', 'retry', '--json'], ['ls']]) {
          const result = await runCli(
            ...command,
            '--home',
            home,
            ...lakeFlags('nocreds'),
            '--database',
            fresh.databaseUrl!,
          );
          const message = expectOneLineError(result);
          expect(message).toMatch(
            /^marketlake: no AWS credentials for S3 bucket marketlake-test-\w+ at http:\/\/127\.0\.0\.1:7480 \(Could not load credentials from any providers\): set AWS_ACCESS_KEY_ID/,
          );
          expect(message).not.toMatch(/outbox|warning/);
        }
        expect(await tableSnapshot(fresh.warehouse.db)).toEqual(tablesBefore);
        expect(await bucketSnapshot(rgw.client(), rgw.bucket())).toEqual(bucketBefore);
      } finally {
        await fresh.dispose();
      }
    });
  });
});
