import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createLineageEmitter, type LineageEmitter } from '../../src/lineage/emitter.js';
import { describeOnDatabases } from '../support/databases.js';
import { createTestLake, type TestLake } from '../support/lake.js';
import { startLineageReceiver, type LineageReceiver } from '../support/openlineage-receiver.js';
import { readJson, reprocessAt, runAt } from '../support/reprocess-runs.js';
import { getRun } from '../../src/warehouse/runs.js';
import { tableOf } from '../support/statements.js';

describeOnDatabases('OpenLineage', (ctx) => {
  let receiver: LineageReceiver;
  let t: TestLake;
  let emitter: LineageEmitter;
  beforeAll(async () => {
    receiver = await startLineageReceiver();
  });
  afterAll(async () => receiver.close());
  beforeEach(async () => {
    t = await createTestLake(ctx.warehouse());
    emitter = createLineageEmitter({ store: t.store, url: receiver.url });
    receiver.events.length = 0;
    receiver.status = 201;
  });
  afterEach(async () => t.dispose());

  /** The events of one run as the receiver got them, after checking each against the spec. */
  function eventsOf(runId: string) {
    const received = receiver.events.filter((e) => e.event.run?.runId === runId);
    for (const r of received) {
      expect(r.problems).toEqual([]);
      expect(r.path).toBe('/api/v1/lineage');
      expect(r.contentType).toBe('application/json');
    }
    return received.map((r) => r.event);
  }

  const namespace = () => `file://${t.root}`;

  it('a daily run emits START then COMPLETE: raw snapshots in, processed objects out, each with its version id; both events are in the lake', async () => {
    const summary = await runAt(t, { tickers: ['NVDA', 'D05.SI'], lineage: emitter });
    expect(summary).toMatchObject({ status: 'ok', lineage_errors: [] });
    const events = eventsOf(summary.run_id);
    expect(events.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    const [start, complete] = events;
    for (const event of events) {
      expect(event.job).toEqual({
        namespace: 'marketlake',
        name: 'daily_run',
        facets: { marketlake_computation: expect.objectContaining({ computationVersion: '1.0', backfill: false }) },
      });
      expect(event.schemaURL).toBe('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent');
    }
    expect(start.inputs).toEqual([]);

    const rawKeys = [
      'raw/sample/NVDA/2026-11-26/20261126_213000.json',
      'raw/sample/D05.SI/2026-11-26/20261126_213000.json',
    ];
    expect(complete.inputs).toEqual(
      await Promise.all(
        rawKeys.map(async (key) => ({
          namespace: namespace(),
          name: key,
          facets: { version: expect.objectContaining({ datasetVersion: (await t.store.head(key)).versionId }) },
          // What the quality checks said of the snapshot (OpenLineage's standard input facet, spec 1-0-2).
          inputFacets: {
            dataQualityAssertions: {
              _producer: expect.any(String),
              _schemaURL:
                'https://openlineage.io/spec/facets/1-0-2/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet',
              assertions: expect.arrayContaining([
                { assertion: 'consistency.high_low', success: true, severity: 'error' },
                { assertion: 'freshness.last_bar', success: true, severity: 'warn' },
              ]),
            },
          },
        })),
      ),
    );
    const processed = (await t.keys('processed/')).sort();
    expect(complete.outputs.map((d: { name: string }) => d.name).sort()).toEqual(processed);
    expect(processed).toHaveLength(6);
    for (const output of complete.outputs) {
      expect(output.namespace).toBe(namespace());
      expect(output.facets.version.datasetVersion).toBe((await t.store.head(output.name)).versionId);
    }
    expect(complete.run.facets.marketlake_run).toMatchObject({
      status: 'ok',
      objectsWritten: 8,
      outboxPending: 0,
      failed: [],
    });

    // The same events, one object each, under lineage/openlineage/{date}/{runId}-{eventType}.json.
    const stored = await t.keys('lineage/openlineage/');
    expect(stored).toEqual([
      `lineage/openlineage/2026-11-26/${summary.run_id}-COMPLETE.json`,
      `lineage/openlineage/2026-11-26/${summary.run_id}-START.json`,
    ]);
    expect(await readJson(t, stored[0])).toEqual(complete);
    expect(await readJson(t, stored[1])).toEqual(start);
  });

  it('spreads the datasets of a big run over RUNNING events before the terminal one, so that no event is huge', async () => {
    const small = createLineageEmitter({ store: t.store, url: receiver.url, maxDatasetsPerEvent: 3 });
    const summary = await runAt(t, { tickers: ['NVDA', 'D05.SI'], lineage: small });
    const events = eventsOf(summary.run_id);
    expect(events.map((e) => e.eventType)).toEqual(['START', 'RUNNING', 'RUNNING', 'COMPLETE']);
    for (const event of events) expect(event.inputs.length + event.outputs.length).toBeLessThanOrEqual(3);
    const names = (side: 'inputs' | 'outputs') =>
      events.flatMap((e) => e[side].map((d: { name: string }) => d.name)).sort();
    expect(names('inputs')).toEqual((await t.keys('raw/')).sort());
    expect(names('outputs')).toEqual((await t.keys('processed/')).sort());
    expect(events[3].run.facets.marketlake_run).toMatchObject({ status: 'ok' });
    expect(await t.keys(`lineage/openlineage/2026-11-26/${summary.run_id}-RUNNING`)).toEqual([
      `lineage/openlineage/2026-11-26/${summary.run_id}-RUNNING-0001.json`,
      `lineage/openlineage/2026-11-26/${summary.run_id}-RUNNING-0002.json`,
    ]);
  });

  it('a reprocess emits START then COMPLETE for job reprocess: the raw snapshots read in, the new objects out', async () => {
    await runAt(t, { tickers: ['NVDA'], start: '2026-10-01' });
    const summary = await reprocessAt(t, {
      computationVersion: '2.0',
      backfill: true,
      from: '2026-11-26',
      lineage: emitter,
    });
    expect(summary).toMatchObject({ status: 'ok', lineage_errors: [] });
    const [start, complete, ...rest] = eventsOf(summary.run_id);
    expect(rest).toEqual([]);
    expect([start.eventType, complete.eventType]).toEqual(['START', 'COMPLETE']);
    expect(complete.job).toMatchObject({
      namespace: 'marketlake',
      name: 'reprocess',
      facets: { marketlake_computation: { computationVersion: '2.0', backfill: true } },
    });
    const rawKey = 'raw/sample/NVDA/2026-11-26/20261126_213000.json';
    expect(complete.inputs).toEqual([
      {
        namespace: namespace(),
        name: rawKey,
        facets: { version: expect.objectContaining({ datasetVersion: (await t.store.head(rawKey)).versionId }) },
      },
    ]);
    expect(complete.outputs).toHaveLength(summary.objects_written);
    expect(new Set(complete.outputs.map((d: { name: string }) => d.name))).toEqual(
      new Set((await t.keys('processed/')).filter((key) => key.endsWith('20261126_223000.json'))),
    );
    expect(await t.keys(`lineage/openlineage/2026-11-26/${summary.run_id}`)).toHaveLength(2);
  });

  it('a run in which every ticker fails emits FAIL with the reason', async () => {
    const summary = await runAt(t, { tickers: ['A^B', 'A/B'], lineage: emitter });
    expect(summary.status).toBe('failed');
    const events = eventsOf(summary.run_id);
    expect(events.map((e) => e.eventType)).toEqual(['START', 'FAIL']);
    expect(events[1].run.facets.errorMessage).toMatchObject({
      programmingLanguage: 'JavaScript',
      message: expect.stringMatching(/2 ticker\(s\) failed: A\^B: invalid ticker/),
    });
    expect(events[1].run.facets.marketlake_run).toMatchObject({ status: 'failed' });
    expect(await t.keys(`lineage/openlineage/2026-11-26/${summary.run_id}-FAIL.json`)).toHaveLength(1);
  });

  it('a run that throws emits FAIL with the error, and the error still reaches the caller', async () => {
    const warehouse = t.warehouse;
    // Every statement goes through, except the one that records the start of a run.
    const broken = warehouse.db.withPlugin({
      transformQuery: (args) => {
        if (args.node.kind === 'InsertQueryNode' && tableOf(args.node) === 'computation_runs')
          throw new Error('the database went away');
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const failing = { ...t, warehouse: { ...warehouse, db: broken } } as TestLake;
    await expect(runAt(failing, { lineage: emitter })).rejects.toThrow('the database went away');
    await expect(reprocessAt(failing, { lineage: emitter, tickers: ['NVDA'] })).rejects.toThrow(
      'the database went away',
    );
    const terminal = receiver.events.map((e) => e.event).filter((e) => e.eventType === 'FAIL');
    expect(terminal.map((e) => e.job.name)).toEqual(['daily_run', 'reprocess']);
    for (const event of terminal) expect(event.run.facets.errorMessage.message).toBe('the database went away');
    expect(receiver.events.every((e) => e.problems.length === 0)).toBe(true);
  });

  it('a receiver that refuses, or cannot be reached, is reported in the summary and never fails the run', async () => {
    receiver.status = 500;
    const refused = await runAt(t, { lineage: emitter });
    expect(refused.status).toBe('ok');
    expect(refused.lineage_errors).toEqual([
      expect.stringMatching(
        /^OpenLineage START event not delivered to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/lineage: HTTP 500/,
      ),
      expect.stringMatching(/^OpenLineage COMPLETE event not delivered to .*HTTP 500/),
    ]);
    // The lake still has both events, and the run's row records the problems.
    expect(await t.keys(`lineage/openlineage/2026-11-26/${refused.run_id}`)).toHaveLength(2);
    expect((await getRun(t.warehouse.db, refused.run_id))?.summary).toMatchObject({
      lineage_errors: refused.lineage_errors,
    });

    const closed = await startLineageReceiver();
    await closed.close(); // a port nobody listens on any more
    const unreachable = await reprocessAt(t, { lineage: createLineageEmitter({ store: t.store, url: closed.url }) });
    expect(unreachable.status).toBe('ok');
    expect(unreachable.lineage_errors).toHaveLength(2);
    expect(unreachable.lineage_errors[0]).toMatch(/not delivered to .*: fetch failed \(.*ECONNREFUSED/);

    // A lake refusing writes: the events are not stored (reported), yet still POSTed.
    receiver.status = 201;
    t.store.failPuts = 'all';
    const lakeDown = await reprocessAt(t, { lineage: emitter, now: new Date('2026-11-27T08:00:00Z') });
    expect(
      lakeDown.lineage_errors.filter((e) => /event not stored at lineage\/openlineage\/2026-11-27\//.test(e)),
    ).toHaveLength(2);
    expect(eventsOf(lakeDown.run_id).map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
  });
});
