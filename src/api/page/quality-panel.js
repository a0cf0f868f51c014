/**
 * The quality panel: the data-quality verdicts the runs stored for the shown ticker
 * (`GET /v1/quality/{ticker}/history`, rows of the `quality` table, read from the lake's quality objects, so they
 * answer while a run holds an embedded home): the latest run's verdicts, failed first, and every run's outcome.
 */
import { api, enc } from './api.js';
import { $, add, element, row } from './dom.js';
import { Panel } from './panel.js';

const SEVERITY_RANK = { error: 0, warn: 1 };

export class QualityPanel {
  constructor() {
    this.panel = new Panel($('quality-panel'), () => this.load());
    this.ticker = null;
  }

  async show(ticker) {
    if (ticker === this.ticker) return;
    this.ticker = ticker;
    await this.load();
  }

  /** Loads the shown ticker again (after a token was given). */
  forget() {
    this.ticker = null;
  }

  async load() {
    const current = this.panel.loading();
    try {
      const { verdicts } = await api(`/v1/quality/${enc(this.ticker)}/history`);
      if (!current()) return;
      if (verdicts.length === 0) {
        this.panel.empty(`No quality verdict for ${this.ticker}: no run has checked it yet.`);
        return;
      }
      const runs = byRun(verdicts);
      // The latest run: the one that checked last (runs of one date are ordered by id in the answer, not by time).
      const latest = runs.reduce((a, b) => (b.checkedAt > a.checkedAt ? b : a));
      fillLatest(latest);
      fillHistory(runs);
      this.panel.ready();
    } catch (error) {
      if (current()) this.panel.failed(error);
    }
  }
}

/** The verdicts grouped by the run that gave them, in the answer's order (run date, then run id). */
function byRun(verdicts) {
  const runs = new Map();
  for (const verdict of verdicts) {
    let run = runs.get(verdict.quality_key);
    if (run === undefined) {
      run = { runDate: verdict.run_date, runId: verdict.run_id, checkedAt: verdict.checked_at, verdicts: [] };
      runs.set(verdict.quality_key, run);
    }
    run.verdicts.push(verdict);
  }
  return [...runs.values()];
}

function fillLatest(run) {
  $('quality-latest-run').textContent = `run ${run.runId} of ${run.runDate}, checked at ${run.checkedAt}`;
  // Failed first (errors before warnings), then the passed ones, each group in the answer's (check id) order.
  const ordered = [...run.verdicts].sort(
    (a, b) =>
      Number(a.passed) - Number(b.passed) || (a.passed ? 0 : SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]),
  );
  const rows = $('quality-latest').tBodies[0];
  rows.replaceChildren();
  for (const verdict of ordered) {
    const outcome = element('span', verdict.passed ? 'passed' : 'failed', { class: verdict.passed ? 'ok' : 'bad' });
    rows.append(
      row(
        [
          verdict.check_id,
          element('span', verdict.severity, { class: `severity-${verdict.severity}` }),
          outcome,
          verdict.observed,
          verdict.expected,
          verdict.details || '',
        ],
        { 'data-check': verdict.check_id, 'data-passed': String(verdict.passed) },
      ),
    );
  }
}

function fillHistory(runs) {
  const rows = $('quality-history').tBodies[0];
  rows.replaceChildren();
  // Newest run date first, as the other tables.
  for (const run of [...runs].reverse()) {
    const failed = run.verdicts.filter((verdict) => !verdict.passed);
    const failedList = element('ul', undefined, { class: 'inline' });
    for (const verdict of failed) {
      add(
        failedList,
        element('li', `${verdict.check_id} (${verdict.severity})`, { class: `severity-${verdict.severity}` }),
      );
    }
    rows.append(
      row(
        [
          run.runDate,
          element('code', run.runId),
          String(run.verdicts.length - failed.length),
          String(failed.length),
          failed.length === 0 ? 'all passed' : failedList,
        ],
        { 'data-run': run.runId },
      ),
    );
  }
}
