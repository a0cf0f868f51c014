import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tickersOfShard } from '../../src/market/shard.js';
import type { RunSummary } from '../../src/pipeline/daily-run.js';
import { SAMPLE_TICKERS } from '../../src/sources/sample/sample-universe.js';
import { TABLE_NAMES } from '../../src/warehouse/schema.js';
import { spawnCli, type CliResult } from '../support/cli.js';
import { createTestWarehouse, describeOnPostgres, type TestWarehouse } from '../support/databases.js';
import { TEST_NOW } from '../support/lake.js';
import { createTestBucket, describeOnRgw, type TestBucket } from '../support/rgw.js';

/**
 * Scale-out as production runs it: 4 shards of one universe as 4 processes at once (two told their index by
 * --shard I/N, one by a Kubernetes Indexed Job's JOB_COMPLETION_INDEX, one by an AWS Batch array job's
 * AWS_BATCH_JOB_ARRAY_INDEX) against ONE bucket and ONE PostgreSQL database, compared with one unsharded run of
 * the same universe into another bucket and database: the lake (every key and every body) and every table must
 * be the same, up to what differs by nature (S3 version ids, run ids, database ids and timestamps the database
 * stamps itself). Both runs see the same clock (MARKETLAKE_NOW), so keys and recorded times agree.
 */
const UNIVERSE = SAMPLE_TICKERS.filter((_, i) => i % 2 === 0); // 26 tickers across the six markets
const SHARDS = 4;

/** Columns the database fills in itself (times of its own, ids): they differ between any two runs. */
const RUN_DEPENDENT_COLUMNS = new Set([
  'id',
  'run_id',
  'claimed_by',
  'claimed_until',
  'created_at',
  'done_at',
  'last_attempt_at',
  'detected_at',
  'restatement_id',
]);

interface Side {
  database: TestWarehouse;
  bucket: string;
  flags: string[];
}

describeOnRgw('scale-out', (rgw) => {
  describeOnPostgres('4 shards at once on one bucket and one database', () => {
    let sharded: Side;
    let whole: Side;
    let wholeBucket: TestBucket;
    let dir: string;
    let universeFile: string;
    let shardRuns: CliResult[];
    let wholeRun: CliResult;

    const side = async (bucket: string): Promise<Side> => {
      const database = await createTestWarehouse('postgres');
      const flags = [
        '--home',
        join(dir, bucket),
        '--lake',
        `s3://${bucket}/lake`,
        '--s3-endpoint',
        rgw.settings.endpoint,
        '--database',
        database.databaseUrl!,
      ];
      return { database, bucket, flags };
    };

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'marketlake-shards-'));
      universeFile = join(dir, 'universe.txt');
      await writeFile(universeFile, `# every other sample ticker\n${UNIVERSE.join('\n')}\n`);
      wholeBucket = await createTestBucket();
      sharded = await side(rgw.bucket());
      whole = await side(wholeBucket.bucket);

      const env = {
        AWS_ACCESS_KEY_ID: rgw.settings.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: rgw.settings.credentials.secretAccessKey,
        AWS_REGION: rgw.settings.region,
        MARKETLAKE_NOW: TEST_NOW.toISOString(),
        JOB_COMPLETION_INDEX: '',
        AWS_BATCH_JOB_ARRAY_INDEX: '',
      };
      const run = (flags: string[], extra: string[], more: Record<string, string> = {}) =>
        spawnCli(
          ['run', ...flags, '--no-tables', '--universe', universeFile, '--concurrency', '2', '--json', ...extra],
          {
            ...env,
            ...more,
          },
        );
      // All five at once: the four shards share their bucket and database; the unsharded run has its own.
      [wholeRun, ...shardRuns] = await Promise.all([
        run(whole.flags, []),
        run(sharded.flags, ['--shard', `0/${SHARDS}`]),
        run(sharded.flags, ['--shard', `1/${SHARDS}`]),
        run(sharded.flags, ['--shards', String(SHARDS)], { JOB_COMPLETION_INDEX: '2' }),
        run(sharded.flags, ['--shards', String(SHARDS)], { AWS_BATCH_JOB_ARRAY_INDEX: '3' }),
      ]);
    }, 600_000);

    afterAll(async () => {
      for (const s of [sharded, whole]) await s?.database.dispose();
      await wholeBucket?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    it('each shard runs its own tickers, and all of them ok: none reports another shard’s work as its failure', () => {
      expect(wholeRun.code, wholeRun.stderr).toBe(0);
      const wholeSummary = JSON.parse(wholeRun.stdout) as RunSummary;
      expect(wholeSummary).toMatchObject({ status: 'ok', outbox_pending: 0, shard: null });
      expect(wholeSummary.tickers_ok).toEqual(UNIVERSE);

      const taken: string[] = [];
      for (const [index, result] of shardRuns.entries()) {
        expect(result.code, result.stderr).toBe(0);
        const summary = JSON.parse(result.stdout) as RunSummary;
        const mine = tickersOfShard(UNIVERSE, { index, count: SHARDS });
        expect(summary).toMatchObject({
          status: 'ok',
          outbox_pending: 0,
          lake_errors: [],
          tickers_failed: [],
          tickers_ok: mine,
          objects_written: mine.length * 4,
          shard: { index, count: SHARDS, tickers: mine.length, universe: UNIVERSE.length },
        });
        taken.push(...summary.tickers_ok);
      }
      expect(taken.sort()).toEqual([...UNIVERSE].sort());
    });

    it('writes the same lake as one unsharded run: every key and every body (S3 version ids, and the sha256s naming them, aside)', async () => {
      const [shardedLake, wholeLake] = await Promise.all([
        lakeContents(rgw.client(), sharded),
        lakeContents(rgw.client(), whole),
      ]);
      expect(shardedLake.data.size).toBe(UNIVERSE.length * 4);
      expect([...shardedLake.data.keys()]).toEqual([...wholeLake.data.keys()]);
      for (const [key, object] of wholeLake.data) expect(shardedLake.data.get(key), key).toEqual(object);
      // OpenLineage: a START and a COMPLETE per process, naming together the same inputs and outputs.
      expect(shardedLake.lineage.events).toBe(SHARDS * 2);
      expect(wholeLake.lineage.events).toBe(2);
      expect(shardedLake.lineage.datasets).toEqual(wholeLake.lineage.datasets);
    });

    it('fills every table as one unsharded run does (ids, run ids and database timestamps aside)', async () => {
      // computation_runs and quality_runs: 4 runs against 1 (below); lake_identity: each database records its own
      // lake; quality_results: the same but for the peer checks (below).
      const own = ['computation_runs', 'lake_identity', 'quality_runs', 'quality_results'];
      for (const table of TABLE_NAMES.filter((name) => !own.includes(name))) {
        const [a, b] = await Promise.all([tableRows(sharded, table), tableRows(whole, table)]);
        expect(a, table).toEqual(b);
      }
      // A shard judges its tickers against the peers it has (the other shards' are not in yet): the snapshot and
      // result checks give the same verdicts, the peer checks (completeness, freshness) may not.
      const [a, b] = await Promise.all([tableRows(sharded, 'quality_results'), tableRows(whole, 'quality_results')]);
      const alone = (rows: string[]) => rows.filter((row) => !/"check_id":"(completeness|freshness)\./.test(row));
      expect(alone(a).length).toBeGreaterThan(UNIVERSE.length * 10);
      expect(alone(a)).toEqual(alone(b));
      expect(a.length).toBe(b.length);
      const qualityRuns = await sharded.database.warehouse.db.selectFrom('quality_runs').select('run_id').execute();
      expect(qualityRuns).toHaveLength(SHARDS);
      const runs = await sharded.database.warehouse.db.selectFrom('computation_runs').selectAll().execute();
      expect(runs.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(runs.flatMap((r) => r.tickers as string[]).sort()).toEqual([...UNIVERSE].sort());
    });
  });
});

/**
 * Version id -> `<version of KEY>` and sha256 -> `<sha256 of KEY>`, from the catalog. The store gives every
 * object its own version id, and a processed object names its raw snapshot's version id in its body, so its
 * sha256 differs too: that is all that may differ between two equal lakes.
 */
async function runDependentNames(side: Side): Promise<Map<string, string>> {
  const rows = await side.database.warehouse.db
    .selectFrom('lake_objects')
    .select(['key', 'version_id', 'sha256'])
    .execute();
  return new Map(
    rows.flatMap((row) => [
      ...(row.version_id ? [[row.version_id, `<version of ${row.key}>`] as const] : []),
      [row.sha256, `<sha256 of ${row.key}>`] as const,
    ]),
  );
}

function named(text: string, names: Map<string, string>): string {
  let result = text;
  for (const [versionId, name] of names) result = result.split(versionId).join(name);
  return result;
}

async function lakeContents(client: S3Client, side: Side) {
  const names = await runDependentNames(side);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: side.bucket, Prefix: 'lake/', ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((object) => object.Key!.slice('lake/'.length)));
    token = page.NextContinuationToken;
  } while (token);
  const read = async (key: string) => {
    const object = await client.send(new GetObjectCommand({ Bucket: side.bucket, Key: `lake/${key}` }));
    return { body: await object.Body!.transformToString(), metadata: object.Metadata ?? {} };
  };
  const data = new Map<string, { body: string; metadata: string }>();
  // Each lake has its own identity (a random id): both have one, and the data is what must be equal.
  expect(keys.filter((k) => k.startsWith('_marketlake/'))).toEqual(['_marketlake/lake.json']);
  // The runs' own records: their lineage events (below) and their quality objects (one a run, run ids inside).
  const ownRecord = (k: string) => k.startsWith('lineage/') || k.startsWith('_marketlake/') || k.startsWith('quality/');
  expect(keys.filter((k) => k.startsWith('quality/')).length).toBeGreaterThan(0);
  for (const key of keys.filter((k) => !ownRecord(k)).sort()) {
    const object = await read(key);
    data.set(key, { body: named(object.body, names), metadata: named(JSON.stringify(object.metadata), names) });
  }
  const events = keys.filter((k) => k.startsWith('lineage/'));
  const datasets = new Set<string>();
  for (const key of events) {
    const event = JSON.parse((await read(key)).body) as {
      eventType: string;
      inputs: { name: string }[];
      outputs: { name: string }[];
    };
    for (const dataset of [...event.inputs, ...event.outputs])
      datasets.add(`${event.eventType} ${dataset.name.replace(side.bucket, '<bucket>')}`);
  }
  return { data, lineage: { events: events.length, datasets: [...datasets].sort() } };
}

/** A table's rows without run-dependent columns, version ids named by their key, in a canonical order. */
async function tableRows(side: Side, table: (typeof TABLE_NAMES)[number]): Promise<string[]> {
  const names = await runDependentNames(side);
  const rows = await side.database.warehouse.db.selectFrom(table).selectAll().execute();
  return rows
    .map((row) => {
      const kept = Object.entries(row).filter(([column]) => !RUN_DEPENDENT_COLUMNS.has(column));
      return named(JSON.stringify(Object.fromEntries(kept)), names);
    })
    .sort();
}
