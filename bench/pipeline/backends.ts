/**
 * The two backends the pipeline benchmark runs on, each with fresh, throwaway resources:
 *
 * - embedded: FsObjectStore in a temporary folder + PGlite in a temporary home (the defaults of marketlake);
 * - s3: S3ObjectStore on a fresh versioned bucket of the RGW endpoint (MARKETLAKE_TEST_S3_* or the defaults of
 *   scripts/rgw.sh) + a fresh PostgreSQL database `marketlake_bench_<random>` on 127.0.0.1:5432 (user postgres,
 *   trust auth; MARKETLAKE_BENCH_POSTGRES_URL overrides the server URL), dropped afterwards.
 *
 * Each backend also makes its floor's resources: a fresh database of the same kind and a bare object writer
 * (fs.writeFile into another temporary folder, or bare PutObjectCommands on another fresh versioned bucket).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import pg from 'pg';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { S3ObjectStore } from '../../src/storage/s3/s3-object-store.js';
import { testS3Settings, type TestS3Settings } from '../../src/storage/s3/testing/settings.js';
import { openWarehouse, type Warehouse } from '../../src/warehouse/database.js';
import { pool } from './common.js';

export type BackendName = 'embedded' | 's3';

/** Writes `body` under `key` with nothing around it: the floor of an object write. */
export interface FloorWriter {
  readonly label: string;
  write(key: string, index: number, body: Buffer): Promise<void>;
  dispose(): Promise<void>;
}

export interface Backend {
  name: BackendName;
  /** e.g. "FsObjectStore + PGlite" */
  label: string;
  /** Where the lake and database live, for the report. */
  where: string;
  store: ObjectStore;
  /** Open and migrated before any timing. */
  warehouse: Warehouse;
  /** The SDK client of the S3 store (to count its requests), if any. */
  s3Client?: S3Client;
  /** The lake's folder, for a file lake (its size on disk). */
  lakeRoot?: string;
  /** A fresh, migrated database of the same kind for the row floor. */
  openFloorWarehouse(): Promise<Warehouse>;
  /** A bare writer for the object floor; `durable` (fs only) adds an fsync per file as FsObjectStore does. */
  openFloorWriter(options?: { durable?: boolean }): Promise<FloorWriter>;
  dispose(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];

/** Cleans whatever is still open (also on Ctrl-C / a failure half way). */
export async function disposeAll(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    await cleanup().catch((error: unknown) => console.warn(`cleanup failed: ${(error as Error).message}`));
  }
}

function onCleanup(cleanup: () => Promise<void>): () => Promise<void> {
  let done = false;
  const once = async (): Promise<void> => {
    if (done) return;
    done = true;
    const index = cleanups.indexOf(once);
    if (index >= 0) cleanups.splice(index, 1);
    await cleanup();
  };
  cleanups.push(once);
  return once;
}

// ------------------------------------------------------------------------------------------------ embedded

async function openPgliteWarehouse(label: string): Promise<Warehouse> {
  const home = await mkdtemp(join(tmpdir(), `marketlake-bench-${label}-`));
  const warehouse = await openWarehouse({ home });
  const dispose = onCleanup(async () => {
    await warehouse.close();
    await rm(home, { recursive: true, force: true });
  });
  return wrapClose(warehouse, dispose);
}

export async function openEmbedded(): Promise<Backend> {
  const lakeRoot = await mkdtemp(join(tmpdir(), 'marketlake-bench-lake-'));
  const removeLake = onCleanup(() => rm(lakeRoot, { recursive: true, force: true }));
  const store = await FsObjectStore.open(lakeRoot);
  const warehouse = await openPgliteWarehouse('run');
  return {
    name: 'embedded',
    label: 'FsObjectStore + PGlite',
    where: `lake ${lakeRoot}, PGlite ${warehouse.location}`,
    lakeRoot,
    store,
    warehouse,
    openFloorWarehouse: () => openPgliteWarehouse('floor'),
    async openFloorWriter(options = {}) {
      const dir = await mkdtemp(join(tmpdir(), 'marketlake-bench-floor-'));
      const remove = onCleanup(() => rm(dir, { recursive: true, force: true }));
      return {
        label: options.durable ? 'open/write/fsync/close into a temp dir' : 'fs.writeFile into a temp dir',
        write: options.durable
          ? async (_key, index, body) => {
              const handle = await open(join(dir, `${index}.json`), 'wx');
              try {
                await handle.writeFile(body);
                await handle.sync();
              } finally {
                await handle.close();
              }
            }
          : (_key, index, body) => writeFile(join(dir, `${index}.json`), body),
        dispose: remove,
      };
    },
    async dispose() {
      await warehouse.close();
      await removeLake();
    },
  };
}

// ------------------------------------------------------------------------------------------------ S3 + PostgreSQL

export const DEFAULT_BENCH_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function postgresServerUrl(): string {
  return process.env.MARKETLAKE_BENCH_POSTGRES_URL?.trim() || DEFAULT_BENCH_POSTGRES_URL;
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresServerUrl(), connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function openPostgresWarehouse(suffix: string): Promise<Warehouse> {
  const database = `marketlake_bench_${randomBytes(5).toString('hex')}${suffix}`;
  await admin((client) => client.query(`create database "${database}"`));
  const drop = async (): Promise<void> => {
    await admin((client) => client.query(`drop database if exists "${database}" with (force)`));
  };
  const home = await mkdtemp(join(tmpdir(), 'marketlake-bench-pghome-'));
  let warehouse: Warehouse;
  try {
    warehouse = await openWarehouse({ databaseUrl: withDatabase(postgresServerUrl(), database), home });
  } catch (error) {
    await drop();
    throw error;
  }
  const dispose = onCleanup(async () => {
    await warehouse.close();
    await drop();
    await rm(home, { recursive: true, force: true });
  });
  return wrapClose(warehouse, dispose);
}

/** The client configuration S3ObjectStore uses, for the bare floor and bucket administration. */
function s3Client(
  settings: TestS3Settings,
  options: { maxAttempts?: number; requestTimeoutMs?: number } = {},
): S3Client {
  return new S3Client({
    ...settings,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    requestHandler: { connectionTimeout: 10_000, requestTimeout: options.requestTimeoutMs ?? 120_000 },
  });
}

/** Why the S3 + PostgreSQL backend cannot run, or undefined when it can. */
export async function s3BackendProblem(): Promise<string | undefined> {
  const settings = testS3Settings();
  const client = s3Client(settings, { maxAttempts: 1, requestTimeoutMs: 3_000 });
  try {
    await client.send(new ListBucketsCommand({}));
  } catch (error) {
    const e = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    return `the S3 server at ${settings.endpoint} does not answer (${status === undefined ? (e.code ?? e.message ?? e.name) : `${e.name} HTTP ${status}`}); start it with: bash scripts/rgw.sh start /tmp/mlrgw`;
  } finally {
    client.destroy();
  }
  if (typeof S3ObjectStore !== 'function') return 'src/storage/s3/s3-object-store.ts does not export S3ObjectStore';
  try {
    await admin((c) => c.query('select 1'));
  } catch (error) {
    return `PostgreSQL at ${postgresServerUrl().replace(/\/\/[^@/]*@/, '//')} does not answer (${(error as Error).message})`;
  }
  return undefined;
}

async function createBucket(
  admin: S3Client,
  purpose: string,
): Promise<{ bucket: string; empty: () => Promise<number> }> {
  const bucket = `marketlake-bench-${purpose}-${randomBytes(4).toString('hex')}`;
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  await admin.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  return { bucket, empty: () => removeBucket(admin, bucket) };
}

/** Deletes every version (one DeleteObject each: RGW wants Content-MD5 for a multi-delete) and the bucket. */
async function removeBucket(client: S3Client, bucket: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
    const targets = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key,
      VersionId: v.VersionId,
    }));
    if (targets.length === 0) break;
    await pool(targets, 32, (t) => client.send(new DeleteObjectCommand({ Bucket: bucket, ...t })));
    deleted += targets.length;
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  return deleted;
}

export async function openS3(options: { createOnly?: 'verify' | 'server' } = {}): Promise<Backend> {
  const settings = testS3Settings();
  const adminClient = s3Client(settings);
  const destroyAdmin = onCleanup(async () => adminClient.destroy());
  const lakeBucket = await createBucket(adminClient, 'lake');
  const removeLakeBucket = onCleanup(async () => {
    const t0 = Date.now();
    const n = await lakeBucket.empty();
    console.log(`  removed bucket ${lakeBucket.bucket} (${n} versions) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
  const store = await S3ObjectStore.open({
    bucket: lakeBucket.bucket,
    ...settings,
    ...(options.createOnly ? { createOnly: options.createOnly } : {}),
  });
  const closeStore = onCleanup(async () => store.close());
  const warehouse = await openPostgresWarehouse('');
  return {
    name: 's3',
    label: `S3ObjectStore on Ceph RGW + PostgreSQL${options.createOnly === 'server' ? " (createOnly: 'server', NOT safe on RGW: a what-if)" : ''}`,
    where: `s3://${lakeBucket.bucket} at ${settings.endpoint}, PostgreSQL ${warehouse.location}`,
    store,
    warehouse,
    s3Client: store.client,
    openFloorWarehouse: () => openPostgresWarehouse('_floor'),
    async openFloorWriter() {
      const floorBucket = await createBucket(adminClient, 'floor');
      const client = s3Client(settings);
      const dispose = onCleanup(async () => {
        client.destroy();
        await floorBucket.empty();
      });
      return {
        label: `bare PutObjectCommand on a fresh versioned bucket`,
        write: async (key, _index, body) => {
          await client.send(
            new PutObjectCommand({ Bucket: floorBucket.bucket, Key: key, Body: body, ContentType: 'application/json' }),
          );
        },
        dispose,
      };
    },
    async dispose() {
      await warehouse.close();
      await closeStore();
      await removeLakeBucket();
      await destroyAdmin();
    },
  };
}

/** `close()` of the returned warehouse also removes its home or database. */
function wrapClose(warehouse: Warehouse, dispose: () => Promise<void>): Warehouse {
  return {
    db: warehouse.db,
    kind: warehouse.kind,
    location: warehouse.location,
    close: dispose,
  };
}
