/**
 * A small Prometheus registry: counters, gauges and histograms, rendered in the text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). Small on purpose: the API needs a handful of
 * metrics, and a full client library (prom-client) would be a dependency for the same few lines of output.
 *
 * Gauges of the application's state (runs, outbox depth, lake errors) are read at scrape time through a
 * `collect` callback, so they are as fresh as the scrape and cost nothing between scrapes.
 */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels?: Labels;
  value: number;
}

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Prometheus's default buckets (seconds): from 5 ms to 10 s, fitting request latencies. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface MetricOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

/** A number as the format writes it: Go's float syntax, whose infinities and NaN are `+Inf`, `-Inf`, `NaN`. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `{a="1",b="2"}` in the order given, or nothing without labels. */
function labelText(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return '';
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

abstract class Metric {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: 'counter' | 'gauge' | 'histogram';

  constructor(options: MetricOptions) {
    if (!METRIC_NAME.test(options.name)) throw new Error(`metric name ${JSON.stringify(options.name)} is not valid`);
    const labelNames = options.labelNames ?? [];
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) {
        throw new Error(`label name ${JSON.stringify(label)} of ${options.name} is not valid`);
      }
    }
    if (new Set(labelNames).size !== labelNames.length) throw new Error(`${options.name} names a label twice`);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = labelNames;
  }

  /** The label pairs of a sample in declared order; exactly the declared labels, so no series is misspelt. */
  protected pairs(labels: Labels = {}): [string, string][] {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || !given.every((name) => this.labelNames.includes(name))) {
      throw new Error(`${this.name} takes the labels [${this.labelNames.join(', ')}], got [${given.join(', ')}]`);
    }
    return this.labelNames.map((name) => [name, labels[name]]);
  }

  protected header(): string {
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`;
  }

  abstract render(): Promise<string>;
}

/** Series kept in the order they were first seen, keyed by their label values. */
class Series<T> {
  private readonly entries = new Map<string, { pairs: [string, string][]; value: T }>();

  get(pairs: [string, string][], initial: () => T): T {
    const key = JSON.stringify(pairs.map(([, value]) => value));
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { pairs, value: initial() };
      this.entries.set(key, entry);
    }
    return entry.value;
  }

  set(pairs: [string, string][], value: T): void {
    this.entries.set(JSON.stringify(pairs.map(([, item]) => item)), { pairs, value });
  }

  all() {
    return [...this.entries.values()];
  }
}

export class Counter extends Metric {
  readonly type = 'counter';
  private readonly series = new Series<{ value: number }>();

  constructor(options: MetricOptions) {
    super(options);
    // A counter without labels exists from the start, at 0, as Prometheus's clients do: a rate needs the zero.
    if (this.labelNames.length === 0) this.series.get([], () => ({ value: 0 }));
  }

  inc(labels?: Labels, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name} can only grow, got an increment of ${by}`);
    this.series.get(this.pairs(labels), () => ({ value: 0 })).value += by;
  }

  async render(): Promise<string> {
    const lines = this.series
      .all()
      .map(({ pairs, value }) => `${this.name}${labelText(pairs)} ${formatValue(value.value)}\n`);
    return this.header() + lines.join('');
  }
}

export interface GaugeOptions extends MetricOptions {
  /**
   * Reads the gauge's samples at scrape time (the application's state: runs by status, the outbox's depth). When
   * given, the samples it returns are the gauge's whole content; `set` is for gauges without it.
   */
  collect?: () => readonly Sample[] | Promise<readonly Sample[]>;
}

export class Gauge extends Metric {
  readonly type = 'gauge';
  private readonly series = new Series<number>();
  private readonly collect: GaugeOptions['collect'];

  constructor(options: GaugeOptions) {
    super(options);
    this.collect = options.collect;
  }

  set(labels: Labels | undefined, value: number): void {
    this.series.set(this.pairs(labels), value);
  }

  async render(): Promise<string> {
    const samples =
      this.collect === undefined
        ? this.series.all().map(({ pairs, value }) => ({ pairs, value }))
        : (await this.collect()).map((sample) => ({ pairs: this.pairs(sample.labels), value: sample.value }));
    return (
      this.header() +
      samples.map(({ pairs, value }) => `${this.name}${labelText(pairs)} ${formatValue(value)}\n`).join('')
    );
  }
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, ascending; `+Inf` is added. */
  buckets?: readonly number[];
}

interface HistogramState {
  /** Observations per bucket, not yet cumulative (summed when rendered). */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric {
  readonly type = 'histogram';
  readonly buckets: readonly number[];
  private readonly series = new Series<HistogramState>();

  constructor(options: HistogramOptions) {
    super(options);
    if (this.labelNames.includes('le')) throw new Error(`${options.name}: a histogram cannot have a label named le`);
    const buckets = [...(options.buckets ?? DEFAULT_BUCKETS)];
    if (
      buckets.length === 0 ||
      buckets.some((bound, i) => !Number.isFinite(bound) || (i > 0 && bound <= buckets[i - 1]))
    ) {
      throw new Error(`${options.name}: buckets must be finite and strictly ascending, got [${buckets.join(', ')}]`);
    }
    this.buckets = buckets;
  }

  observe(labels: Labels | undefined, value: number): void {
    const state = this.series.get(this.pairs(labels), () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    // The first bucket whose upper bound holds the value (`le` is inclusive); past the last, only +Inf counts it.
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) state.counts[index] += 1;
    state.sum += value;
    state.count += 1;
  }

  async render(): Promise<string> {
    const lines: string[] = [];
    for (const { pairs, value } of this.series.all()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += value.counts[i];
        lines.push(`${this.name}_bucket${labelText([...pairs, ['le', formatValue(bound)]])} ${cumulative}\n`);
      });
      lines.push(`${this.name}_bucket${labelText([...pairs, ['le', '+Inf']])} ${value.count}\n`);
      lines.push(`${this.name}_sum${labelText(pairs)} ${formatValue(value.sum)}\n`);
      lines.push(`${this.name}_count${labelText(pairs)} ${value.count}\n`);
    }
    return this.header() + lines.join('');
  }
}

export interface RegistryOptions {
  /**
   * Called when a gauge's `collect` fails. Given, the scrape goes on without that gauge (the request metrics
   * are most wanted exactly when the database or the lake fails) and `marketlake_metrics_collect_errors_total`
   * counts the failure. Not given, the scrape fails with the error.
   */
  onCollectError?: (metric: string, error: unknown) => void;
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();
  private readonly collectErrors: Counter | undefined;

  constructor(private readonly options: RegistryOptions = {}) {
    if (options.onCollectError !== undefined) {
      this.collectErrors = this.counter({
        name: 'marketlake_metrics_collect_errors_total',
        help: 'Scrapes in which reading a gauge failed (the gauge was left out of that scrape).',
        labelNames: ['metric'],
      });
    }
  }

  counter(options: MetricOptions): Counter {
    return this.add(new Counter(options));
  }

  gauge(options: GaugeOptions): Gauge {
    return this.add(new Gauge(options));
  }

  histogram(options: HistogramOptions): Histogram {
    return this.add(new Histogram(options));
  }

  private add<M extends Metric>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  /** Every metric in the text format, in the order registered; gauges are collected concurrently. */
  async render(): Promise<string> {
    const metrics = [...this.metrics.values()];
    const rendered = await Promise.allSettled(metrics.map((metric) => metric.render()));
    const onCollectError = this.options.onCollectError;
    const texts = rendered.map((outcome, i) => {
      if (outcome.status === 'fulfilled') return outcome.value;
      if (onCollectError === undefined) throw outcome.reason;
      onCollectError(metrics[i].name, outcome.reason);
      this.collectErrors?.inc({ metric: metrics[i].name });
      return '';
    });
    // The error counter was rendered before this scrape's failures were counted: rendered again, so a scrape's
    // count includes its own failures.
    if (this.collectErrors !== undefined)
      texts[metrics.indexOf(this.collectErrors)] = await this.collectErrors.render();
    return texts.join('');
  }
}
