/**
 * The web page of `marketlake serve` (src/api/page/) in a real browser, Debian's Chromium driven by
 * playwright-core, on a server over a lake made by two daily runs of sample data (NVDA's second run with a failed
 * quality check) and a reprocess of ^GSPC under 2.0: the page loads with no console error and no failed request,
 * the chart is drawn (its canvases hold candles, not a blank background), the numbers shown are the API's for the
 * same ticker, switching ticker, version and date shows theirs, and an unknown ticker is said clearly. The panels
 * (quality, diff, runs) show the API's answers; while a run holds the embedded home they say so (503) and the rest
 * of the page stands; on a server with tokens the page asks for one (401) and works once it is given; the API page
 * (Swagger UI at /api) lists the operations and calls one with the token. Without /usr/bin/chromium the suite is
 * skipped loudly (fails with MARKETLAKE_REQUIRE_SERVICES=1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../src/api/server.js';
import { resolveConfig } from '../../src/config.js';
import { DataDirectoryInUseError } from '../../src/warehouse/pglite/lock.js';
import {
  CHROMIUM_PATH,
  chartInk,
  chromiumInstalled,
  launchChromium,
  makePageLake,
  pageTrouble,
  waitPanel,
  waitShown,
} from '../support/browser.js';
import { httpRequest } from '../support/http.js';
import { describeWithoutService } from '../support/services.js';

const TICKERS = ['NVDA', '^GSPC'];
const DAYS = ['2026-12-01T22:00:00Z', '2026-12-02T22:00:00Z'];

interface LakeObject<B = Record<string, unknown>> {
  key: string;
  version_id: string;
  metadata: Record<string, string>;
  body: B;
}
interface Result {
  ticker: string;
  as_of: string;
  computation_version: string;
  source_raw_data_key: string;
  source_raw_data_version_id: string;
  source_raw_data_sha256: string;
  values: Record<string, number>;
}
interface Raw {
  bars: { date: string; close: number }[];
}
interface Version {
  key: string;
  version_id: string;
  date: string;
}
interface Verdict {
  check_id: string;
  severity: string;
  passed: boolean;
  observed: string;
  expected: string;
  details: string;
  checked_at: string;
  run_id: string;
  run_date: string;
}
interface Run {
  run_id: string;
  kind: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  computation_version: string;
  tickers: string[];
  summary: {
    tickers_ok?: string[];
    tickers_failed?: unknown[];
    failed?: unknown[];
    duration_ms?: number;
  } | null;
}
interface DiffField {
  field: string;
  compared: number;
  changed: number;
  max_abs_diff: number | null;
  max_rel_diff: number | null;
  worst: { as_of: string; from: number | null; to: number | null }[];
}

/** The page's formats (src/api/page/dom.js), to compare what it shows with the API's numbers. */
const shownNumber = (value: number | null | undefined, digits: number) => (value == null ? '–' : value.toFixed(digits));
const shownExponent = (value: number | null) => (value === null ? '–' : value.toExponential(3));

/** The cells of a table's body, row by row, as shown. */
async function tableCells(page: Page, table: string): Promise<string[][]> {
  const rows = await page.locator(`${table} tbody tr`).allInnerTexts();
  return rows.map((row) => row.split('\t').map((cell) => cell.trim()));
}

function pageSuite(): void {
  let home: string;
  let server: ApiServer;
  let browser: Browser;
  /** What the server logged as its own failure (a 5xx other than a busy database): nothing. */
  const serverErrors: unknown[] = [];

  const api = async <T>(path: string): Promise<T> => {
    const answer = await httpRequest(server.url, path);
    expect(answer.status, `${path}: ${answer.text()}`).toBe(200);
    return answer.json() as T;
  };
  const indicatorsOf = (ticker: string, suffix = 'latest') =>
    api<LakeObject<Result>>(`/v1/indicators/${encodeURIComponent(ticker)}/${suffix}`);
  const rawOf = (result: Result) =>
    api<LakeObject<Raw>>(
      `/v1/objects?key=${encodeURIComponent(result.source_raw_data_key)}` +
        `&version_id=${encodeURIComponent(result.source_raw_data_version_id)}`,
    );
  const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim();

  /** The page at `hash`, with a record of what went wrong on it. */
  const open = async (hash = '') => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const trouble = pageTrouble(page);
    await page.goto(`${server.url}/${hash}`);
    return { page, trouble };
  };

  /** What the page shows for a result must be the API's answer for it, to the digits shown. */
  const expectShows = async (page: Page, result: LakeObject<Result>) => {
    const raw = await rawOf(result.body);
    const lastBar = raw.body.bars[raw.body.bars.length - 1]!;
    const percentiles = await api<LakeObject<{ values: Record<string, { percentile: number }> }>>(
      `/v1/percentiles/${encodeURIComponent(result.body.ticker)}/dates/${result.body.as_of}`,
    );
    expect(await text(page, '#title')).toBe(result.body.ticker);
    expect(await text(page, '#last-close')).toBe(lastBar.close.toFixed(2));
    expect(await text(page, '#last-date')).toBe(lastBar.date);
    expect(await text(page, '#as-of')).toBe(result.body.as_of);
    expect(await text(page, '#rsi')).toBe(result.body.values.rsi_14!.toFixed(2));
    expect(await text(page, '#macd')).toBe(result.body.values.macd!.toFixed(3));
    expect(await text(page, 'tr[data-metric="rsi_14"] .percentile')).toBe(
      percentiles.body.values.rsi_14!.percentile.toFixed(1),
    );
    // Lineage: the result and the raw snapshot it came from, and a link that serves exactly that snapshot.
    expect(await text(page, '#result-key')).toBe(result.key);
    expect(await text(page, '#result-version-id')).toBe(result.version_id);
    expect(await text(page, '#raw-key')).toBe(raw.key);
    expect(await text(page, '#raw-version-id')).toBe(raw.version_id);
    expect(await text(page, '#raw-sha256')).toBe(raw.metadata.content_sha256);
    expect(await text(page, '#lineage-computation-version')).toBe(result.body.computation_version);
    const rawLink = await page.getAttribute('#raw-key a', 'href');
    expect((await api<LakeObject>(rawLink!)).version_id).toBe(raw.version_id);
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'marketlake-page-'));
    await makePageLake(home, { tickers: TICKERS, instants: DAYS, strictTicker: 'NVDA', reprocessTicker: '^GSPC' });
    server = await startApiServer({
      config: resolveConfig({ home }),
      host: '127.0.0.1',
      port: 0,
      logError: (error) => serverErrors.push(error),
    });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(home, { recursive: true, force: true });
    expect(serverErrors).toEqual([]);
  });

  it('loads the first ticker with no console error and no failed request, and draws the chart', async () => {
    const { page, trouble } = await open();
    const latest = await indicatorsOf(TICKERS[0]!);
    await waitShown(page, latest.key);
    expect(page.url()).toContain('#ticker=NVDA');
    const ink = await chartInk(page);
    // Candles, volume, three panes of lines: far more than a blank canvas or an axis alone.
    expect(ink.canvases).toBeGreaterThan(0);
    expect(ink.drawn).toBeGreaterThan(ink.area * 0.03);
    expect(ink.candles).toBeGreaterThan(2_000);
    // The overlays are the server's per-bar series of this very result (asked by its version id).
    const series = await api<{ computation_version: string; points: unknown[] }>(
      `/v1/indicators/NVDA/series?version=${encodeURIComponent(latest.version_id)}`,
    );
    expect(series.points.length).toBeGreaterThan(200);
    expect(await text(page, '#history-note')).toBe(
      `Overlays, RSI and MACD at each of the ${series.points.length} bars, computed by the server from this ` +
        `result's raw snapshot with its computation version ${series.computation_version} (the last point is the ` +
        'stored result).',
    );
    expect(await page.locator('#tickers a').allTextContents()).toEqual(TICKERS);
    expect(trouble).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows a linked ticker without waiting for the list of tickers, and marks it in the list once it comes', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const trouble = pageTrouble(page);
    // The list (the slowest read on a large lake) is held back until the view is shown.
    let releaseList!: () => void;
    const listHeld = new Promise<void>((resolve) => (releaseList = resolve));
    await page.route('**/v1/tickers', async (route) => {
      await listHeld;
      await route.continue();
    });
    await page.goto(`${server.url}/#ticker=${encodeURIComponent('^GSPC')}`);
    const gspc = await indicatorsOf('^GSPC');
    await waitShown(page, gspc.key);
    expect(await page.locator('#tickers a').count()).toBe(0);
    releaseList();
    await page.waitForSelector('#tickers a[aria-current="true"]');
    expect(await page.locator('#tickers a[aria-current="true"]').allTextContents()).toEqual(['^GSPC']);
    expect(await page.locator('#tickers a').allTextContents()).toEqual(TICKERS);
    expect(trouble).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows the API's numbers for a ticker, then another ticker's when it is picked or searched", async () => {
    const { page, trouble } = await open('#ticker=NVDA');
    const nvda = await indicatorsOf('NVDA');
    await waitShown(page, nvda.key);
    await expectShows(page, nvda);

    const gspc = await indicatorsOf('^GSPC');
    await page.click('#tickers a[data-ticker="^GSPC"]');
    await waitShown(page, gspc.key);
    await expectShows(page, gspc);
    expect(await text(page, '#rsi')).not.toBe(nvda.body.values.rsi_14!.toFixed(2));

    // Search filters the list; Enter shows the one ticker left, or what was typed when none is.
    await page.fill('#search', 'nv');
    expect(await page.locator('#tickers li:visible').allTextContents()).toEqual(['NVDA']);
    await page.press('#search', 'Enter');
    await waitShown(page, nvda.key);
    await expectShows(page, nvda);
    await page.fill('#search', 'gspc');
    await page.press('#search', 'Enter');
    await waitShown(page, gspc.key);
    await page.fill('#search', 'zzz');
    expect(await page.locator('#tickers li:visible').count()).toBe(0);
    await page.press('#search', 'Enter');
    await waitShown(page, undefined, 'error');
    expect(await text(page, '#message')).toMatch(/^Nothing found for ticker ZZZ: /);
    expect(trouble.filter((line) => line.startsWith('HTTP'))).toEqual([
      `HTTP 404: ${server.url}/v1/indicators/ZZZ/latest`,
    ]);
    trouble.splice(0); // that refusal (and Chromium's console line about it) was the point
    expect(trouble).toEqual([]);
    await page.close();
  }, 60_000);

  it('switches to an older version and between dates, each showing its own numbers and raw snapshot', async () => {
    const { page, trouble } = await open('#ticker=NVDA');
    const versions = await api<Version[]>('/v1/indicators/NVDA/versions');
    expect(versions).toHaveLength(2);
    const [newest, oldest] = versions as [Version, Version];
    await waitShown(page, newest.key);
    expect(await page.locator('#versions tbody tr').count()).toBe(2);

    await page.click(`#versions a:text-is("${oldest.version_id}")`);
    await waitShown(page, oldest.key);
    const old = await indicatorsOf('NVDA', `versions/${encodeURIComponent(oldest.version_id)}`);
    await expectShows(page, old);
    expect(await text(page, '#as-of')).toBe(oldest.date);
    expect(await page.getAttribute('#versions tr[aria-current="true"] a', 'href')).toContain(oldest.version_id);
    expect(await page.inputValue('#date')).toBe(oldest.date);

    await page.selectOption('#date', newest.date);
    await waitShown(page, newest.key);
    await expectShows(page, await indicatorsOf('NVDA', `dates/${newest.date}`));
    await page.selectOption('#date', oldest.date);
    await waitShown(page, oldest.key);
    await page.selectOption('#date', '');
    await waitShown(page, newest.key);
    expect(page.url()).toMatch(/#ticker=NVDA$/);
    expect(trouble).toEqual([]);
    await page.close();
  }, 60_000);

  it("says clearly that an unknown ticker has nothing, with the API's problem detail", async () => {
    const { page, trouble } = await open('#ticker=NOPE');
    await waitShown(page, undefined, 'error');
    const problem = await httpRequest(server.url, '/v1/indicators/NOPE/latest');
    expect(problem.status).toBe(404);
    const detail = (problem.json() as { detail: string }).detail;
    expect(await page.isVisible('#message')).toBe(true);
    expect(await page.isHidden('#view')).toBe(true);
    expect(await text(page, '#message')).toBe(`Nothing found for ticker NOPE: ${detail}.`);
    // The one refused request is the read of the unknown ticker (Chromium logs it as a console error too).
    expect(trouble.filter((line) => !line.includes('404'))).toEqual([]);
    expect(trouble.filter((line) => line.startsWith('HTTP'))).toEqual([
      `HTTP 404: ${server.url}/v1/indicators/NOPE/latest`,
    ]);

    // A known ticker picked next is shown, the message gone.
    const nvda = await indicatorsOf('NVDA');
    await page.click('#tickers a[data-ticker="NVDA"]');
    await waitShown(page, nvda.key);
    expect(await page.isHidden('#message')).toBe(true);
    await page.close();
  }, 60_000);

  it("shows the ticker's quality verdicts, its diff between computation versions and the runs, as the API does", async () => {
    const { page, trouble } = await open('#ticker=NVDA');
    await waitShown(page, (await indicatorsOf('NVDA')).key);

    // Quality: the latest run's verdicts, the failed one first; then each run's passed and failed checks.
    await waitPanel(page, 'quality-panel', 'ready');
    const { verdicts } = await api<{ verdicts: Verdict[] }>('/v1/quality/NVDA/history');
    const latestAt = verdicts.map((verdict) => verdict.checked_at).sort()[verdicts.length - 1];
    const latest = verdicts.filter((verdict) => verdict.checked_at === latestAt);
    const failed = latest.filter((verdict) => !verdict.passed);
    expect(failed.map((verdict) => verdict.check_id)).toEqual(['plausibility.flat_close']);
    const verdictCells = (verdict: Verdict) => [
      verdict.check_id,
      verdict.severity,
      verdict.passed ? 'passed' : 'failed',
      verdict.observed,
      verdict.expected,
      verdict.details,
    ];
    expect(await tableCells(page, '#quality-latest')).toEqual(
      [...failed, ...latest.filter((verdict) => verdict.passed)].map(verdictCells),
    );
    const runIds = [...new Set(verdicts.map((verdict) => verdict.run_id))].reverse();
    expect(runIds).toHaveLength(2);
    expect(await tableCells(page, '#quality-history')).toEqual(
      runIds.map((runId) => {
        const ofRun = verdicts.filter((verdict) => verdict.run_id === runId);
        const failedOfRun = ofRun.filter((verdict) => !verdict.passed);
        return [
          ofRun[0]!.run_date,
          runId,
          String(ofRun.length - failedOfRun.length),
          String(failedOfRun.length),
          failedOfRun.length === 0
            ? 'all passed'
            : failedOfRun.map((verdict) => `${verdict.check_id} (${verdict.severity})`).join(' '),
        ];
      }),
    );

    // Diff: NVDA was computed under one version only; ^GSPC under two.
    await waitPanel(page, 'diff-panel', 'empty');
    expect(await text(page, '#diff-panel > .panel-note')).toBe(
      'No other computation version: every indicators result of NVDA was computed under 1.0.',
    );
    expect(await page.isHidden('#diff-form')).toBe(true);
    await page.click('#tickers a[data-ticker="^GSPC"]');
    await waitShown(page, (await indicatorsOf('^GSPC')).key);
    await waitPanel(page, 'diff-panel', 'ready');
    // Offered: the versions in the order the versions list gives them (newest first), the newest computed as `to`.
    // The reprocess stamps the real time, so which is newest is derived, not assumed.
    const computed = await api<{ computation_version: string }[]>('/v1/indicators/%5EGSPC/versions');
    const [to, from] = [...new Set(computed.map((version) => version.computation_version))];
    expect([from, to].sort()).toEqual(['1.0', '2.0']);
    expect([await page.inputValue('#diff-from'), await page.inputValue('#diff-to')]).toEqual([from, to]);
    const report = await api<{ fields: DiffField[] }>(`/v1/diff?from=${from}&to=${to}&tickers=%5EGSPC`);
    const fieldCells = (field: DiffField) => [
      field.field,
      String(field.compared),
      String(field.changed),
      shownExponent(field.max_abs_diff),
      shownExponent(field.max_rel_diff),
      field.worst[0]?.as_of ?? '–',
      shownNumber(field.worst[0]?.from, 4),
      shownNumber(field.worst[0]?.to, 4),
    ];
    const changed = report.fields.filter((field) => field.changed > 0);
    expect(changed.length).toBeGreaterThan(0);
    expect(await tableCells(page, '#diff-fields')).toEqual(changed.map(fieldCells));
    await page.check('#diff-unchanged');
    expect(await tableCells(page, '#diff-fields')).toEqual(report.fields.map(fieldCells));

    // Runs: newest first, with their summaries' counts and durations; a run's id opens its record.
    await waitPanel(page, 'runs-panel', 'ready');
    const { runs } = await api<{ runs: Run[] }>('/v1/runs?limit=20');
    expect(runs.map((run) => run.kind).sort()).toEqual(['reprocess', 'run', 'run']);
    expect(await tableCells(page, '#runs')).toEqual(
      runs.map((run) => [
        run.status,
        run.kind,
        run.started_at,
        run.finished_at ?? 'running',
        run.computation_version,
        String(run.tickers.length),
        run.summary?.tickers_ok === undefined ? '–' : String(run.summary.tickers_ok.length),
        String((run.summary?.tickers_failed ?? run.summary?.failed)!.length),
        `${(run.summary!.duration_ms! / 1000).toFixed(1)} s`,
        run.run_id,
      ]),
    );
    const oldest = runs[runs.length - 1]!;
    await page.click(`#runs button:text-is("${oldest.run_id}")`);
    await waitPanel(page, 'run-detail-panel', 'ready');
    const record = await api<Run>(`/v1/runs/${oldest.run_id}`);
    expect(await text(page, '#run-detail-id')).toBe(record.run_id);
    expect(await text(page, '#run-detail-status')).toBe(record.status);
    expect(await text(page, '#run-detail-tickers')).toBe(record.tickers.join(', '));
    expect(trouble).toEqual([]);
    await page.close();
  }, 120_000);

  /** The embedded home's lock, as a daily run holds it (the server's own reads may hold it a moment first). */
  const holdHome = async () => {
    const { openRuntime } = await import('../../src/runtime.js');
    for (let attempt = 0; ; attempt++) {
      try {
        return await openRuntime(resolveConfig({ home }));
      } catch (error) {
        if (!(error instanceof DataDirectoryInUseError) || attempt >= 150) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };

  it('says "the daily run is writing" in the panels that need the database while a run holds it', async () => {
    const held = await holdHome();
    let holding = true;
    try {
      const { page, trouble } = await open('#ticker=%5EGSPC');
      await waitShown(page, (await indicatorsOf('^GSPC')).key);
      for (const id of ['runs-panel', 'diff-panel']) {
        await waitPanel(page, id, 'busy');
        expect(await text(page, `#${id} > .panel-note`)).toBe(
          'The daily run is writing; try again shortly (the server suggests 30 s). Try again',
        );
        expect(await page.isHidden(`#${id} > .panel-body`)).toBe(true);
      }
      // What the lake answers stands: the view, and the quality verdicts (read from the lake's objects).
      await waitPanel(page, 'quality-panel', 'ready');
      expect(await page.isVisible('#chart')).toBe(true);
      const refused = trouble.filter((line) => line.startsWith('HTTP')).sort();
      expect(refused).toHaveLength(2);
      expect(refused[0]).toMatch(
        new RegExp(`^HTTP 503: ${server.url}/v1/diff\\?from=\\d\\.0&to=\\d\\.0&tickers=%5EGSPC$`),
      );
      expect(refused[1]).toBe(`HTTP 503: ${server.url}/v1/runs?limit=20`);
      expect(trouble.filter((line) => !line.includes('503'))).toEqual([]);
      // A busy database is expected while a run writes: answered 503, not logged as the server's failure.
      expect(serverErrors).toEqual([]);

      await held.close();
      holding = false;
      await page.click('#runs-panel > .panel-note button.retry');
      await waitPanel(page, 'runs-panel', 'ready');
      await page.click('#diff-panel > .panel-note button.retry');
      await waitPanel(page, 'diff-panel', 'ready');
      await page.close();
    } finally {
      if (holding) await held.close();
    }
  }, 120_000);

  it('serves the API page: Swagger UI lists every operation of /openapi.json, with no console error', async () => {
    const { page, trouble } = await open('api');
    await waitShown(page, undefined, 'ready');
    const document = await api<{ paths: Record<string, Record<string, unknown>> }>('/openapi.json');
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const blocks = page.locator('.opblock-summary');
    const shown: string[] = [];
    for (let i = 0; i < (await blocks.count()); i++) {
      const block = blocks.nth(i);
      const method = (await block.locator('.opblock-summary-method').textContent())!;
      shown.push(`${method} ${await block.locator('.opblock-summary-path').getAttribute('data-path')}`);
    }
    expect(shown.sort()).toEqual(operations.sort());
    expect(operations).toContain('GET /v1/diff');
    // Without tokens there is nothing to authorize.
    expect(await page.locator('.auth-wrapper .authorize').count()).toBe(0);
    expect(trouble).toEqual([]);
    await page.close();
  }, 60_000);

  it('on a server with tokens: asks for one (401), works once it is given, and the API page sends it', async () => {
    const token = 'page-browser-token-0123456789abcdef';
    const guarded = await startApiServer({
      config: resolveConfig({ home }),
      host: '127.0.0.1',
      port: 0,
      guards: { tokens: [token], log: () => undefined },
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const trouble = pageTrouble(page);
    try {
      await page.goto(`${guarded.url}/`);
      await waitShown(page, undefined, 'unauthorized');
      expect(await page.isVisible('#token-form')).toBe(true);
      expect(await text(page, '#message')).toMatch(/^This server needs an API token: This API needs a token/);

      await page.fill('#token', 'not-the-token-0123456789abcdef');
      await page.press('#token', 'Enter');
      await page.waitForSelector('#message:has-text("The token given is refused")');

      await page.fill('#token', token);
      await page.press('#token', 'Enter');
      await waitShown(page, (await indicatorsOf('NVDA')).key);
      await waitPanel(page, 'quality-panel', 'ready');
      await waitPanel(page, 'runs-panel', 'ready');
      expect(await page.evaluate('sessionStorage.getItem("marketlake.api-token")')).toBe(token);
      expect(page.url()).not.toContain(token);
      expect(trouble.filter((line) => !line.includes('401'))).toEqual([]);
      expect(trouble.filter((line) => line.startsWith('HTTP')).every((line) => line.includes('/v1/'))).toBe(true);

      // The API page in the same tab takes the token the page was given: a call from it is answered.
      trouble.splice(0);
      await page.goto(`${guarded.url}/api`);
      await waitShown(page, undefined, 'ready');
      expect(await page.locator('.auth-wrapper .authorize').count()).toBe(1);
      await page.click('.opblock-summary-path[data-path="/v1/tickers"]');
      await page.click('.opblock.is-open button.try-out__btn');
      await page.click('.opblock.is-open button.execute');
      await page.waitForSelector('.opblock.is-open .live-responses-table tr.response .response-col_status');
      expect(await text(page, '.opblock.is-open .live-responses-table tr.response .response-col_status')).toBe('200');
      expect(await text(page, '.opblock.is-open .curl-command')).toContain(`Authorization: Bearer ${token}`);
      expect(trouble).toEqual([]);
    } finally {
      await page.close();
      await guarded.close();
    }
  }, 120_000);
}

if (chromiumInstalled()) describe('the web page in Chromium', pageSuite);
else
  describeWithoutService(
    'the web page in Chromium',
    'Chromium',
    `${CHROMIUM_PATH} is missing`,
    ['Install it: apt-get install chromium (playwright-core drives it; no browser is downloaded)'],
    pageSuite,
  );
