/**
 * The runs panel: the recorded runs and reprocesses, newest first (`GET /v1/runs`), with their status, when they
 * ran, their tickers that went through or failed, and their duration, as their summaries (`run --json`,
 * `reprocess --json`) give them; a run's id opens its record (`GET /v1/runs/{run_id}`). The runs are in the
 * database: on an embedded home a daily run may hold it (503), said in the panel.
 */
import { api, enc } from './api.js';
import { $, add, element, row, seconds } from './dom.js';
import { Panel } from './panel.js';

export const RUNS_SHOWN = 20;

/** The failed tickers of a run's summary: a daily run names them `tickers_failed`, a reprocess `failed`. */
const failedOf = (summary) => summary?.tickers_failed ?? summary?.failed;

export class RunsPanel {
  constructor() {
    this.panel = new Panel($('runs-panel'), () => this.load());
    this.detail = new Panel($('run-detail-panel'), () => this.open(this.opened));
    $('runs-refresh').addEventListener('click', () => void this.load());
  }

  async load() {
    const current = this.panel.loading();
    try {
      const { runs } = await api(`/v1/runs?limit=${RUNS_SHOWN}`);
      if (!current()) return;
      if (runs.length === 0) {
        this.panel.empty('No run recorded yet: `marketlake run` records one.');
        return;
      }
      const rows = $('runs').tBodies[0];
      rows.replaceChildren();
      for (const run of runs) {
        const open = element('button', run.run_id, { type: 'button', class: 'link' });
        open.addEventListener('click', () => void this.open(run.run_id));
        rows.append(
          row(
            [
              element('span', run.status, { class: `status-${run.status}` }),
              run.kind,
              run.started_at,
              run.finished_at ?? 'running',
              run.computation_version,
              String(run.tickers.length),
              run.summary?.tickers_ok === undefined ? '–' : String(run.summary.tickers_ok.length),
              failedOf(run.summary) === undefined ? '–' : String(failedOf(run.summary).length),
              seconds(run.summary?.duration_ms),
              open,
            ],
            { 'data-run': run.run_id },
          ),
        );
      }
      this.panel.ready(`The ${runs.length} newest (at most ${RUNS_SHOWN}); a run's id shows its record.`);
    } catch (error) {
      if (current()) this.panel.failed(error);
    }
  }

  async open(runId) {
    this.opened = runId;
    $('run-detail-panel').hidden = false;
    const current = this.detail.loading();
    try {
      const run = await api(`/v1/runs/${enc(runId)}`);
      if (!current()) return;
      fillDetail(run);
      this.detail.ready();
    } catch (error) {
      if (current()) this.detail.failed(error);
    }
  }
}

function fillDetail(run) {
  const list = $('run-detail');
  list.replaceChildren();
  const entry = (name, content, id) => list.append(element('dt', name), element('dd', content, id ? { id } : {}));
  const summary = run.summary ?? {};
  entry('run id', run.run_id, 'run-detail-id');
  entry('kind', run.kind);
  entry('status', run.status, 'run-detail-status');
  entry('computation version', run.computation_version);
  entry('source', run.source);
  entry('started at', run.started_at);
  entry('finished at', run.finished_at ?? 'still running');
  entry('last heartbeat', run.heartbeat_at ?? '–');
  entry('tickers', run.tickers.join(', '), 'run-detail-tickers');
  entry('objects written', summary.objects_written === undefined ? '–' : String(summary.objects_written));
  const failed = failedOf(run.summary) ?? [];
  const failures = element('dd', failed.length === 0 ? 'none' : undefined, { id: 'run-detail-failed' });
  if (failed.length > 0) {
    const failedList = add(failures, element('ul'));
    for (const { ticker, reason } of failed) failedList.append(element('li', `${ticker}: ${reason}`));
  }
  list.append(element('dt', 'failed tickers'), failures);
  const quality = summary.quality;
  entry(
    'quality',
    quality ? `${quality.errors} error finding(s), ${quality.warnings} warning(s) (policy ${quality.policy})` : '–',
  );
  const lakeErrors = summary.lake_errors ?? [];
  entry('lake errors', lakeErrors.length === 0 ? 'none' : lakeErrors.join('; '));
}
