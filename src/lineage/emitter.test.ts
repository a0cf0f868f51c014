import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config.js';
import { FaultyObjectStore } from '../storage/testing/faulty-object-store.js';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { createLineageEmitter, lineageEndpoint, lineageEventKey } from './emitter.js';
import { datasetNaming } from './namespace.js';
import { errorMessageFacet, PRODUCER_URI, RUN_EVENT_SCHEMA_URL, runEvent } from './spec.js';

const RUN_ID = '0f5c5e33-9d2b-4c1e-8a53-3b1f0f3c6a11';

describe('OpenLineage events and their destinations', () => {
  let root: string;
  let store: FsObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'marketlake-lineage-'));
    store = await FsObjectStore.open(root);
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  it('builds a RunEvent with the spec fields, the job facet carrying the computation version', () => {
    const event = runEvent({
      eventType: 'START',
      eventTime: new Date('2026-11-26T21:30:00Z'),
      runId: RUN_ID,
      jobName: 'reprocess',
      computationVersion: '2.0',
      backfill: true,
    });
    expect(event).toEqual({
      eventType: 'START',
      eventTime: '2026-11-26T21:30:00.000Z',
      run: { runId: RUN_ID },
      job: {
        namespace: 'marketlake',
        name: 'reprocess',
        facets: {
          marketlake_computation: {
            _producer: PRODUCER_URI,
            _schemaURL: expect.stringMatching(/facets\.schema\.json#\/\$defs\/ComputationJobFacet$/),
            computationVersion: '2.0',
            backfill: true,
          },
        },
      },
      inputs: [],
      outputs: [],
      producer: PRODUCER_URI,
      schemaURL: RUN_EVENT_SCHEMA_URL,
    });
    expect(PRODUCER_URI).toMatch(/^https:\/\/github\.com\/marketlake\/marketlake\/tree\/v\d+\.\d+\.\d+/);
    expect(lineageEventKey(event)).toBe(`lineage/openlineage/2026-11-26/${RUN_ID}-START.json`);
  });

  it('names datasets after the lake: file URI and key, or the bucket and the key in it; wrappers are seen through', () => {
    expect(datasetNaming(store)).toEqual({ namespace: store.description, prefix: '' });
    expect(datasetNaming(new FaultyObjectStore(store))).toEqual({ namespace: store.description, prefix: '' });
    const s3 = { description: 's3://my-lake/team/lake/' } as ObjectStore;
    expect(datasetNaming(s3)).toEqual({ namespace: 's3://my-lake', prefix: 'team/lake/' });
    const emitter = createLineageEmitter({ store: s3 });
    expect(emitter.dataset('raw/sample/NVDA/2026-11-26/20261126_213000.json', 'v1')).toEqual({
      namespace: 's3://my-lake',
      name: 'team/lake/raw/sample/NVDA/2026-11-26/20261126_213000.json',
      facets: {
        version: {
          _producer: PRODUCER_URI,
          _schemaURL:
            'https://openlineage.io/spec/facets/1-0-0/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
          datasetVersion: 'v1',
        },
      },
    });
    expect(() => datasetNaming({ description: 'somewhere' } as ObjectStore)).toThrow(/not a URI/);
  });

  it("posts to Marquez's path when the URL names only a server, and refuses what is not http(s)", () => {
    expect(lineageEndpoint('http://localhost:5000')).toBe('http://localhost:5000/api/v1/lineage');
    expect(lineageEndpoint('https://lineage.example.com/custom/events')).toBe(
      'https://lineage.example.com/custom/events',
    );
    expect(() => lineageEndpoint('ftp://x')).toThrow(ConfigError);
    expect(() => lineageEndpoint('not a url')).toThrow(ConfigError);
  });

  it('stores each event as one JSON line in the lake, and reports (never throws) what could not be delivered', async () => {
    const faulty = new FaultyObjectStore(store);
    const calls: { url: string; body: string }[] = [];
    const refuse: typeof fetch = async (url, init) => {
      calls.push({ url: String(url), body: String(init?.body) });
      return new Response('no', { status: 503, statusText: 'Service Unavailable' });
    };
    const emitter = createLineageEmitter({ store: faulty, url: 'http://127.0.0.1:9', fetch: refuse });
    const event = runEvent({
      eventType: 'COMPLETE',
      eventTime: new Date('2026-11-26T21:30:00Z'),
      runId: RUN_ID,
      jobName: 'daily_run',
      computationVersion: '1.0',
    });

    expect(await emitter.emit(event)).toEqual([
      `OpenLineage COMPLETE event not delivered to http://127.0.0.1:9/api/v1/lineage: HTTP 503 Service Unavailable: no`,
    ]);
    const object = await store.get(lineageEventKey(event));
    const text = Buffer.from(object.body).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(text)).toEqual(event);
    expect(object.metadata).toMatchObject({ run_id: RUN_ID, event_type: 'COMPLETE', job: 'daily_run' });
    expect(calls).toEqual([{ url: 'http://127.0.0.1:9/api/v1/lineage', body: JSON.stringify(event) }]);

    // The lake refusing, and a network failure: both reported, with the reason.
    faulty.failPuts = 'all';
    const unreachable = createLineageEmitter({
      store: faulty,
      url: 'http://127.0.0.1:9',
      fetch: async () =>
        Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') })),
    });
    const problems = await unreachable.emit({ ...event, eventType: 'FAIL' });
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^OpenLineage FAIL event not stored at lineage/openlineage/2026-11-26/${RUN_ID}-FAIL\\.json: .*injected fault`,
        ),
      ),
      'OpenLineage FAIL event not delivered to http://127.0.0.1:9/api/v1/lineage: fetch failed (connect ECONNREFUSED 127.0.0.1:9)',
    ]);
  });

  it('sends the user info of the URL as HTTP basic authentication, never in the URL, and names the server without the password', async () => {
    const calls: { url: string; authorization: string | null }[] = [];
    const accept: typeof fetch = async (url, init) => {
      calls.push({ url: String(url), authorization: new Headers(init?.headers).get('authorization') });
      return new Response('', { status: 201 });
    };
    const emitter = createLineageEmitter({ store, url: 'http://marquez:p%40ss-Word7@127.0.0.1:9', fetch: accept });
    const event = runEvent({
      eventType: 'START',
      eventTime: new Date('2026-11-26T21:30:00Z'),
      runId: RUN_ID,
      jobName: 'daily_run',
      computationVersion: '1.0',
    });
    expect(await emitter.emit(event)).toEqual([]);
    expect(calls).toEqual([
      {
        url: 'http://127.0.0.1:9/api/v1/lineage',
        authorization: `Basic ${Buffer.from('marquez:p@ss-Word7').toString('base64')}`,
      },
    ]);

    // A proxy that quotes the header it refused: the encoded credentials are a secret too.
    const quoting: typeof fetch = async (_url, init) =>
      new Response(`bad ${new Headers(init?.headers).get('authorization')}`, {
        status: 401,
        statusText: 'Unauthorized',
      });
    const refusing = createLineageEmitter({ store, url: 'http://marquez:p%40ss-Word7@127.0.0.1:9', fetch: quoting });
    expect(await refusing.emit({ ...event, eventType: 'COMPLETE' })).toEqual([
      'OpenLineage COMPLETE event not delivered to http://marquez:***@127.0.0.1:9/api/v1/lineage: HTTP 401 Unauthorized: bad Basic ***',
    ]);
  });

  it('redacts an event before it leaves (lake and server): a FAIL event carries an error message and stack that may quote a URL', async () => {
    const bodies: string[] = [];
    const echo: typeof fetch = async (_url, init) => {
      bodies.push(String(init?.body));
      // A server (or a proxy) that quotes what it was sent, password included, in its answer.
      return new Response('bad request for postgres://app:Leaky-Pw-9@db:5432/market', {
        status: 400,
        statusText: 'Bad Request',
      });
    };
    const emitter = createLineageEmitter({ store, url: 'http://127.0.0.1:9', fetch: echo });
    const error = new Error('cannot connect to postgres://app:Leaky-Pw-9@db:5432/market');
    const event = runEvent({
      eventType: 'FAIL',
      eventTime: new Date('2026-11-26T21:30:00Z'),
      runId: RUN_ID,
      jobName: 'daily_run',
      computationVersion: '1.0',
      runFacets: { errorMessage: errorMessageFacet(error) },
    });
    const problems = await emitter.emit(event);
    const stored = Buffer.from((await store.get(lineageEventKey(event))).body).toString('utf8');
    for (const text of [stored, ...bodies, ...problems]) {
      expect(text).not.toContain('Leaky-Pw-9');
      expect(text).toContain('postgres://app:***@db:5432/market');
    }
    expect(JSON.parse(stored).run.facets.errorMessage).toMatchObject({
      message: 'cannot connect to postgres://app:***@db:5432/market',
      stackTrace: expect.stringContaining('app:***@db'),
    });
  });
});
