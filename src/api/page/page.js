/**
 * The web page of `marketlake serve` (docs/design.md "The web page"): a browser-side ES module, no build step, no
 * framework. Everything shown comes from the HTTP API of the same server; nothing is computed here.
 *
 * What is shown is one indicators result of a ticker (the latest, the latest of a date, or one version), named by
 * the URL's fragment (`#ticker=NVDA[&date=2026-12-01][&version=ID]`) so that a view can be linked and the back
 * button works. Everything else follows the result's lineage: the chart draws the bars of the raw snapshot it was
 * computed from, the percentiles and features are those of the same date. The quality, diff and runs panels
 * (quality-panel.js, diff-panel.js, runs-panel.js) read the API on their own once the view is shown, each saying its
 * own state, so that a refused read (a daily run holding the database) never breaks the view. A server with tokens
 * answers 401 until the user gives one (the token field; api.js keeps it for the tab).
 */
import { CandlestickSeries, createChart, HistogramSeries, LineSeries, LineStyle } from '/assets/lightweight-charts.mjs';
import { api, ApiError, enc, onUnauthorized, optional, storedToken, storeToken } from '/assets/api.js';
import { $, add, element, fixed, percent } from '/assets/dom.js';
import { DiffPanel } from '/assets/diff-panel.js';
import { QualityPanel } from '/assets/quality-panel.js';
import { RunsPanel } from '/assets/runs-panel.js';

/**
 * The overlays, RSI and MACD: the shown result's indicators at every bar of its raw snapshot, computed by the
 * server with the result's own computation version (`GET /v1/indicators/{ticker}/series?version=`: asked by
 * version id, the answer never changes, and its last point is the stored result's values).
 */
function seriesPath(result) {
  return `/v1/indicators/${enc(result.body.ticker)}/series?version=${enc(result.version_id)}`;
}

/** The series, or why there is none (a result this server cannot compute): the candles are drawn all the same. */
async function seriesOf(result) {
  try {
    return await api(seriesPath(result));
  } catch (error) {
    if (error instanceof ApiError && !error.unauthorized) return { points: [], missing: error.message };
    throw error;
  }
}

const FRACTION_FEATURES = /^(return_|volatility_|max_drawdown)/;

function objectLink(key, versionId, text = key) {
  return element('a', text, { href: `/v1/objects?key=${enc(key)}&version_id=${enc(versionId)}` });
}

// ---- the view ----

function viewOf(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return { ticker: params.get('ticker') ?? '', date: params.get('date'), version: params.get('version') };
}

function hashOf(view) {
  const params = new URLSearchParams({ ticker: view.ticker });
  if (view.version) params.set('version', view.version);
  else if (view.date) params.set('date', view.date);
  return `#${params}`;
}

function resultPath(view) {
  const base = `/v1/indicators/${enc(view.ticker)}`;
  if (view.version) return `${base}/versions/${enc(view.version)}`;
  if (view.date) return `${base}/dates/${view.date}`;
  return `${base}/latest`;
}

/** Everything one view shows, read from the API. */
async function load(view) {
  const result = await api(resultPath(view));
  const body = result.body;
  const ofDate = (kind) =>
    view.version || view.date
      ? `/v1/${kind}/${enc(body.ticker)}/dates/${body.as_of}`
      : `/v1/${kind}/${enc(body.ticker)}/latest`;
  const [raw, percentiles, features, versions, lineage, series] = await Promise.all([
    api(`/v1/objects?key=${enc(body.source_raw_data_key)}&version_id=${enc(body.source_raw_data_version_id)}`),
    optional(ofDate('percentiles')),
    optional(ofDate('features')),
    api(`/v1/indicators/${enc(body.ticker)}/versions`),
    api(`/v1/lineage?key=${enc(body.source_raw_data_key)}`),
    seriesOf(result),
  ]);
  return { result, raw, percentiles, features, versions, lineage, series };
}

let chart;

function drawChart(bars, series) {
  chart?.remove();
  chart = createChart($('chart'), {
    autoSize: true,
    layout: { background: { color: '#ffffff' }, textColor: '#1d2433' },
    grid: { vertLines: { color: '#f0f2f5' }, horzLines: { color: '#f0f2f5' } },
    timeScale: { borderColor: '#dfe3ea' },
  });
  const candles = chart.addSeries(CandlestickSeries, {
    upColor: '#26a69a',
    downColor: '#ef5350',
    wickUpColor: '#26a69a',
    wickDownColor: '#ef5350',
    borderVisible: false,
  });
  candles.setData(bars.map(({ date, open, high, low, close }) => ({ time: date, open, high, low, close })));
  const volume = chart.addSeries(HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' } });
  volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  volume.setData(
    bars.map((bar) => ({
      time: bar.date,
      value: bar.volume ?? 0,
      color: bar.close >= bar.open ? 'rgba(38,166,154,0.4)' : 'rgba(239,83,80,0.4)',
    })),
  );

  const points = series.points;
  const line = (field, color, pane = 0, style = LineStyle.Solid) => {
    const drawn = chart.addSeries(
      LineSeries,
      { color, lineWidth: 2, lineStyle: style, priceLineVisible: false, lastValueVisible: false, title: field },
      pane,
    );
    // Before an indicator's warm-up its value is null: no point there.
    drawn.setData(points.filter((p) => typeof p[field] === 'number').map((p) => ({ time: p.date, value: p[field] })));
    return drawn;
  };
  line('sma_20', '#f59e0b');
  line('sma_50', '#8b5cf6');
  line('sma_200', '#0ea5e9');
  for (const field of ['bb_upper', 'bb_middle', 'bb_lower']) line(field, '#94a3b8', 0, LineStyle.Dashed);
  const rsi = line('rsi_14', '#7c3aed', 1);
  rsi.applyOptions({ autoscaleInfoProvider: () => ({ priceRange: { minValue: 0, maxValue: 100 } }) });
  for (const level of [70, 30]) rsi.createPriceLine({ price: level, color: '#cbd5e1', lineStyle: LineStyle.Dotted });
  const histogram = chart.addSeries(HistogramSeries, { color: '#94a3b8', title: 'macd_histogram' }, 2);
  histogram.setData(
    points.filter((p) => typeof p.macd_histogram === 'number').map((p) => ({ time: p.date, value: p.macd_histogram })),
  );
  line('macd', '#2962ff', 2);
  line('macd_signal', '#f97316', 2);
  const [pricePane, rsiPane, macdPane] = chart.panes();
  pricePane.setStretchFactor(3);
  rsiPane?.setStretchFactor(1);
  macdPane?.setStretchFactor(1);
  chart.timeScale().fitContent();
  $('history-note').textContent =
    series.missing !== undefined
      ? `No overlays, RSI or MACD: ${series.missing}.`
      : `Overlays, RSI and MACD at each of the ${points.length} bars, computed by the server from this result's ` +
        `raw snapshot with its computation version ${series.computation_version} (the last point is the stored result).`;
}

function fillSummary({ result, raw }) {
  const body = result.body;
  const bars = raw.body.bars;
  const last = bars[bars.length - 1];
  $('title').textContent = body.ticker;
  $('last-close').textContent = fixed(last?.close);
  $('last-date').textContent = last?.date ?? '–';
  $('as-of').textContent = body.as_of;
  $('rsi').textContent = fixed(body.values.rsi_14);
  $('macd').textContent = fixed(body.values.macd, 3);
  $('computation-version').textContent = body.computation_version;
  $('legend').textContent =
    `${body.ticker} · ${bars.length} daily bars of ${raw.key} · SMA 20/50/200, Bollinger (20, 2) · RSI 14 · MACD`;
}

function fillPercentiles(percentiles) {
  const rows = $('percentiles').tBodies[0];
  rows.replaceChildren();
  if (percentiles === null) {
    add(rows, element('tr')).append(element('td', 'no percentiles result for this date', { colspan: '8' }));
    return;
  }
  for (const [metric, value] of Object.entries(percentiles.body.values)) {
    // `current_price_percentile` is the percentile alone; every other metric is a block of statistics.
    const stats = typeof value === 'number' ? { percentile: value } : value;
    const row = element('tr', undefined, { 'data-metric': metric });
    const bar = element('div', undefined, { class: 'bar', title: `${fixed(stats.percentile, 1)}th percentile` });
    add(bar, element('span')).style.width = `${Math.max(0, Math.min(100, stats.percentile ?? 0))}%`;
    const barCell = element('td');
    barCell.append(bar);
    row.append(element('td', metric), element('td', fixed(stats.current_value)));
    row.append(element('td', fixed(stats.percentile, 1), { class: 'percentile' }), barCell);
    row.append(element('td', fixed(stats.mean)), element('td', fixed(stats.min)), element('td', fixed(stats.max)));
    row.append(element('td', String(stats.count ?? '–')));
    rows.append(row);
  }
}

function fillFeatures(features) {
  const list = $('features');
  list.replaceChildren();
  if (features === null) {
    list.append(element('dd', 'no features result for this date'));
    return;
  }
  for (const [name, value] of Object.entries(features.body.values)) {
    const shown = FRACTION_FEATURES.test(name) ? percent(value) : typeof value === 'number' ? String(value) : '–';
    list.append(element('dt', name), element('dd', shown, { 'data-feature': name }));
  }
}

function fillLineage({ result, lineage }) {
  const body = result.body;
  const list = $('lineage');
  list.replaceChildren();
  const entry = (name, content, id) => {
    const value = element('dd', undefined, id ? { id } : {});
    value.append(content);
    list.append(element('dt', name), value);
  };
  entry('result', objectLink(result.key, result.version_id), 'result-key');
  entry('result version id', result.version_id, 'result-version-id');
  entry('computation version', body.computation_version, 'lineage-computation-version');
  entry('computed at', body.computed_at);
  entry('raw snapshot', objectLink(body.source_raw_data_key, body.source_raw_data_version_id), 'raw-key');
  entry('raw version id', body.source_raw_data_version_id, 'raw-version-id');
  entry('raw sha256', body.source_raw_data_sha256, 'raw-sha256');
  const others = element('ul');
  for (const derived of lineage.derived) {
    add(others, element('li')).append(objectLink(derived.key, derived.version_id));
  }
  entry('results of this snapshot', others);
}

function fillVersions({ result, versions }, view) {
  const ticker = result.body.ticker;
  const rows = $('versions').tBodies[0];
  rows.replaceChildren();
  for (const version of versions) {
    const row = element('tr', undefined, { 'aria-current': String(version.version_id === result.version_id) });
    const link = element('a', version.version_id, { href: hashOf({ ticker, version: version.version_id }) });
    const idCell = element('td');
    idCell.append(link);
    row.append(element('td', version.date), element('td', version.computed_at ?? '–'));
    row.append(element('td', version.computation_version ?? '–'), idCell);
    rows.append(row);
  }
  const select = $('date');
  select.replaceChildren(element('option', 'latest', { value: '' }));
  for (const date of [...new Set(versions.map((version) => version.date))]) {
    select.append(element('option', date, { value: date }));
  }
  select.value = view.version ? result.body.as_of : (view.date ?? '');
}

function markTicker(ticker) {
  for (const link of $('tickers').querySelectorAll('a')) {
    link.setAttribute('aria-current', String(link.dataset.ticker === ticker));
  }
}

function showMessage(text) {
  $('message').textContent = text;
  $('message').hidden = false;
  $('view').hidden = true;
}

// ---- the panels that read the API on their own (src/api/page/panel.js): they never break the view ----

const panels = { diff: new DiffPanel(), quality: new QualityPanel(), runs: new RunsPanel() };

// ---- the token: asked for when the server refuses without one ----

function showTokenForm(visible) {
  $('token-form').hidden = !visible;
  $('forget-token').hidden = storedToken() === '';
}

/** A 401 on any read: the view says why, and the token field is shown and focused. */
function askForToken(error) {
  showTokenForm(true);
  $('token').focus();
  const given = storedToken() !== '';
  showMessage(
    `${given ? 'The token given is refused' : 'This server needs an API token'}: ${error.message} ` +
      "Paste a token in the field above; it is kept in this tab's session only, never in the address.",
  );
  document.body.dataset.state = 'unauthorized';
}

/** A later navigation wins: the answers of an earlier one that arrive late are dropped. */
let shown = 0;

async function show(view) {
  const generation = ++shown;
  document.body.dataset.state = 'loading';
  markTicker(view.ticker);
  try {
    const data = await load(view);
    if (generation !== shown) return;
    $('message').hidden = true;
    $('view').hidden = false;
    fillSummary(data);
    drawChart(data.raw.body.bars, data.series);
    fillPercentiles(data.percentiles);
    fillFeatures(data.features);
    fillLineage(data);
    fillVersions(data, view);
    document.body.dataset.shown = data.result.key;
    document.body.dataset.state = 'ready';
    // Each of these says its own state in its panel (section[data-state]); none holds the view up.
    void panels.quality.show(data.result.body.ticker);
    void panels.diff.show(data.result.body.ticker, data.versions);
  } catch (error) {
    if (generation !== shown) return;
    if (error instanceof ApiError && error.unauthorized) return; // askForToken said it
    document.body.dataset.state = 'error';
    if (!(error instanceof ApiError)) {
      showMessage(`The page failed: ${error.message}`);
      throw error;
    }
    const what = view.version ? `version ${view.version} of` : view.date ? `${view.date} for` : 'ticker';
    showMessage(
      error.status === 404
        ? `Nothing found for ${what} ${view.ticker}: ${error.message}.`
        : `The server could not answer (${error.status} ${error.problem.title ?? ''}): ${error.message}.`,
    );
  }
}

/** The ticker list, then the view the address names (or the first ticker): at the start, and once a token is given. */
async function boot() {
  document.body.dataset.state = 'loading';
  // A view named in the address is read at once, before the list of tickers rather than after it: the list is the
  // slowest read of the page (a listing of every ticker's folders), and the chart does not need it.
  const linked = viewOf(location.hash);
  // Without one, the first ticker comes from a listing that stops at it, much sooner than the whole list.
  const showing = linked.ticker ? show(linked) : showFirst();
  // The whole list is read once the view is shown (or failed: its own message says so, and the caller gets its
  // error through `showing`): on a file lake it walks every ticker's folders, which the server would otherwise
  // do while it reads the view.
  await Promise.allSettled([showing]);
  let tickers;
  const list = $('tickers');
  try {
    ({ tickers } = await api('/v1/tickers'));
  } catch (error) {
    if (error instanceof ApiError && error.unauthorized) return showing; // askForToken said it
    // The view may be shown: the list's failure is said in the list's place, not over the view.
    list.replaceChildren(element('li', `The list of tickers could not be read: ${error.message}`));
    if (!(error instanceof ApiError)) throw error;
    return showing;
  }
  list.replaceChildren();
  for (const { ticker } of tickers) {
    add(list, element('li')).append(element('a', ticker, { href: hashOf({ ticker }), 'data-ticker': ticker }));
  }
  void panels.runs.load();
  markTicker(viewOf(location.hash).ticker); // show() marked it before the list was there
  return showing;
}

/** The first ticker's view, from `/v1/tickers?limit=1`; none yet: said so. */
async function showFirst() {
  let first;
  try {
    [first] = (await api('/v1/tickers?limit=1')).tickers;
  } catch (error) {
    if (error instanceof ApiError && error.unauthorized) return; // askForToken said it
    document.body.dataset.state = 'error';
    if (!(error instanceof ApiError)) {
      showMessage(`The page failed: ${error.message}`);
      throw error;
    }
    showMessage(`The server could not answer (${error.status} ${error.problem.title ?? ''}): ${error.message}.`);
    return;
  }
  // The user may have picked a ticker meanwhile: theirs stands.
  if (viewOf(location.hash).ticker) return;
  if (first === undefined) {
    showMessage('The lake holds no ticker yet: run `marketlake run` first.');
    document.body.dataset.state = 'error';
    return;
  }
  history.replaceState(null, '', hashOf({ ticker: first.ticker }));
  return show(viewOf(location.hash));
}

function start() {
  const list = $('tickers');
  $('search').addEventListener('input', () => {
    const wanted = $('search').value.trim().toUpperCase();
    for (const link of list.querySelectorAll('a')) link.parentElement.hidden = !link.dataset.ticker.includes(wanted);
  });
  $('picker').addEventListener('submit', (event) => {
    event.preventDefault();
    // The one ticker the search leaves, else what was typed (an unknown ticker is then said so).
    const wanted = $('search').value.trim().toUpperCase();
    const left = [...list.querySelectorAll('li:not([hidden]) a')].map((link) => link.dataset.ticker);
    if (wanted) location.hash = hashOf({ ticker: left.length === 1 ? left[0] : wanted });
  });
  $('date').addEventListener('change', () => {
    location.hash = hashOf({ ticker: viewOf(location.hash).ticker, date: $('date').value || null });
  });
  window.addEventListener('hashchange', () => void show(viewOf(location.hash)));
  onUnauthorized(askForToken);
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (token === '') return;
    storeToken(token);
    $('token').value = '';
    showTokenForm(true);
    // Everything again, with the token: the panels too, even for the same ticker.
    panels.quality.forget();
    panels.diff.forget();
    void boot();
  });
  $('forget-token').addEventListener('click', () => {
    storeToken('');
    showTokenForm(true);
    panels.quality.forget();
    panels.diff.forget();
    void boot();
  });
  showTokenForm(storedToken() !== '');
  return boot();
}

await start();
