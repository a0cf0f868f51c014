import { describe, expect, it } from 'vitest';
import { Registry } from './prometheus.js';

describe('the Prometheus registry', () => {
  it('renders counters, gauges and histograms in the text exposition format 0.0.4, exactly', async () => {
    const registry = new Registry();
    const requests = registry.counter({
      name: 'app_requests_total',
      help: 'Requests.',
      labelNames: ['route', 'status'],
    });
    registry.counter({ name: 'app_restarts_total', help: 'Restarts.' });
    const depth = registry.gauge({ name: 'app_outbox_depth', help: 'Pending\nwrites \\ in the outbox.' });
    const latency = registry.histogram({
      name: 'app_latency_seconds',
      help: 'Latency.',
      labelNames: ['route'],
      buckets: [0.1, 1, 2.5],
    });
    requests.inc({ route: '/v1/tickers/:ticker', status: '200' });
    requests.inc({ status: '200', route: '/v1/tickers/:ticker' }, 2);
    requests.inc({ route: 'a "quoted"\\ \nroute', status: '404' });
    depth.set(undefined, 3);
    latency.observe({ route: '/x' }, 0.05);
    latency.observe({ route: '/x' }, 0.1);
    latency.observe({ route: '/x' }, 2);
    latency.observe({ route: '/x' }, 7);
    expect(await registry.render()).toBe(
      [
        '# HELP app_requests_total Requests.',
        '# TYPE app_requests_total counter',
        'app_requests_total{route="/v1/tickers/:ticker",status="200"} 3',
        'app_requests_total{route="a \\"quoted\\"\\\\ \\nroute",status="404"} 1',
        '# HELP app_restarts_total Restarts.',
        '# TYPE app_restarts_total counter',
        'app_restarts_total 0',
        '# HELP app_outbox_depth Pending\\nwrites \\\\ in the outbox.',
        '# TYPE app_outbox_depth gauge',
        'app_outbox_depth 3',
        '# HELP app_latency_seconds Latency.',
        '# TYPE app_latency_seconds histogram',
        'app_latency_seconds_bucket{route="/x",le="0.1"} 2',
        'app_latency_seconds_bucket{route="/x",le="1"} 2',
        'app_latency_seconds_bucket{route="/x",le="2.5"} 3',
        'app_latency_seconds_bucket{route="/x",le="+Inf"} 4',
        'app_latency_seconds_sum{route="/x"} 9.15',
        'app_latency_seconds_count{route="/x"} 4',
        '',
      ].join('\n'),
    );
  });

  it('reads a gauge through its callback at each scrape', async () => {
    let runs = [{ labels: { status: 'succeeded' }, value: 4 }];
    const registry = new Registry();
    registry.gauge({ name: 'marketlake_runs', help: 'Runs by status.', labelNames: ['status'], collect: () => runs });
    expect(await registry.render()).toContain('marketlake_runs{status="succeeded"} 4\n');
    runs = [
      { labels: { status: 'succeeded' }, value: 5 },
      { labels: { status: 'failed' }, value: 1 },
    ];
    const text = await registry.render();
    expect(text).toContain('marketlake_runs{status="succeeded"} 5\nmarketlake_runs{status="failed"} 1\n');
  });

  it('writes infinities and NaN as the format spells them', async () => {
    const registry = new Registry();
    const gauge = registry.gauge({ name: 'g', help: 'g', labelNames: ['k'] });
    gauge.set({ k: 'a' }, Number.POSITIVE_INFINITY);
    gauge.set({ k: 'b' }, Number.NEGATIVE_INFINITY);
    gauge.set({ k: 'c' }, Number.NaN);
    gauge.set({ k: 'd' }, 1e-7);
    expect(await registry.render()).toContain('g{k="a"} +Inf\ng{k="b"} -Inf\ng{k="c"} NaN\ng{k="d"} 1e-7\n');
  });

  it('fails the scrape when a gauge cannot be read, unless told to go on without it and count the failure', async () => {
    const failing = () => Promise.reject(new Error('database unreachable'));
    const strict = new Registry();
    strict.gauge({ name: 'marketlake_outbox_depth', help: 'Outbox.', collect: failing });
    await expect(strict.render()).rejects.toThrow('database unreachable');

    const reported: string[] = [];
    const tolerant = new Registry({ onCollectError: (metric, error) => reported.push(`${metric}: ${error}`) });
    tolerant.gauge({ name: 'marketlake_outbox_depth', help: 'Outbox.', collect: failing });
    tolerant.counter({ name: 'marketlake_http_requests_total', help: 'Requests.' });
    expect(await tolerant.render()).toBe(
      [
        '# HELP marketlake_metrics_collect_errors_total Scrapes in which reading a gauge failed (the gauge was left out of that scrape).',
        '# TYPE marketlake_metrics_collect_errors_total counter',
        'marketlake_metrics_collect_errors_total{metric="marketlake_outbox_depth"} 1',
        '# HELP marketlake_http_requests_total Requests.',
        '# TYPE marketlake_http_requests_total counter',
        'marketlake_http_requests_total 0',
        '',
      ].join('\n'),
    );
    expect(reported).toEqual(['marketlake_outbox_depth: Error: database unreachable']);
  });

  it('refuses what would make an invalid exposition or a misspelt series', () => {
    const registry = new Registry();
    expect(() => registry.counter({ name: 'bad-name', help: '' })).toThrow('metric name "bad-name" is not valid');
    expect(() => registry.counter({ name: 'c', help: '', labelNames: ['__x'] })).toThrow('label name "__x" of c');
    expect(() => registry.histogram({ name: 'h', help: '', labelNames: ['le'] })).toThrow(
      'cannot have a label named le',
    );
    expect(() => registry.histogram({ name: 'h', help: '', buckets: [1, 1] })).toThrow('strictly ascending');
    const counter = registry.counter({ name: 'c', help: '', labelNames: ['route'] });
    expect(() => registry.counter({ name: 'c', help: '' })).toThrow('metric c is registered twice');
    expect(() => counter.inc({ path: '/x' })).toThrow('c takes the labels [route], got [path]');
    expect(() => counter.inc({ route: '/x' }, -1)).toThrow('c can only grow');
  });
});
