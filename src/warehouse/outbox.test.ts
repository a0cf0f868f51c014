import { expect, it } from 'vitest';
import { describeOnDatabases, makeIndicatorValues, makeOutboxEntry } from '../../test/support/databases.js';
import { countStatements } from '../../test/support/statements.js';
import {
  catalogRowFor,
  countPendingOutbox,
  describeBody,
  enqueueOutbox,
  getOutboxEntry,
  listPendingOutbox,
  markOutboxDone,
  markOutboxEntriesDone,
  markOutboxFailed,
} from './outbox.js';
import { findLatestObject, insertCatalogObject, listCatalogObjects } from './lake-objects.js';
import { writeComputedResults } from './results.js';

describeOnDatabases('lake outbox', (ctx) => {
  const entryA = makeOutboxEntry('indicators', 'NVDA', '2024-03-01', '20240301_210500');
  const entryB = makeOutboxEntry('features', 'NVDA', '2024-03-01', '20240301_210500');

  it('goes pending -> failed attempt -> done, cataloguing the object in the same step', async () => {
    const { db } = ctx.warehouse();
    const [a, b] = await enqueueOutbox(db, [{ ...entryA, runId: 'run-1' }, entryB]);
    expect(await countPendingOutbox(db)).toBe(2);

    const pending = await listPendingOutbox(db, 10);
    expect(pending.map((entry) => entry.id)).toEqual([a, b]);
    expect(pending[0]).toMatchObject({
      key: entryA.key,
      kind: 'indicators',
      ticker: 'NVDA',
      body: entryA.body,
      contentType: 'application/json',
      tags: entryA.tags,
      metadata: entryA.metadata,
      catalog: entryA.catalog,
      runId: 'run-1',
      attempts: 0,
      lastError: null,
      lastAttemptAt: null,
      doneAt: null,
    });
    expect(pending[0].createdAt).toBeInstanceOf(Date);
    expect(await listPendingOutbox(db, 1)).toHaveLength(1);

    await markOutboxFailed(db, a, new Error('S3 said 503 Slow Down'));
    await markOutboxFailed(db, a, new Error('connect ECONNREFUSED http://s3user:Outbox-Pw-1@127.0.0.1:9'));
    expect(await getOutboxEntry(db, a)).toMatchObject({
      lastError: 'Error: connect ECONNREFUSED http://s3user:***@127.0.0.1:9',
    });
    await markOutboxFailed(db, a, new TypeError('fetch failed'));
    const failed = await getOutboxEntry(db, a);
    expect(failed).toMatchObject({ attempts: 3, lastError: 'TypeError: fetch failed', doneAt: null });
    expect(failed!.lastAttemptAt).toBeInstanceOf(Date);
    expect(await countPendingOutbox(db)).toBe(2);

    // The write found the planned key taken and used the next free one; the catalog records what was written.
    const written = catalogRowFor(failed!, { key: entryA.key.replace('.json', '_2.json'), versionId: 'v-1' });
    await markOutboxDone(db, a, written);
    expect(await countPendingOutbox(db)).toBe(1);
    expect((await listPendingOutbox(db, 10)).map((entry) => entry.id)).toEqual([b]);
    expect((await getOutboxEntry(db, a))!.doneAt).toBeInstanceOf(Date);
    expect(await findLatestObject(db, 'indicators', 'NVDA')).toMatchObject({
      key: written.key,
      versionId: 'v-1',
      sha256: describeBody(entryA.body).sha256,
      computationVersion: '1.0',
      sourceRawKey: entryA.catalog.sourceRawKey,
    });
  });

  it('points result rows at the key actually written when the planned one was taken', async () => {
    const { db } = ctx.warehouse();
    const [id] = await writeComputedResults(db, {
      symbol: 'NVDA',
      computationVersion: '1.0',
      computedAt: new Date(),
      sourceRawKey: entryA.catalog.sourceRawKey!,
      sourceRawVersionId: 'v-raw',
      indicators: { lakeKey: entryA.key, rows: [{ date: '2024-03-01', values: makeIndicatorValues(1) }] },
      outbox: [entryA],
    });
    const writtenKey = entryA.key.replace('.json', '_2.json');
    await markOutboxDone(db, id, catalogRowFor(entryA, { key: writtenKey, versionId: null }));
    const row = await db.selectFrom('daily_indicators').select('lake_key').executeTakeFirstOrThrow();
    expect(row.lake_key).toBe(writtenKey);
  });

  it('refuses to complete or fail an entry that is not pending', async () => {
    const { db } = ctx.warehouse();
    const [a] = await enqueueOutbox(db, [entryA]);
    await markOutboxDone(db, a, catalogRowFor(entryA, { key: entryA.key, versionId: null }));
    await expect(markOutboxDone(db, a, catalogRowFor(entryA, { key: entryA.key, versionId: null }))).rejects.toThrow(
      /cannot mark done outbox entry \d+: it was done at/,
    );
    await expect(markOutboxFailed(db, a, new Error('late'))).rejects.toThrow(/it was done at/);
    await expect(markOutboxFailed(db, 9999, new Error('x'))).rejects.toThrow(/no such entry/);
  });

  it('leaves the entry pending and the catalog untouched when the written object is not the planned one', async () => {
    const { db } = ctx.warehouse();
    const [a] = await enqueueOutbox(db, [entryA]);
    const wrong = { ...catalogRowFor(entryA, { key: entryA.key, versionId: null }), sha256: 'f'.repeat(64) };
    await expect(markOutboxDone(db, a, wrong)).rejects.toThrow(/differs from the plan in sha256/);
    expect(await countPendingOutbox(db)).toBe(1);
    expect(await listCatalogObjects(db)).toEqual([]);
  });

  it('rolls back done_at when the catalog insert fails', async () => {
    const { db } = ctx.warehouse();
    const [a] = await enqueueOutbox(db, [entryA]);
    // The same key already catalogued with other content: insertCatalogObject throws inside the transaction.
    await insertCatalogObject(db, {
      ...catalogRowFor(entryB, { key: entryA.key, versionId: 'other' }),
      kind: 'indicators',
    });
    await expect(markOutboxDone(db, a, catalogRowFor(entryA, { key: entryA.key, versionId: 'v-1' }))).rejects.toThrow(
      /already catalogued with different/,
    );
    expect(await countPendingOutbox(db)).toBe(1);
  });

  it('marks several entries done in one statement: the UPDATE and the catalog INSERT for all of them as CTEs', async () => {
    const { db } = ctx.warehouse();
    const entryC = makeOutboxEntry('percentiles', 'NVDA', '2024-03-01', '20240301_210500');
    const [a, b, c] = await enqueueOutbox(db, [entryA, entryB, entryC]);
    const statements = countStatements();
    const counted = db.withPlugin(statements.plugin);
    // entryB went to the next free key: its result rows are repointed in the same statement.
    const writtenB = catalogRowFor(entryB, { key: entryB.key.replace('.json', '_2.json'), versionId: 'v-b' });
    await markOutboxEntriesDone(counted, [
      { id: a, written: catalogRowFor(entryA, { key: entryA.key, versionId: 'v-a' }) },
      { id: b, written: writtenB },
    ]);
    expect(statements.labels).toEqual([
      'select done with raw ?, select lake_outbox, update lake_outbox, insert lake_objects, select done, update daily_indicators, update indicator_percentiles, update comparative_features',
    ]);
    expect((await listPendingOutbox(db, 10)).map((entry) => entry.id)).toEqual([c]);
    expect((await listCatalogObjects(db)).map((object) => [object.key, object.versionId])).toEqual([
      [writtenB.key, 'v-b'],
      [entryA.key, 'v-a'],
    ]);
    await markOutboxEntriesDone(counted, []);
    expect(statements.labels).toHaveLength(1);
  });

  it('leaves out the repointing steps when every entry says it was written under its planned key', async () => {
    const { db } = ctx.warehouse();
    const [a, b] = await enqueueOutbox(db, [entryA, entryB]);
    const statements = countStatements();
    const counted = db.withPlugin(statements.plugin);
    // A false claim (entryB went to another key than it says it planned) marks nothing: `ready` also compares
    // the planned key with the written one in this form of the statement.
    const movedB = catalogRowFor(entryB, { key: entryB.key.replace('.json', '_2.json'), versionId: 'v-b' });
    await expect(markOutboxEntriesDone(counted, [{ id: b, written: movedB, plannedKey: movedB.key }])).rejects.toThrow(
      new RegExp(`outbox entry ${b}`),
    );
    expect((await listPendingOutbox(db, 10)).map((entry) => entry.id)).toEqual([a, b]);
    statements.labels.length = 0;
    await markOutboxEntriesDone(counted, [
      { id: a, written: catalogRowFor(entryA, { key: entryA.key, versionId: 'v-a' }), plannedKey: entryA.key },
      { id: b, written: catalogRowFor(entryB, { key: entryB.key, versionId: 'v-b' }), plannedKey: entryB.key },
    ]);
    expect(statements.labels).toEqual([
      'select done with raw ?, select lake_outbox, update lake_outbox, insert lake_objects',
    ]);
    expect(await listPendingOutbox(db, 10)).toEqual([]);
    expect((await listCatalogObjects(db)).map((object) => object.key).sort()).toEqual([entryA.key, entryB.key].sort());
  });

  it('marks none of several entries done when one of them is not pending or not as planned', async () => {
    const { db } = ctx.warehouse();
    const [a, b] = await enqueueOutbox(db, [entryA, entryB]);
    const doneA = { id: a, written: catalogRowFor(entryA, { key: entryA.key, versionId: 'v-a' }) };
    const doneB = { id: b, written: catalogRowFor(entryB, { key: entryB.key, versionId: 'v-b' }) };
    await expect(
      markOutboxEntriesDone(db, [doneA, { ...doneB, written: { ...doneB.written, size: 1 } }]),
    ).rejects.toThrow(new RegExp(`outbox entry ${b}: the written object differs from the plan in size`));
    await markOutboxDone(db, b, doneB.written);
    await expect(markOutboxEntriesDone(db, [doneA, doneB])).rejects.toThrow(
      new RegExp(`cannot mark done outbox entry ${b}: it was done at`),
    );
    await expect(markOutboxEntriesDone(db, [doneA, doneA])).rejects.toThrow(/appears more than once/);
    expect((await listPendingOutbox(db, 10)).map((entry) => entry.id)).toEqual([a]);
    expect((await listCatalogObjects(db)).map((object) => object.key)).toEqual([entryB.key]);
  });

  it('enqueues nothing for an empty list and refuses inconsistent plans', async () => {
    const { db } = ctx.warehouse();
    expect(await enqueueOutbox(db, [])).toEqual([]);
    await expect(enqueueOutbox(db, [{ ...entryA, catalog: { ...entryA.catalog, ticker: 'AAPL' } }])).rejects.toThrow(
      /catalog ticker AAPL is not NVDA/,
    );
    expect(await countPendingOutbox(db)).toBe(0);
  });

  it('keeps a body byte for byte, including non-ASCII text', async () => {
    const { db } = ctx.warehouse();
    const body = JSON.stringify({ ticker: 'MSN.HM', exchange: 'HOSE', note: 'Hồ Chí Minh – 東京 €' });
    const entry = { ...entryA, body, catalog: { ...entryA.catalog, ...describeBody(body) } };
    const [id] = await enqueueOutbox(db, [entry]);
    expect((await getOutboxEntry(db, id))!.body).toBe(body);
  });
});
