import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from '../support/cli.js';
import {
  createTestWarehouse,
  postgresReachable,
  servicesRequired,
  TEST_BACKENDS,
  type TestWarehouse,
} from '../support/databases.js';
import { startLineageReceiver, type LineageReceiver } from '../support/openlineage-receiver.js';

const postgresUp = await postgresReachable();

for (const backend of TEST_BACKENDS) {
  describe.skipIf(backend === 'postgres' && !postgresUp && !servicesRequired())(
    `marketlake reprocess and diff [${backend}]`,
    () => {
      let database: TestWarehouse;
      let receiver: LineageReceiver;
      let flags: string[];
      const savedUrl = process.env.MARKETLAKE_OPENLINEAGE_URL;

      beforeAll(async () => {
        database = await createTestWarehouse(backend);
        // The CLI opens the database itself (and PGlite's home lock must be free for it).
        await database.warehouse.close();
        flags = ['--home', database.home, ...(database.databaseUrl ? ['--database', database.databaseUrl] : [])];
        receiver = await startLineageReceiver();
        process.env.MARKETLAKE_OPENLINEAGE_URL = receiver.url;
      });
      afterAll(async () => {
        if (savedUrl === undefined) delete process.env.MARKETLAKE_OPENLINEAGE_URL;
        else process.env.MARKETLAKE_OPENLINEAGE_URL = savedUrl;
        await receiver?.close();
        await database?.dispose();
      });

      it('is registered in the marketlake program', async () => {
        const names = (await buildProgram()).commands.map((command) => command.name());
        expect(names).toEqual(expect.arrayContaining(['reprocess', 'diff']));
      });

      it('reprocess --json writes new versions and prints the summary; a second time it writes nothing', async () => {
        const run = await runCli('run', ...flags, '--tickers', 'NVDA,D05.SI', '--json');
        expect(run.code).toBe(0);

        const first = await runCli('reprocess', ...flags, '--computation-version', '2.0', '--json');
        expect(first.stderr).toBe('');
        expect(first.code).toBe(0);
        const summary = JSON.parse(first.stdout);
        expect(summary).toMatchObject({
          run_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          computation_version: '2.0',
          tickers: ['D05.SI', 'NVDA'],
          objects_written: 6,
          skipped_identical: 0,
          outbox_pending: 0,
          failed: [],
          lineage_errors: [],
        });
        // MARKETLAKE_OPENLINEAGE_URL was set: the events reached the receiver, valid.
        const events = receiver.events.filter((e) => e.event.run.runId === summary.run_id);
        expect(events.map((e) => [e.event.eventType, e.event.job.name, e.problems])).toEqual([
          ['START', 'reprocess', []],
          ['COMPLETE', 'reprocess', []],
        ]);

        const second = JSON.parse(
          (await runCli('reprocess', ...flags, '--computation-version', '2.0', '--tickers', 'nvda,d05.si', '--json'))
            .stdout,
        );
        expect(second).toMatchObject({ objects_written: 0, skipped_identical: 6, failed: [] });

        const versions = JSON.parse((await runCli('versions', 'indicators', 'NVDA', ...flags, '--json')).stdout);
        expect(versions.map((v: { computation_version: string }) => v.computation_version)).toEqual(['2.0', '1.0']);
      });

      it('reprocess prints a readable report, and exits 1 when a ticker fails', async () => {
        const result = await runCli('reprocess', ...flags, '--computation-version', '2.0', '--tickers', 'NVDA,AAPL');
        expect(result.code).toBe(1);
        expect(result.stdout).toMatch(/^reprocess [0-9a-f-]{36}: partial in [\d.]+ s \(computation version 2\.0\)/);
        expect(result.stdout).toContain('0 objects written, 3 identical ones already there');
        expect(result.stdout).toContain('FAILED AAPL: no raw snapshot of AAPL in the lake catalog');
      });

      it('diff --json compares the versions; without --json it prints the changed fields', async () => {
        const json = await runCli('diff', '--from', '1.0', '--to', '2.0', ...flags, '--json');
        expect(json.code).toBe(0);
        const report = JSON.parse(json.stdout);
        expect(report).toMatchObject({
          from: '1.0',
          to: '2.0',
          tickers: ['D05.SI', 'NVDA'],
          pairs: { indicators: 2, percentiles: 2, features: 2 },
        });
        expect(report.fields.find((f: { field: string }) => f.field === 'indicators.rsi_14')).toMatchObject({
          compared: 2,
          changed: 2,
        });

        // The run's own as-of date (the sample data ends on the day the test runs): never a literal date.
        const versions = JSON.parse((await runCli('versions', 'indicators', 'NVDA', ...flags, '--json')).stdout) as {
          date: string;
        }[];
        const asOf = versions[0]!.date;
        expect(asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        const text = await runCli(
          'diff',
          '--from',
          '1.0',
          '--to',
          '2.0',
          '--tickers',
          'NVDA',
          '--date',
          asOf,
          ...flags,
        );
        expect(text.code).toBe(0);
        expect(text.stdout).toMatch(new RegExp(`^diff 1\\.0 -> 2\\.0 as of ${asOf}: 1 tickers`));
        expect(text.stdout).toMatch(/\nindicators\.rsi_14 +1 +1 /);
        expect(text.stdout).toMatch(/fields changed/);
      });

      it('refuses bad usage with exit code 2', async () => {
        expect((await runCli('reprocess', ...flags)).code).toBe(2); // no --computation-version
        expect((await runCli('reprocess', ...flags, '--computation-version', '3.0')).code).toBe(2);
        expect((await runCli('reprocess', ...flags, '--computation-version', '2.0', '--from', '26/11/2026')).code).toBe(
          2,
        );
        const reversed = await runCli(
          'reprocess',
          ...flags,
          '--computation-version',
          '2.0',
          '--from',
          '2026-11-26',
          '--to',
          '2026-11-01',
        );
        expect(reversed.code).toBe(2);
        expect(reversed.stderr).toMatch(/--from 2026-11-26 is after --to 2026-11-01/);
        const same = await runCli('diff', '--from', '2.0', '--to', '2.0', ...flags);
        expect(same.code).toBe(2);
        expect(same.stderr).toMatch(/the same version/);
      });
    },
  );
}
