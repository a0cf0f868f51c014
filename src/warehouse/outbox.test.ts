import { expect, it } from 'vitest';
import { describeOnDatabases, makeIndicatorValues, makeOutboxEntry } from '../../test/support/databases.js';
import { countStatements } from '../../test/support/statements.js';
import { catalogRowFor, describeBody } from './outbox.js';
import { WarehouseRepository } from './repository.js';

describeOnDatabases('lake outbox', (ctx) => {
  const entryA = makeOutboxEntry('indicators', 'NVDA', '2024-03-01', '20240301_210500');
  const entryB = makeOutboxEntry('features', 'NVDA', '2024-03-01', '20240301_210500');

  it('goes pending -> failed attempt -> done, cataloguing the object in the same step', async () => {
    const { repository } = ctx.warehouse();
    const [a, b] = await repository.enqueueOutbox([{ ...entryA, runId: 'run-1' }, entryB]);
    expect(await repository.countPendingOutbox()).toBe(2);

    const pending = await repository.listPendingOutbox(10);
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
    expect(await repository.listPendingOutbox(1)).toHaveLength(1);

    await repository.markOutboxFailed(a, new Error('S3 said 503 Slow Down'));
    await repository.markOutboxFailed(a, new Error('connect ECONNREFUSED http://s3user:Outbox-Pw-1@127.0.0.1:9'));
    expect(await repository.getOutboxEntry(a)).toMatchObject({ lastError: 'Error: connect ECONNREFUSED http://s3user:***@127.0.0.1:9' });
    await repository.markOutboxFailed(a, new TypeError('fetch failed'));
    const failed = await repository.getOutboxEntry(a);
    expect(failed).toMatchObject({ attempts: 3, lastError: 'TypeError: fetch failed', doneAt: null });
    expect(failed!.lastAttemptAt).toBeInstanceOf(Date);
    expect(await repository.countPendingOutbox()).toBe(2);

    // The write found the planned key taken and used the next free one; the catalog records what was written.
    const written = catalogRowFor(failed!, { key: entryA.key.replace('.json', '_2.json'), versionId: 'v-1' });
    await repository.markOutboxDone(a, written);
    expect(await repository.countPendingOutbox()).toBe(1);
    expect((await repository.listPendingOutbox(10)).map((entry) => entry.id)).toEqual([b]);
    expect((await repository.getOutboxEntry(a))!.doneAt).toBeInstanceOf(Date);
    expect(await repository.findLatestObject('indicators', 'NVDA')).toMatchObject({
      key: written.key,
      versionId: 'v-1',
      sha256: describeBody(entryA.body).sha256,
      computationVersion: '1.0',
      sourceRawKey: entryA.catalog.sourceRawKey,
    });
  });

  it('points result rows at the key actually written when the planned one was taken', async () => {
    const { repository, db } = ctx.warehouse();
    const [id] = await repository.writeComputedResults({
      symbol: 'NVDA',
      computationVersion: '1.0',
      computedAt: new Date(),
      sourceRawKey: entryA.catalog.sourceRawKey!,
      sourceRawVersionId: 'v-raw',
      indicators: { lakeKey: entryA.key, rows: [{ date: '2024-03-01', values: makeIndicatorValues(1) }] },
      outbox: [entryA],
    });
    const writtenKey = entryA.key.replace('.json', '_2.json');
    await repository.markOutboxDone(id, catalogRowFor(entryA, { key: writtenKey, versionId: null }));
    const row = await db.selectFrom('daily_indicators').select('lake_key').executeTakeFirstOrThrow();
    expect(row.lake_key).toBe(writtenKey);
  });

  it('refuses to complete or fail an entry that is not pending', async () => {
    const { repository } = ctx.warehouse();
    const [a] = await repository.enqueueOutbox([entryA]);
    await repository.markOutboxDone(a, catalogRowFor(entryA, { key: entryA.key, versionId: null }));
    await expect(repository.markOutboxDone(a, catalogRowFor(entryA, { key: entryA.key, versionId: null }))).rejects.toThrow(
      /cannot mark done outbox entry \d+: it was done at/,
    );
    await expect(repository.markOutboxFailed(a, new Error('late'))).rejects.toThrow(/it was done at/);
    await expect(repository.markOutboxFailed(9999, new Error('x'))).rejects.toThrow(/no such entry/);
  });

  it('leaves the entry pending and the catalog untouched when the written object is not the planned one', async () => {
    const { repository } = ctx.warehouse();
    const [a] = await repository.enqueueOutbox([entryA]);
    const wrong = { ...catalogRowFor(entryA, { key: entryA.key, versionId: null }), sha256: 'f'.repeat(64) };
    await expect(repository.markOutboxDone(a, wrong)).rejects.toThrow(/differs from the plan in sha256/);
    expect(await repository.countPendingOutbox()).toBe(1);
    expect(await repository.listCatalogObjects()).toEqual([]);
  });

  it('rolls back done_at when the catalog insert fails', async () => {
    const { repository } = ctx.warehouse();
    const [a] = await repository.enqueueOutbox([entryA]);
    // The same key already catalogued with other content: insertCatalogObject throws inside the transaction.
    await repository.insertCatalogObject({ ...catalogRowFor(entryB, { key: entryA.key, versionId: 'other' }), kind: 'indicators' });
    await expect(repository.markOutboxDone(a, catalogRowFor(entryA, { key: entryA.key, versionId: 'v-1' }))).rejects.toThrow(
      /already catalogued with different/,
    );
    expect(await repository.countPendingOutbox()).toBe(1);
  });

  it('marks several entries done in one statement: the UPDATE and the catalog INSERT for all of them as CTEs', async () => {
    const { repository, db } = ctx.warehouse();
    const entryC = makeOutboxEntry('percentiles', 'NVDA', '2024-03-01', '20240301_210500');
    const [a, b, c] = await repository.enqueueOutbox([entryA, entryB, entryC]);
    const statements = countStatements();
    const counted = new WarehouseRepository(db.withPlugin(statements.plugin));
    // entryB went to the next free key: its result rows are repointed in the same statement.
    const writtenB = catalogRowFor(entryB, { key: entryB.key.replace('.json', '_2.json'), versionId: 'v-b' });
    await counted.markOutboxEntriesDone([
      { id: a, written: catalogRowFor(entryA, { key: entryA.key, versionId: 'v-a' }) },
      { id: b, written: writtenB },
    ]);
    expect(statements.labels).toEqual([
      'select done with raw ?, select lake_outbox, update lake_outbox, insert lake_objects, select done, update daily_indicators, update indicator_percentiles, update comparative_features',
    ]);
    expect((await repository.listPendingOutbox(10)).map((entry) => entry.id)).toEqual([c]);
    expect((await repository.listCatalogObjects()).map((object) => [object.key, object.versionId])).toEqual([
      [writtenB.key, 'v-b'],
      [entryA.key, 'v-a'],
    ]);
    await counted.markOutboxEntriesDone([]);
    expect(statements.labels).toHaveLength(1);
  });

  it('leaves out the repointing steps when every entry says it was written under its planned key', async () => {
    const { repository, db } = ctx.warehouse();
    const [a, b] = await repository.enqueueOutbox([entryA, entryB]);
    const statements = countStatements();
    const counted = new WarehouseRepository(db.withPlugin(statements.plugin));
    // A false claim (entryB went to another key than it says it planned) marks nothing: `ready` also compares
    // the planned key with the written one in this form of the statement.
    const movedB = catalogRowFor(entryB, { key: entryB.key.replace('.json', '_2.json'), versionId: 'v-b' });
    await expect(counted.markOutboxEntriesDone([{ id: b, written: movedB, plannedKey: movedB.key }])).rejects.toThrow(new RegExp(`outbox entry ${b}`));
    expect((await repository.listPendingOutbox(10)).map((entry) => entry.id)).toEqual([a, b]);
    statements.labels.length = 0;
    await counted.markOutboxEntriesDone([
      { id: a, written: catalogRowFor(entryA, { key: entryA.key, versionId: 'v-a' }), plannedKey: entryA.key },
      { id: b, written: catalogRowFor(entryB, { key: entryB.key, versionId: 'v-b' }), plannedKey: entryB.key },
    ]);
    expect(statements.labels).toEqual(['select done with raw ?, select lake_outbox, update lake_outbox, insert lake_objects']);
    expect(await repository.listPendingOutbox(10)).toEqual([]);
    expect((await repository.listCatalogObjects()).map((object) => object.key).sort()).toEqual([entryA.key, entryB.key].sort());
  });

  it('marks none of several entries done when one of them is not pending or not as planned', async () => {
    const { repository } = ctx.warehouse();
    const [a, b] = await repository.enqueueOutbox([entryA, entryB]);
    const doneA = { id: a, written: catalogRowFor(entryA, { key: entryA.key, versionId: 'v-a' }) };
    const doneB = { id: b, written: catalogRowFor(entryB, { key: entryB.key, versionId: 'v-b' }) };
    await expect(repository.markOutboxEntriesDone([doneA, { ...doneB, written: { ...doneB.written, size: 1 } }])).rejects.toThrow(
      new RegExp(`outbox entry ${b}: the written object differs from the plan in size`),
    );
    await repository.markOutboxDone(b, doneB.written);
    await expect(repository.markOutboxEntriesDone([doneA, doneB])).rejects.toThrow(new RegExp(`cannot mark done outbox entry ${b}: it was done at`));
    await expect(repository.markOutboxEntriesDone([doneA, doneA])).rejects.toThrow(/appears more than once/);
    expect((await repository.listPendingOutbox(10)).map((entry) => entry.id)).toEqual([a]);
    expect((await repository.listCatalogObjects()).map((object) => object.key)).toEqual([entryB.key]);
  });

  it('enqueues nothing for an empty list and refuses inconsistent plans', async () => {
    const { repository } = ctx.warehouse();
    expect(await repository.enqueueOutbox([])).toEqual([]);
    await expect(repository.enqueueOutbox([{ ...entryA, catalog: { ...entryA.catalog, ticker: 'AAPL' } }])).rejects.toThrow(
      /catalog ticker AAPL is not NVDA/,
    );
    expect(await repository.countPendingOutbox()).toBe(0);
  });

  it('keeps a body byte for byte, including non-ASCII text', async () => {
    const { repository } = ctx.warehouse();
    const body = JSON.stringify({ ticker: 'MSN.HM', exchange: 'HOSE', note: 'Hồ Chí Minh – 東京 €' });
    const entry = { ...entryA, body, catalog: { ...entryA.catalog, ...describeBody(body) } };
    const [id] = await repository.enqueueOutbox([entry]);
    expect((await repository.getOutboxEntry(id))!.body).toBe(body);
  });
});
