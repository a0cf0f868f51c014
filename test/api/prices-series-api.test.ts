/**
 * GET /v1/prices/{ticker} and GET /v1/indicators/{ticker}/series (src/api/routes/prices.ts, indicator-series.ts)
 * over one lake made by two daily runs of NVDA (computation version 1.0) and a reprocess under 2.0:
 *   - the prices are the bars of the snapshot the object routes name (latest, and as known at a time, where the
 *     lake's answer equals the catalog's), cut at from/to; bad ranges and dates are 400, unknown tickers 404;
 *   - each indicators result's series ends, field by field, exactly on the stored result's values, for results of
 *     both computation versions, and is null through each field's warm-up; a version's series is immutable;
 *   - the series agree with TA-Lib (the `talib` package) on SMA, RSI and MACD for 2.0, SMA for 1.0, over the
 *     sample snapshot's bars;
 *   - both answer while a run holds the embedded home (the lock taken in this process), when an `as_known_at` read
 *     of the catalog cannot;
 *   - a result of a computation version this build does not have (a newer marketlake wrote it) is a lake error
 *     naming its key and field, for the series as for the object itself, and the other results still answer.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiApp, createApiApp } from '../../src/api/app.js';
import type { ComputationVersion } from '../../src/compute/fields.js';
import { SERIES_FIELDS, type SeriesField } from '../../src/compute/indicator-series.js';
import type { WarmUp } from '../../src/compute/versions/kernel-set.js';
import { KERNEL_SETS } from '../../src/compute/versions/registry.js';
import { compare } from '../../src/compute/versions/2.0/testing/series.js';
import { talibFloor } from '../../src/compute/versions/2.0/testing/run.js';
import { talibReference } from '../../src/compute/versions/2.0/testing/talib.js';
import { resolveConfig } from '../../src/config.js';
import type { RawBar } from '../../src/lake/formats/raw.js';
import { openRuntime } from '../../src/runtime.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import { runCli } from '../support/cli.js';
import { withNow } from '../support/env.js';

const DAY_1 = '2026-12-01T22:00:00Z';
const DAY_2 = '2026-12-02T22:00:00Z';
const BETWEEN = '2026-12-02T12:00:00Z';
const enc = encodeURIComponent;

/** The bars as the API answers them: the raw document's. */
type Bar = RawBar;
interface LakeObjectAnswer<Body> {
  key: string;
  version_id: string;
  body: Body;
}
interface Prices {
  ticker: string;
  raw: { key: string; version_id: string; source: string; fetched_at: string };
  from: string | null;
  to: string | null;
  bars: Bar[];
}
interface IndicatorsBody {
  as_of: string;
  computation_version: string;
  source_raw_data_key: string;
  source_raw_data_version_id: string;
  values: Record<string, number | null>;
}
type Point = { date: string } & Record<(typeof SERIES_FIELDS)[number], number | null>;
interface Series {
  ticker: string;
  computed: true;
  computation_version: string;
  result: { key: string; version_id: string; as_of: string };
  raw: { key: string; version_id: string };
  fields: string[];
  points: Point[];
}

/** How many bars at the start have no value of a field, by the version's documented warm-up. */
function warmUpOf(warmUp: WarmUp, field: SeriesField): number {
  if (field.startsWith('sma_')) return warmUp.sma(Number(field.slice(4)));
  if (field.startsWith('bb_')) return warmUp.bollinger(20);
  if (field === 'rsi_14') return warmUp.rsi(14);
  return warmUp.macd;
}

describe('prices and indicator series over a lake of two daily runs and a 2.0 reprocess', () => {
  let home: string;
  let api: ApiApp;
  /** What the app reported as its own failures: only the 503 of the lock test is expected. */
  const logged: unknown[] = [];

  const get = (path: string, headers: Record<string, string> = {}) => api.app.request(path, { headers });
  const getJson = async <T>(path: string): Promise<T> => {
    const answer = await get(path);
    expect(answer.status, `${path}: ${await answer.clone().text()}`).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    return (await answer.json()) as T;
  };
  const expectProblem = async (path: string, status: number): Promise<string> => {
    const answer = await get(path);
    expect(answer.status, `${path}: ${await answer.clone().text()}`).toBe(status);
    expect(answer.headers.get('content-type'), path).toBe('application/problem+json');
    return ((await answer.json()) as { detail: string }).detail;
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-prices-'));
    for (const day of [DAY_1, DAY_2]) {
      const run = await withNow(day, () => runCli('run', '--home', home, '--tickers', 'NVDA', '--json'));
      expect(run.code, run.stderr).toBe(0);
    }
    const reprocess = await withNow(DAY_2, () =>
      runCli('reprocess', '--home', home, '--computation-version', '2.0', '--tickers', 'NVDA', '--json'),
    );
    expect(reprocess.code, reprocess.stderr).toBe(0);
    api = createApiApp({ config: resolveConfig({ home }), guards: false, logError: (error) => logged.push(error) });
  }, 300_000);
  afterAll(async () => {
    await api?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("prices: the newest raw snapshot's bars exactly, naming it; from/to cut them inclusively; CSV", async () => {
    const raw =
      await getJson<LakeObjectAnswer<{ bars: Bar[]; source: string; fetched_at: string }>>('/v1/raw/NVDA/latest');
    const prices = await getJson<Prices>('/v1/prices/nvda');
    expect(prices).toEqual({
      ticker: 'NVDA',
      raw: { key: raw.key, version_id: raw.version_id, source: raw.body.source, fetched_at: raw.body.fetched_at },
      from: null,
      to: null,
      bars: raw.body.bars,
    });
    expect(raw.key).toContain('/2026-12-02/');
    expect(prices.bars.length).toBeGreaterThan(200);

    const bars = raw.body.bars;
    const [from, to] = [bars[10]!.date, bars[20]!.date];
    const cut = await getJson<Prices>(`/v1/prices/NVDA?from=${from}&to=${to}`);
    expect(cut.bars).toEqual(bars.slice(10, 21));
    expect(cut).toMatchObject({ from, to, raw: prices.raw });
    expect((await getJson<Prices>(`/v1/prices/NVDA?from=${to}`)).bars).toEqual(bars.slice(20));
    expect((await getJson<Prices>(`/v1/prices/NVDA?to=${from}`)).bars).toEqual(bars.slice(0, 11));
    expect((await getJson<Prices>(`/v1/prices/NVDA?from=${from}&to=${from}`)).bars).toEqual([bars[10]]);
    // A range the snapshot has no bar in is an empty answer, not an error.
    expect((await getJson<Prices>('/v1/prices/NVDA?from=2030-01-01')).bars).toEqual([]);

    const csv = await get(`/v1/prices/NVDA?from=${from}&to=${to}&format=csv`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const columns = ['date', 'open', 'high', 'low', 'close', 'adj_close', 'volume'] as const;
    const lines = [columns.join(','), ...cut.bars.map((bar) => columns.map((c) => String(bar[c] ?? '')).join(','))];
    expect(await csv.text()).toBe(lines.map((line) => `${line}\r\n`).join(''));
  });

  it('prices as known at a time: the snapshot the catalog names then; before anything, 404', async () => {
    const versions = await getJson<{ key: string; version_id: string }[]>('/v1/raw/NVDA/versions');
    expect(versions).toHaveLength(2);
    const first = versions[1]!;
    const then = await getJson<LakeObjectAnswer<{ bars: Bar[] }>>(`/v1/raw/NVDA/latest?as_known_at=${enc(BETWEEN)}`);
    expect(then.key).toBe(first.key);
    const prices = await getJson<Prices>(`/v1/prices/NVDA?as_known_at=${enc(BETWEEN)}`);
    expect(prices.raw).toMatchObject({ key: first.key, version_id: first.version_id });
    expect(prices.bars).toEqual(then.body.bars);
    expect((await getJson<Prices>(`/v1/prices/NVDA?as_known_at=${enc(DAY_2)}`)).raw.key).toBe(versions[0]!.key);
    const none = await expectProblem(`/v1/prices/NVDA?as_known_at=${enc('2020-01-01T00:00:00Z')}`, 404);
    expect(none).toContain('no raw object for NVDA was known at 2020-01-01T00:00:00.000Z');
    expect(none).not.toContain(home);
  });

  it('prices: bad dates, from after to and a bad instant are 400; an unknown ticker 404; ETag and 304', async () => {
    expect(await expectProblem('/v1/prices/NVDA?from=2026-12-02&to=2026-12-01', 400)).toContain(
      'from (2026-12-02) is after to (2026-12-01)',
    );
    expect(await expectProblem('/v1/prices/NVDA?from=2026-13-01', 400)).toContain('query.from');
    expect(await expectProblem('/v1/prices/NVDA?to=yesterday', 400)).toContain('query.to');
    await expectProblem('/v1/prices/NVDA?as_known_at=2026-12-02', 400);
    await expectProblem('/v1/prices/NV%24A', 400);
    expect(await expectProblem('/v1/prices/MSFT', 404)).toContain('no raw object for MSFT');

    const first = await get('/v1/prices/NVDA');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect((await get('/v1/prices/NVDA', { 'If-None-Match': etag! })).status).toBe(304);
    expect((await get('/v1/prices/NVDA?to=2026-11-30', { 'If-None-Match': etag! })).status).toBe(200);
  });

  it("each result's series ends exactly on its stored values, for both computation versions; immutable", async () => {
    const versions =
      await getJson<{ key: string; version_id: string; computation_version: string }[]>('/v1/indicators/NVDA/versions');
    expect(new Set(versions.map((v) => v.computation_version))).toEqual(new Set(['1.0', '2.0']));
    for (const version of versions) {
      const stored = await getJson<LakeObjectAnswer<IndicatorsBody>>(
        `/v1/objects?key=${enc(version.key)}&version_id=${enc(version.version_id)}`,
      );
      const answer = await get(`/v1/indicators/NVDA/series?version=${enc(version.version_id)}`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const series = (await answer.json()) as Series;
      const body = stored.body;
      expect(series).toMatchObject({
        ticker: 'NVDA',
        computed: true,
        computation_version: body.computation_version,
        result: { key: version.key, version_id: version.version_id, as_of: body.as_of },
        raw: { key: body.source_raw_data_key, version_id: body.source_raw_data_version_id },
        fields: [...SERIES_FIELDS],
      });
      const raw = await getJson<LakeObjectAnswer<{ bars: Bar[] }>>(
        `/v1/objects?key=${enc(body.source_raw_data_key)}&version_id=${enc(body.source_raw_data_version_id)}`,
      );
      const barsToAsOf = raw.body.bars.filter((bar) => bar.date <= body.as_of);
      expect(series.points.map((point) => point.date)).toEqual(barsToAsOf.map((bar) => bar.date));
      // The lineage promise: the same raw and the same code version give the same numbers, bit for bit.
      const last = series.points.at(-1)!;
      for (const field of SERIES_FIELDS) {
        expect({ key: version.key, field, value: last[field] }).toEqual({
          key: version.key,
          field,
          value: body.values[field],
        });
        expect(typeof last[field], field).toBe('number');
      }
      // Null exactly through each field's warm-up in this version (SMA n: the first n - 1 bars), numbers after.
      const warmUp = KERNEL_SETS[body.computation_version as ComputationVersion].warmUp;
      expect(series.points.findIndex((point) => point.sma_200 !== null)).toBe(199);
      for (const field of SERIES_FIELDS) {
        const nulls = series.points.findIndex((point) => point[field] !== null);
        expect({ field, nulls }).toEqual({ field, nulls: warmUpOf(warmUp, field) });
        expect(series.points.slice(nulls).every((point) => typeof point[field] === 'number')).toBe(true);
      }

      // The same result asked by its key timestamp answers the same.
      const stamp = version.key
        .split('/')
        .pop()!
        .replace(/\.json(\.gz)?$/, '');
      expect(await getJson<Series>(`/v1/indicators/NVDA/series?version=${stamp}`)).toEqual(series);
    }
  });

  it('the latest and the newest of a date are the results the object routes name; CSV; bad asks', async () => {
    const latest = await getJson<LakeObjectAnswer<IndicatorsBody>>('/v1/indicators/NVDA/latest');
    const answer = await get('/v1/indicators/nvda/series');
    expect(answer.headers.get('cache-control')).toBe('no-cache');
    const series = (await answer.json()) as Series;
    expect(series.result).toEqual({ key: latest.key, version_id: latest.version_id, as_of: latest.body.as_of });
    const ofDate = await getJson<LakeObjectAnswer<IndicatorsBody>>('/v1/indicators/NVDA/dates/2026-12-01');
    const dated = await getJson<Series>('/v1/indicators/NVDA/series?date=2026-12-01');
    expect(dated.result.key).toBe(ofDate.key);
    expect(dated.points.at(-1)!.date).toBe(ofDate.body.as_of);

    const csv = await get('/v1/indicators/NVDA/series?date=2026-12-01', { Accept: 'text/csv' });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(['date', ...SERIES_FIELDS].join(','));
    expect(lines).toHaveLength(dated.points.length + 1);
    const lastPoint = dated.points.at(-1)!;
    expect(lines.at(-1)).toBe(['date', ...SERIES_FIELDS].map((c) => String(lastPoint[c as keyof Point])).join(','));

    await expectProblem('/v1/indicators/NVDA/series?date=2026-12-01&version=20261201_220000', 400);
    await expectProblem('/v1/indicators/NVDA/series?date=2026-02-30', 400);
    await expectProblem('/v1/indicators/MSFT/series', 404);
    await expectProblem('/v1/indicators/NVDA/series?date=2026-11-30', 404);
    await expectProblem('/v1/indicators/NVDA/series?version=20200101_000000', 404);
  });

  it('the series agree with TA-Lib: SMA, RSI and MACD under 2.0, SMA under 1.0', async () => {
    const versions =
      await getJson<{ version_id: string; computation_version: string }[]>('/v1/indicators/NVDA/versions');
    const checked = new Set<string>();
    for (const computationVersion of ['1.0', '2.0']) {
      const version = versions.find((v) => v.computation_version === computationVersion)!;
      const series = await getJson<Series>(`/v1/indicators/NVDA/series?version=${enc(version.version_id)}`);
      const raw = await getJson<LakeObjectAnswer<{ bars: Bar[] }>>(
        `/v1/objects?key=${enc(series.raw.key)}&version_id=${enc(series.raw.version_id)}`,
      );
      const bars = raw.body.bars.filter((bar) => bar.date <= series.result.as_of);
      const close = bars.map((bar) => bar.close);
      const reference = talibReference({ high: bars.map((b) => b.high), low: bars.map((b) => b.low), close });
      const scale = close.reduce((sum, value) => sum + Math.abs(value), 0) / close.length;
      // 1.0 averages RSI's changes by a rolling mean and seeds its EMAs on the first close (pandas), where TA-Lib
      // uses Wilder's smoothing and an SMA seed: only the simple moving averages are TA-Lib's in 1.0.
      const fields =
        computationVersion === '2.0'
          ? (['sma_20', 'sma_50', 'sma_200', 'rsi_14', 'macd', 'macd_signal', 'macd_histogram'] as const)
          : (['sma_20', 'sma_50', 'sma_200'] as const);
      for (const field of fields) {
        const ours = series.points.map((point) => point[field] ?? Number.NaN);
        const { mismatches } = compare(ours, reference[field], 1e-9, talibFloor(field, scale));
        expect({ computationVersion, field, mismatches: mismatches.slice(0, 3) }).toEqual({
          computationVersion,
          field,
          mismatches: [],
        });
        checked.add(`${computationVersion} ${field}`);
      }
    }
    expect(checked.size).toBe(10);
  });

  it('both answer while a run holds the embedded home; a catalog read of the past cannot', async () => {
    const runtime = await openRuntime(resolveConfig({ home }));
    try {
      await expectProblem(`/v1/raw/NVDA/latest?as_known_at=${enc(BETWEEN)}`, 503);
      expect((await getJson<Prices>('/v1/prices/NVDA')).raw.key).toContain('/2026-12-02/');
      expect((await getJson<Prices>(`/v1/prices/NVDA?as_known_at=${enc(BETWEEN)}`)).raw.key).toContain('/2026-12-01/');
      expect((await getJson<Series>('/v1/indicators/NVDA/series')).points.length).toBeGreaterThan(200);
    } finally {
      await runtime.close();
    }
    // A busy database is expected while a run writes: answered (503), not logged as the server's failure.
    expect(logged).toEqual([]);
  });

  it('/openapi.json lists both routes with their parameters', async () => {
    const document = await getJson<{
      paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }>;
    }>('/openapi.json');
    const names = (path: string) => document.paths[path]?.get?.parameters?.map((p) => `${p.in}:${p.name}`).sort();
    expect(names('/v1/prices/{ticker}')).toEqual([
      'path:ticker',
      'query:as_known_at',
      'query:format',
      'query:from',
      'query:to',
    ]);
    expect(names('/v1/indicators/{ticker}/series')).toEqual([
      'path:ticker',
      'query:date',
      'query:format',
      'query:version',
    ]);
  });
});

describe('a result of a computation version this build does not have', () => {
  let home: string;
  let api: ApiApp;
  const logged: unknown[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-series-version-'));
    const run = await withNow(DAY_1, () => runCli('run', '--home', home, '--tickers', 'NVDA', '--json'));
    expect(run.code, run.stderr).toBe(0);
    api = createApiApp({ config: resolveConfig({ home }), guards: false, logError: (error) => logged.push(error) });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('is a lake error naming the key and the field, for the series as for the object; the others answer', async () => {
    // As a newer marketlake would write it: the run's own result, under a version "9.9", put later the same day.
    const store = new FsObjectStore(join(home, 'lake'));
    const [ours] = (await store.list({ prefix: 'processed/indicators/NVDA/' })).objects;
    const stored = await store.get(ours!.key);
    const document = JSON.parse(Buffer.from(stored.body).toString('utf8')) as { computation_version: string };
    const body = JSON.stringify({ ...document, computation_version: '9.9' });
    const newer = ours!.key.replace(/_\d{6}\.json$/, '_235959.json');
    expect(newer).not.toBe(ours!.key);
    await store.put({
      key: newer,
      body,
      contentType: stored.contentType,
      tags: await store.getTags(ours!.key),
      metadata: { ...stored.metadata, content_sha256: createHash('sha256').update(body).digest('hex') },
    });

    for (const path of ['/v1/indicators/NVDA/latest', '/v1/indicators/NVDA/series']) {
      const answer = await api.app.request(path);
      expect(answer.status, path).toBe(500);
      const problem = (await answer.json()) as { type: string; detail: string };
      expect(problem.type, path).toBe('/problems/lake-error');
      expect(problem.detail, path).toContain(newer);
      expect(problem.detail, path).toContain('computation_version');
    }
    const timestamp = /(\d{8}_\d{6})\.json$/.exec(ours!.key)![1];
    const older = await api.app.request(`/v1/indicators/NVDA/series?version=${timestamp}`);
    expect(older.status).toBe(200);
    expect(((await older.json()) as Series).result.key).toBe(ours!.key);
    // A lake object this server cannot read is the server's failure to report, once per request.
    expect(logged).toHaveLength(2);
  });
});
