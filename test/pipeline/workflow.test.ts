import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestWarehouse, type TestWarehouse } from '../support/databases.js';
import { describeOnRgw, type RgwTestContext } from '../support/rgw.js';

/**
 * The reprocessing workflow of the README through the CLI: compute under 1.0, everything is stale under 2.0,
 * `reprocess --stale` recomputes exactly that, diff shows what changed, stale is empty, verify passes and the
 * catalog rebuilds from the lake. Once on the embedded default, once on RGW + PostgreSQL.
 */
function workflow(flags: () => string[]) {
  const TICKERS = 'NVDA,D05.SI,0700.HK';

  it('run 1.0, stale under 2.0, reprocess --stale, diff, stale empty, verify, catalog rebuild', async () => {
    const run = await runCli('run', ...flags(), '--tickers', TICKERS, '--json');
    expect(run.code).toBe(0);

    const staleBefore = JSON.parse(
      (await runCli('stale', ...flags(), '--computation-version', '2.0', '--json')).stdout,
    );
    expect(staleBefore).toHaveLength(9);
    expect(staleBefore.every((r: { reasons: { type: string }[] }) => r.reasons[0].type === 'computation_version')).toBe(
      true,
    );

    const reprocess = await runCli('reprocess', ...flags(), '--computation-version', '2.0', '--stale', '--json');
    expect(reprocess.code).toBe(0);
    expect(JSON.parse(reprocess.stdout)).toMatchObject({ objects_written: 9, outbox_pending: 0 });

    const staleAfter = await runCli('stale', ...flags(), '--computation-version', '2.0', '--json');
    expect(JSON.parse(staleAfter.stdout)).toEqual([]);
    // Nothing stale: a second --stale reprocess writes nothing.
    const again = JSON.parse(
      (await runCli('reprocess', ...flags(), '--computation-version', '2.0', '--stale', '--json')).stdout,
    );
    expect(again.objects_written).toBe(0);

    const diff = JSON.parse((await runCli('diff', ...flags(), '--from', '1.0', '--to', '2.0', '--json')).stdout);
    const rsi = diff.fields.find((f: { field: string }) => f.field === 'indicators.rsi_14');
    expect(rsi).toMatchObject({ compared: 3, changed: 3 });
    expect(rsi.max_abs_diff).toBeGreaterThan(0);

    const verify = await runCli('verify', ...flags(), '--json');
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, checked: 18 });

    const rebuild = await runCli('catalog', 'rebuild', ...flags(), '--json');
    expect(rebuild.code).toBe(0);
    expect(JSON.parse(rebuild.stdout)).toMatchObject({ inserted: 0, already_present: 21 });
    // Eight commands, each opening the embedded database: about 60 s on a busy 2-core machine.
  }, 180_000);
}

describe('the reprocessing workflow [embedded]', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-workflow-'));
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));
  workflow(() => ['--home', home]);
});

describeOnRgw('the reprocessing workflow [s3 + postgres]', (rgw: RgwTestContext) => {
  let database: TestWarehouse;
  let home: string;
  const saved = { ...process.env };
  beforeAll(async () => {
    database = await createTestWarehouse('postgres');
    await database.warehouse.close();
    home = await mkdtemp(join(tmpdir(), 'marketlake-workflow-'));
    process.env.AWS_ACCESS_KEY_ID = rgw.settings.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = rgw.settings.credentials.secretAccessKey;
    process.env.AWS_REGION = rgw.settings.region;
  });
  afterAll(async () => {
    process.env = saved;
    await rm(home, { recursive: true, force: true });
    await database.dispose();
  });
  workflow(() => [
    '--home',
    home,
    '--lake',
    `s3://${rgw.bucket()}`,
    '--s3-endpoint',
    rgw.settings.endpoint,
    '--database',
    database.databaseUrl!,
  ]);
});
