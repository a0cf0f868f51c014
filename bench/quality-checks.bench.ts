/**
 * What the quality checks cost beside the computation they guard (issue 14: at most 10 % of the daily run):
 * `node --import tsx bench/quality-checks.bench.ts [--tickers 500] [--rounds 7]`.
 *
 * 500 sample tickers over the run's default two years (the sample universe, then made-up symbols spread over the
 * six markets), each with its previous snapshot (fetched a day earlier). Per round, alternating: computeResults of
 * every ticker (computation version 1.0, the default), then every quality check the run will add for it: the
 * snapshot checks against the previous snapshot, the result checks on those results, the peer calendars and the
 * peer checks. The results are computed outside the timed checks (the run has them already). Prints the median CPU
 * time of each and the median ratio of a round; the run itself does more than compute (fetch, write, load), so the
 * ratio is an upper bound of the checks' share of the run.
 */
import { computeResults, type TickerResults } from '../src/compute/results.js';
import type { RawSnapshot } from '../src/lake/formats/raw.js';
import { dateRange } from '../src/pipeline/daily-run.js';
import { checkAgainstPeers, checkResults, checkSnapshot, peerCalendars } from '../src/quality/index.js';
import { marketOfTicker } from '../src/sources/markets.js';
import { SAMPLE_TICKERS } from '../src/sources/sample/sample-universe.js';
import { SampleSource } from '../src/sources/sample/sample.js';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

const COUNT = flag('--tickers', 500);
const ROUNDS = flag('--rounds', 7);
const NOW = new Date('2026-12-01T22:00:00Z');
const DAY_BEFORE = new Date(NOW.getTime() - 86_400_000);
const SUFFIXES = ['', '.SI', '.T', '.HK', '.VN', '.TW'];

const tickers = [...SAMPLE_TICKERS];
for (let i = 0; tickers.length < COUNT; i++) tickers.push(`Q${1000 + i}${SUFFIXES[i % SUFFIXES.length]}`);

const source = new SampleSource();
const evidence: { snapshot: RawSnapshot; previous: RawSnapshot }[] = [];
for (const ticker of tickers.slice(0, COUNT)) {
  evidence.push({
    snapshot: await source.fetchSnapshot(ticker, { ...dateRange(NOW, '2y'), now: NOW }),
    previous: await source.fetchSnapshot(ticker, { ...dateRange(DAY_BEFORE, '2y'), now: DAY_BEFORE }),
  });
}
const results: TickerResults[] = evidence.map(({ snapshot }) => computeResults(snapshot, '1.0'));

function compute(): number {
  let bars = 0;
  for (const { snapshot } of evidence) bars += computeResults(snapshot, '1.0').bars;
  return bars;
}

function checks(): number {
  let verdicts = 0;
  const series = evidence.map(({ snapshot }) => ({
    ticker: snapshot.ticker,
    market: marketOfTicker(snapshot.ticker),
    dates: snapshot.bars.map((bar) => bar.date),
  }));
  const calendars = peerCalendars(series);
  evidence.forEach(({ snapshot, previous }, i) => {
    const { ticker, market, dates } = series[i];
    verdicts += checkSnapshot({ ticker, market, snapshot, previous }).length;
    verdicts += checkResults({ ticker, market, version: '1.0', results: results[i], bars: snapshot.bars }).length;
    const previousDates = previous.bars.map((bar) => bar.date);
    verdicts += checkAgainstPeers({ ticker, market, dates, previousDates }, calendars.get(market)).length;
  });
  return verdicts;
}

/** CPU milliseconds of `run` (user + system): less disturbed than wall time when other processes share the cores. */
function time(run: () => number): number {
  const started = process.cpuUsage();
  run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// One warm-up round of each, so both are measured jitted.
compute();
checks();
const computeMs: number[] = [];
const checksMs: number[] = [];
const ratios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  computeMs.push(time(compute));
  checksMs.push(time(checks));
  ratios.push(checksMs[round] / computeMs[round]);
}
const bars = evidence.reduce((n, { snapshot }) => n + snapshot.bars.length, 0);
console.log(
  `${evidence.length} tickers, ${bars} bars; median CPU time of ${ROUNDS} rounds: computeResults ` +
    `${median(computeMs).toFixed(1)} ms, quality checks ${median(checksMs).toFixed(1)} ms; ` +
    `median ratio of a round ${(median(ratios) * 100).toFixed(1)} %`,
);
