/**
 * `get`, `versions`, `ls` and `lineage` on an embedded home answer from the home's lake folder (src/cli/lake-reads.ts)
 * and print exactly what they print from the database (MARKETLAKE_LAKE_READS=0). The home has several tickers (one
 * index symbol, whose key segment is encoded), two days, two computation versions, two runs in the same second
 * (a `_2` key) and a reprocess.
 *
 * The lake answers are taken while this process holds the home's PGlite lock, as a daily run would: a read that
 * fell back to the database would be refused, so an equal answer is one the lake alone gave.
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAKE_READS_VARIABLE } from '../../src/cli/lake-reads.js';
import { DataLake } from '../../src/lake/data-lake.js';
import type { ProcessedDocument } from '../../src/lake/formats/processed.js';
import { parseKey } from '../../src/lake/keys.js';
import { processedOutboxEntry } from '../../src/pipeline/outbox-entries.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import { openWarehouse } from '../../src/warehouse/database.js';
import { enqueueOutbox } from '../../src/warehouse/outbox.js';
import { type CliResult, runCli } from '../support/cli.js';
import { withEnv } from '../support/env.js';

const TICKERS = ['NVDA', 'D05.SI', '^GSPC'];
const DAY_1 = '2026-12-01T22:00:00Z';
const DAY_2 = '2026-12-02T22:00:00Z';

function expectOk(result: CliResult, what: string): string {
  expect(result.stderr, what).toBe('');
  expect(result.code, what).toBe(0);
  return result.stdout;
}

describe('reads on an embedded home: the lake alone answers as the database does', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-lake-reads-'));
    const run = (now: string, ...args: string[]) =>
      withEnv({ MARKETLAKE_NOW: now }, async () =>
        expectOk(await runCli('run', '--home', home, '--tickers', TICKERS.join(','), '--json', ...args), 'run'),
      );
    await run(DAY_1);
    await run(DAY_2);
    // The same second again under another version: keys of the second object of that second (`_2`).
    await run(DAY_2, '--computation-version', '2.0');
    const reprocessed = await withEnv({ MARKETLAKE_NOW: DAY_2 }, async () =>
      expectOk(
        await runCli(
          'reprocess',
          '--home',
          home,
          '--computation-version',
          '2.0',
          '--tickers',
          'NVDA',
          '--from',
          '2026-11-01',
          '--json',
        ),
        'reprocess',
      ),
    );
    // Both snapshots (--from): day 2's has its 2.0 results already, day 1's gets them now.
    expect((JSON.parse(reprocessed) as { objects_written: number }).objects_written).toBe(3);
  }, 180_000);
  afterAll(async () => rm(home, { recursive: true, force: true }));

  /**
   * The reads this test compares, the keys and versions taken from the home itself: every form in text and JSON
   * for NVDA (the reprocessed ticker), in JSON for the others (the JSON carries every field the text shows).
   */
  async function readCommands(): Promise<string[][]> {
    const fromDatabase = (...args: string[]) =>
      withEnv({ [LAKE_READS_VARIABLE]: '0' }, async () =>
        expectOk(await runCli(...args, '--home', home), args.join(' ')),
      );
    const commands: string[][] = [['ls'], ['ls', 'raw/sample/_5EGSPC/', '--json'], ['ls', 'nothing/']];
    for (const ticker of TICKERS) {
      const forms = (command: string[]) =>
        ticker === 'NVDA' ? [command, [...command, '--json']] : [[...command, '--json']];
      const versions = JSON.parse(await fromDatabase('versions', 'indicators', ticker, '--json')) as {
        key: string;
        version_id: string;
      }[];
      const oldest = versions[versions.length - 1]!;
      const stamp = oldest.key.split('/').pop()!.replace('.json', '');
      const indicators = JSON.parse(await fromDatabase('get', 'indicators', ticker, '--json')) as {
        key: string;
        body: { source_raw_data_key: string };
      };
      for (const kind of ['raw', 'indicators', 'percentiles', 'features']) {
        commands.push(...forms(['get', kind, ticker]), ...forms(['versions', kind, ticker]));
      }
      commands.push(
        ...forms(['get', 'indicators', ticker, '--date', '2026-12-01']),
        ...forms(['versions', 'raw', ticker, '--date', '2026-12-02']),
        ...forms(['get', 'indicators', ticker, '--version', stamp]),
        ...forms(['get', 'indicators', ticker, '--version', oldest.version_id]),
        ...forms(['lineage', indicators.key]),
        ...forms(['lineage', indicators.body.source_raw_data_key]),
        ...forms(['lineage', oldest.key]),
      );
    }
    return commands;
  }

  it('get, versions, ls and lineage print the same text and JSON from the lake as from the database', async () => {
    const commands = await readCommands();
    expect(commands.length).toBeGreaterThan(50);
    const fromDatabase = new Map<string, CliResult>();
    await withEnv({ [LAKE_READS_VARIABLE]: '0' }, async () => {
      for (const command of commands) fromDatabase.set(command.join(' '), await runCli(...command, '--home', home));
    });

    const holder = await openWarehouse({ home });
    try {
      for (const command of commands) {
        const fromLake = await runCli(...command, '--home', home);
        expect(fromLake, command.join(' ')).toEqual(fromDatabase.get(command.join(' ')));
      }
    } finally {
      await holder.close();
    }
    // What the comparison covered: for NVDA two objects in one second of day 2 (`_2`), and day 1's snapshot
    // reprocessed under 2.0 (a later key in an older date folder, which must not become the latest).
    const nvda = JSON.parse(fromDatabase.get('versions indicators NVDA --json')!.stdout) as { key: string }[];
    const keys = nvda.map((version) => version.key.split('/').slice(-2).join('/'));
    expect(keys.slice(0, 2)).toEqual(['2026-12-02/20261202_220000_2.json', '2026-12-02/20261202_220000.json']);
    expect(keys.filter((key) => key.startsWith('2026-12-01/'))).toHaveLength(2);
  }, 900_000);

  it('a missing object, a missing key and a bad version are the same errors from the lake', async () => {
    const commands = [
      ['get', 'indicators', 'MSFT'],
      ['get', 'indicators', 'NVDA', '--date', '2026-11-30'],
      ['get', 'indicators', 'NVDA', '--version', '20200101_000000'],
      ['versions', 'features', 'MSFT', '--json'],
      ['lineage', 'processed/indicators/NVDA/2026-12-02/20261202_230000.json'],
    ];
    for (const command of commands) {
      const fromDatabase = await withEnv({ [LAKE_READS_VARIABLE]: '0' }, () => runCli(...command, '--home', home));
      const fromLake = await runCli(...command, '--home', home);
      expect(fromLake, command.join(' ')).toEqual(fromDatabase);
    }
  }, 120_000);
});

/**
 * An object the lake took whose outbox entry is not marked done yet (a drain that died between the two, or a run
 * still going) is in the lake and not yet in the catalog: the lake's answer includes it, the database's does not
 * until the next drain catalogues it. An entry whose object the lake has not taken is in neither.
 */
describe('reads on an embedded home: an object pending in the outbox', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-lake-reads-pending-'));
    await withEnv({ MARKETLAKE_NOW: DAY_1 }, async () =>
      expectOk(await runCli('run', '--home', home, '--tickers', 'NVDA', '--json'), 'run'),
    );
  }, 120_000);
  afterAll(async () => rm(home, { recursive: true, force: true }));

  const both = async (...args: string[]) => ({
    lake: await runCli(...args, '--home', home),
    database: await withEnv({ [LAKE_READS_VARIABLE]: '0' }, () => runCli(...args, '--home', home)),
  });
  const latestKey = (result: CliResult) => (JSON.parse(result.stdout) as { key: string }).key;

  it("is in neither answer until the lake takes it, then in the lake's, then in both once drained", async () => {
    const current = JSON.parse(
      expectOk(await runCli('get', 'indicators', 'NVDA', '--home', home, '--json'), 'get'),
    ) as {
      key: string;
      body: ProcessedDocument;
    };
    // A later computation of the same day, enqueued as a run enqueues it.
    const entry = processedOutboxEntry(
      'indicators',
      { ...current.body, computed_at: '2026-12-01T23:00:00.000Z' },
      null,
    );
    const warehouse = await openWarehouse({ home });
    try {
      await enqueueOutbox(warehouse.db, [entry]);
    } finally {
      await warehouse.close();
    }

    const pending = await both('get', 'indicators', 'NVDA', '--json');
    expect(pending.lake).toEqual(pending.database);
    expect(latestKey(pending.lake)).toBe(current.key);

    // The lake takes the object; the entry is not marked done (the drain "died" here).
    const lake = new DataLake(await FsObjectStore.open(join(home, 'lake')));
    await lake.write(parseKey(entry.key), {
      body: entry.body,
      sha256: entry.catalog.sha256,
      size: entry.catalog.size,
      contentType: entry.contentType,
      tags: entry.tags,
      metadata: entry.metadata,
    });
    const taken = await both('get', 'indicators', 'NVDA', '--json');
    expect(latestKey(taken.lake)).toBe(entry.key);
    expect(latestKey(taken.database)).toBe(current.key);

    // The next drain finds the object by its sha256 and catalogues it: the answers agree again.
    expectOk(await runCli('lake', 'retry', '--home', home, '--json'), 'lake retry');
    for (const args of [
      ['get', 'indicators', 'NVDA', '--json'],
      ['versions', 'indicators', 'NVDA'],
      ['lineage', current.body.source_raw_data_key],
    ]) {
      const drained = await both(...args);
      expect(drained.lake, args.join(' ')).toEqual(drained.database);
    }
    expect(latestKey((await both('get', 'indicators', 'NVDA', '--json')).database)).toBe(entry.key);
  }, 120_000);

  it('a damaged object in the listing sends the read to the database, which answers from the catalog', async () => {
    const objectFile = join(home, 'lake', 'processed', 'percentiles', 'NVDA', '2026-12-01', '20261201_220000.json!');
    await appendFile(objectFile, 'trailing bytes');
    const read = await both('versions', 'percentiles', 'NVDA', '--json');
    expect(read.lake).toEqual(read.database);
    expect(JSON.parse(read.database.stdout)).toHaveLength(1);
    // It was the database that answered: with the home held, the same read is refused.
    const holder = await openWarehouse({ home });
    try {
      const refused = await runCli('versions', 'percentiles', 'NVDA', '--json', '--home', home);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`is in use by pid ${process.pid}`);
      // A read whose folders are intact still answers.
      expect((await runCli('versions', 'features', 'NVDA', '--json', '--home', home)).code).toBe(0);
    } finally {
      await holder.close();
    }
  }, 120_000);
});
