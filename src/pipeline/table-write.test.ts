/**
 * writeRunTables (table-write.ts) with files rendered before (the run's prices', rendered while the quality checks
 * finish): a failure there is the run's "not written", with nothing put and nothing recorded.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';
import type { RunEntry } from '../tables/rows.js';
import type { Warehouse } from '../warehouse/database.js';
import { writeRunTables } from './table-write.js';

const run: RunEntry = {
  runId: 'run-x',
  job: 'daily_run',
  status: 'ok',
  startedAt: '2026-12-01T22:00:00Z',
  endedAt: '2026-12-01T22:00:00Z',
  computationVersion: '1.0',
  objectsWritten: 1,
  outboxPending: 0,
  failedTickers: 0,
};

describe('writeRunTables with files rendered before', () => {
  let root: string;
  beforeAll(async () => (root = await mkdtemp(join(tmpdir(), 'marketlake-run-tables-'))));
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('a failure of the rendering done before is "not written", and nothing is put or recorded', async () => {
    const store = await FsObjectStore.open(join(root, 'lake'));
    // The database is not reached when nothing could be rendered: any use of it fails this test.
    const untouched = new Proxy({} as Warehouse, {
      get: (_, property) => {
        throw new Error(`the warehouse was used (${String(property)})`);
      },
    });
    const report = await writeRunTables(store, untouched, 'run-x', [], run, {
      rendered: Promise.reject(new Error('the prices file could not be rendered')),
    });
    expect(report.errors).toEqual([
      expect.stringMatching(/^tables: not written .*the prices file could not be rendered/),
    ]);
    expect(report.written).toEqual([]);
    expect((await store.list({ prefix: 'tables/' })).objects).toEqual([]);
  });
});
