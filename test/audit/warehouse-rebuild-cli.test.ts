/**
 * `marketlake warehouse rebuild` on the embedded default: the PGlite directory deleted (a lost database), the
 * command rebuilds it from the lake folder; a damaged object is one reported line and exit 1; pending lake writes
 * are a one-line refusal.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describe } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { DataLake } from '../../src/lake/data-lake.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import { openWarehouse } from '../../src/warehouse/database.js';
import { pgliteDataDirectory } from '../../src/warehouse/pglite/pglite.js';
import { WarehouseLakeCatalog } from '../../src/warehouse/lake-catalog.js';
import { runCli } from '../support/cli.js';
import { DAY_1, DAY_2, runDay } from '../support/staleness.js';
import { scribble } from '../support/fs-tamper.js';

const TICKERS = ['NVDA', 'D05.SI'];
/** Each command opens PGlite in a new directory: tens of seconds on a busy machine. */
const SLOW = 240_000;

describe('marketlake warehouse rebuild (embedded default)', () => {
  let home: string;
  let prices = 0;
  const json = (stdout: string) => JSON.parse(stdout);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-warehouse-rebuild-'));
    const warehouse = await openWarehouse({ home });
    try {
      const lake = new DataLake(await FsObjectStore.open(join(home, 'lake')), new WarehouseLakeCatalog(warehouse.db));
      // Two days with an injected clock (the CLI's `run` takes today's date).
      for (const day of [DAY_1, DAY_2])
        expect((await runDay(lake, warehouse, day, { tickers: TICKERS })).status).toBe('ok');
      prices = (
        await warehouse.db
          .selectFrom('daily_prices')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    } finally {
      await warehouse.close();
    }
    // The database is lost.
    await rm(pgliteDataDirectory(home), { recursive: true, force: true });
  }, SLOW);
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('is registered in the program', async () => {
    const warehouse = (await buildProgram()).commands.find((command) => command.name() === 'warehouse');
    expect(warehouse?.commands.map((command) => command.name())).toEqual(['rebuild']);
  });

  it('--json rebuilds the lost database from the lake folder and exits 0', { timeout: SLOW }, async () => {
    const result = await runCli('warehouse', 'rebuild', '--home', home, '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toMatchObject({
      catalog: { listed: 16, inserted: 16, already_present: 0, conflicting: [], failed: [], ignored: [] },
      prices: { snapshots_read: 4, rows: prices, snapshots_blocked: 0 },
      results: { objects: 12, read: 12, rows: 12 },
      quality: { objects: 2, runs_restored: 2, runs_present: 0, blocked_snapshots: 0 },
      restatements: { listed: 0, inserted: 0, already_present: 0 },
      failed: [],
    });
  });

  // Last: it leaves the lake damaged.
  it('a damaged object is one FAILED line with its key, the rest is rebuilt, exit 1', { timeout: SLOW }, async () => {
    const [key] = json((await runCli('ls', 'processed/features/NVDA/', '--home', home, '--json')).stdout) as string[];
    await scribble(join(home, 'lake'), key);
    await rm(pgliteDataDirectory(home), { recursive: true, force: true });
    const result = await runCli('warehouse', 'rebuild', '--home', home);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const [summary, ...details] = result.stdout.trimEnd().split('\n');
    expect(summary).toBe(
      `warehouse rebuild: catalog 16 rows inserted, 0 already present (16 objects listed); daily_prices ${prices} rows from 4 raw snapshots; ` +
        'results 11 rows from 12 of 12 processed objects (the newest of each row); restatements 0 inserted, 0 already present; ' +
        'quality 2 runs restored, 0 already present (0 blocked raw snapshots left out of daily_prices); 1 problems',
    );
    expect(details).toHaveLength(1);
    expect(details[0]).toMatch(new RegExp(`^  FAILED   ${key.replace(/[.]/g, '\\.')}: corrupt object file `));
  });
});
