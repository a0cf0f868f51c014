/**
 * The diff panel: the shown ticker's results under two computation versions, compared (`GET /v1/diff`, as
 * `marketlake diff --json` prints it). The versions offered are those the ticker's indicators results were
 * computed under (`/v1/indicators/{ticker}/versions`); with one, there is nothing to compare and it says so. The
 * diff needs the database: on an embedded home a daily run may hold it (503), said in the panel.
 */
import { api, enc } from './api.js';
import { $, add, element, exponent, fixed, row } from './dom.js';
import { Panel } from './panel.js';

export class DiffPanel {
  constructor() {
    this.panel = new Panel($('diff-panel'), () => this.compare());
    this.ticker = null;
    for (const id of ['diff-from', 'diff-to']) $(id).addEventListener('change', () => void this.compare());
    $('diff-unchanged').addEventListener('change', () => this.report && this.fill(this.report));
  }

  /**
   * The ticker and its indicators versions (newest first): the computation versions in the order they appear, so
   * the newest computed is offered as `to` and the one before it as `from`. A new view of the same ticker (another
   * date or version) keeps what is shown and picked.
   */
  async show(ticker, versions) {
    if (ticker === this.ticker) return;
    this.ticker = ticker;
    this.report = null;
    const computations = [...new Set(versions.map((version) => version.computation_version).filter(Boolean))];
    $('diff-form').hidden = computations.length < 2;
    if (computations.length < 2) {
      const only = computations[0] ?? 'no recorded version';
      this.panel.generation++; // a comparison of the previous ticker still under way is dropped
      this.panel.empty(
        `No other computation version: every indicators result of ${ticker} was computed under ${only}.`,
      );
      return;
    }
    for (const [id, chosen] of [
      ['diff-from', computations[1]],
      ['diff-to', computations[0]],
    ]) {
      $(id).replaceChildren(...computations.map((computation) => element('option', computation)));
      $(id).value = chosen;
    }
    await this.compare();
  }

  /** Compares again for the shown ticker at its next view (after a token was given). */
  forget() {
    this.ticker = null;
  }

  async compare() {
    const [from, to] = [$('diff-from').value, $('diff-to').value];
    if (from === to) {
      this.panel.generation++;
      this.panel.empty(`Pick two different versions (both are ${from}).`);
      return;
    }
    const current = this.panel.loading();
    try {
      const report = await api(`/v1/diff?from=${enc(from)}&to=${enc(to)}&tickers=${enc(this.ticker)}`);
      if (!current()) return;
      this.report = report;
      this.fill(report);
    } catch (error) {
      if (current()) this.panel.failed(error);
    }
  }

  fill(report) {
    const summary = $('diff-pairs');
    summary.replaceChildren();
    for (const [kind, pairs] of Object.entries(report.pairs)) {
      const unpaired = report.unpaired[kind];
      const item = add(summary, element('li', undefined, { 'data-kind': kind }));
      item.append(element('strong', kind), ` ${pairs} pair(s) compared`);
      item.append(`; only under ${report.from}: ${unpaired.from}, only under ${report.to}: ${unpaired.to}`);
    }
    const all = $('diff-unchanged').checked;
    const rows = $('diff-fields').tBodies[0];
    rows.replaceChildren();
    for (const field of report.fields) {
      if (!all && field.changed === 0) continue;
      const worst = field.worst[0];
      rows.append(
        row(
          [
            field.field,
            String(field.compared),
            String(field.changed),
            exponent(field.max_abs_diff),
            exponent(field.max_rel_diff),
            worst?.as_of,
            worst ? fixed(worst.from, 4) : undefined,
            worst ? fixed(worst.to, 4) : undefined,
          ],
          { 'data-field': field.field, 'data-changed': String(field.changed > 0) },
        ),
      );
    }
    if (rows.rows.length === 0) {
      add(rows, element('tr')).append(
        element('td', `No field changed between ${report.from} and ${report.to}.`, { colspan: '8' }),
      );
    }
    this.panel.ready(`${report.from} → ${report.to} for ${report.tickers.join(', ')}; ${report.tolerance}.`);
  }
}
