import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { httpMetrics, metricsEndpoint } from './metrics.js';
import { Registry } from './prometheus.js';
import type { ApiEnv } from './types.js';

function app() {
  const registry = new Registry();
  let ms = 0;
  const app = new Hono<ApiEnv>();
  // Each reading of the clock moves it 30 ms: every request lasts 30 ms.
  app.use(httpMetrics({ registry, now: () => (ms += 30), buckets: [0.01, 0.05] }));
  app.get('/metrics', metricsEndpoint(registry));
  app.get('/v1/tickers/:ticker', (c) => c.text(c.req.param('ticker')));
  app.get('/v1/fail', () => {
    throw new Error('boom');
  });
  app.onError((_error, c) => c.text('failed', 500));
  return app;
}

describe('httpMetrics', () => {
  it('counts requests and their latency by route pattern, not by raw path', async () => {
    const server = app();
    await server.request('/v1/tickers/AAPL');
    await server.request('/v1/tickers/MSFT');
    await server.request('/v1/fail');
    await server.request('/no/such/path/1');
    await server.request('/no/such/path/2', { method: 'BREW' });
    const response = await server.request('/metrics');
    expect(response.headers.get('Content-Type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await response.text()).toBe(
      [
        '# HELP marketlake_http_requests_total HTTP requests answered, by method, route pattern and status.',
        '# TYPE marketlake_http_requests_total counter',
        'marketlake_http_requests_total{method="GET",route="/v1/tickers/:ticker",status="200"} 2',
        'marketlake_http_requests_total{method="GET",route="/v1/fail",status="500"} 1',
        'marketlake_http_requests_total{method="GET",route="unmatched",status="404"} 1',
        'marketlake_http_requests_total{method="other",route="unmatched",status="404"} 1',
        '# HELP marketlake_http_request_duration_seconds Time to answer an HTTP request (to its response headers), by method and route pattern.',
        '# TYPE marketlake_http_request_duration_seconds histogram',
        'marketlake_http_request_duration_seconds_bucket{method="GET",route="/v1/tickers/:ticker",le="0.01"} 0',
        'marketlake_http_request_duration_seconds_bucket{method="GET",route="/v1/tickers/:ticker",le="0.05"} 2',
        'marketlake_http_request_duration_seconds_bucket{method="GET",route="/v1/tickers/:ticker",le="+Inf"} 2',
        'marketlake_http_request_duration_seconds_sum{method="GET",route="/v1/tickers/:ticker"} 0.06',
        'marketlake_http_request_duration_seconds_count{method="GET",route="/v1/tickers/:ticker"} 2',
        'marketlake_http_request_duration_seconds_bucket{method="GET",route="/v1/fail",le="0.01"} 0',
        'marketlake_http_request_duration_seconds_bucket{method="GET",route="/v1/fail",le="0.05"} 1',
        'marketlake_http_request_duration_seconds_bucket{method="GET",route="/v1/fail",le="+Inf"} 1',
        'marketlake_http_request_duration_seconds_sum{method="GET",route="/v1/fail"} 0.03',
        'marketlake_http_request_duration_seconds_count{method="GET",route="/v1/fail"} 1',
        'marketlake_http_request_duration_seconds_bucket{method="GET",route="unmatched",le="0.01"} 0',
        'marketlake_http_request_duration_seconds_bucket{method="GET",route="unmatched",le="0.05"} 1',
        'marketlake_http_request_duration_seconds_bucket{method="GET",route="unmatched",le="+Inf"} 1',
        'marketlake_http_request_duration_seconds_sum{method="GET",route="unmatched"} 0.03',
        'marketlake_http_request_duration_seconds_count{method="GET",route="unmatched"} 1',
        'marketlake_http_request_duration_seconds_bucket{method="other",route="unmatched",le="0.01"} 0',
        'marketlake_http_request_duration_seconds_bucket{method="other",route="unmatched",le="0.05"} 1',
        'marketlake_http_request_duration_seconds_bucket{method="other",route="unmatched",le="+Inf"} 1',
        'marketlake_http_request_duration_seconds_sum{method="other",route="unmatched"} 0.03',
        'marketlake_http_request_duration_seconds_count{method="other",route="unmatched"} 1',
        '',
      ].join('\n'),
    );
  });
});
