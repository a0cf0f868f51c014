/**
 * `marketlake reprocess` with the quality options of `run`: a snapshot the run blocked is judged again under the
 * configuration given, reported (text and --json), and computed once the configuration allows it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import {
  createTestWarehouse,
  postgresReachable,
  servicesRequired,
  TEST_BACKENDS,
  type TestWarehouse,
} from '../support/databases.js';

const postgresUp = await postgresReachable();

for (const backend of TEST_BACKENDS) {
  describe.skipIf(backend === 'postgres' && !postgresUp && !servicesRequired())(
    `marketlake reprocess --quality-config [${backend}]`,
    () => {
      let database: TestWarehouse;
      let flags: string[];
      let folder: string;
      let strict: string;

      beforeAll(async () => {
        database = await createTestWarehouse(backend);
        await database.warehouse.close(); // the CLI opens it itself
        flags = ['--home', database.home, ...(database.databaseUrl ? ['--database', database.databaseUrl] : [])];
        folder = await mkdtemp(join(tmpdir(), 'marketlake-quality-'));
        // Any daily move of D05.SI beyond 0.1 % is an error: its snapshot is blocked.
        strict = join(folder, 'strict.json');
        const tickers = { 'D05.SI': { checks: { 'plausibility.one_day_move': { max_move: 0.001 } } } };
        await writeFile(strict, JSON.stringify({ tickers }));
      });
      afterAll(async () => {
        await database?.dispose();
        await rm(folder, { recursive: true, force: true });
      });

      it('blocks under the configuration given, reports it, and computes once another allows it', async () => {
        const run = await runCli('run', ...flags, '--tickers', 'NVDA,D05.SI', '--quality-config', strict, '--json');
        expect(JSON.parse(run.stdout).quality).toMatchObject({ blocked: ['D05.SI'] });

        const args = ['reprocess', ...flags, '--computation-version', '2.0'];
        const blocked = await runCli(...args, '--quality-config', strict, '--json');
        expect(blocked.code).toBe(1);
        const summary = JSON.parse(blocked.stdout);
        expect(summary).toMatchObject({ status: 'partial', objects_written: 3, failed: [] });
        expect(summary.quality).toMatchObject({
          policy: 'block',
          snapshots_judged: 2,
          blocked: [
            {
              ticker: 'D05.SI',
              raw_key: expect.stringMatching(/^raw\/sample\/D05\.SI\//),
              checks: ['plausibility.one_day_move'],
            },
          ],
        });

        const text = await runCli(...args, '--quality-config', strict);
        expect(text.code).toBe(1);
        expect(text.stdout).toMatch(/quality \(block\): 2 raw snapshots judged, 1 error and 0 warning findings/);
        expect(text.stdout).toMatch(/BLOCKED D05\.SI raw\/sample\/D05\.SI\/\S+: plausibility\.one_day_move/);
        expect(text.stdout).toMatch(/add an override for the ticker to the quality config/);

        // Under warn the snapshot is computed; the error finding still makes the exit code 1.
        const warned = await runCli(...args, '--quality-config', strict, '--quality-policy', 'warn', '--json');
        expect(warned.code).toBe(1);
        expect(JSON.parse(warned.stdout)).toMatchObject({
          status: 'ok',
          objects_written: 3,
          quality: { policy: 'warn', errors: 1, blocked: [] },
        });

        // The built-in thresholds allow the move: nothing blocked, exit 0. NVDA's objects are reused; D05.SI's, marked
        // under warn, are written again unmarked, so that the rows now clean never point at a marked object.
        const allowed = await runCli(...args, '--json');
        expect(allowed.code).toBe(0);
        expect(JSON.parse(allowed.stdout)).toMatchObject({
          status: 'ok',
          objects_written: 3,
          skipped_identical: 3,
          quality: { errors: 0, blocked: [] },
        });
        const unchecked = await runCli(...args, '--no-quality', '--json');
        expect(JSON.parse(unchecked.stdout)).toMatchObject({ status: 'ok', quality: null });
      });
    },
  );
}
