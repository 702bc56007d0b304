'use strict';
// Prometheus metrics on /metrics, fed only by diagnostics_channel: the way an application exports
// what vtex-session publishes, without wrapping the middleware. docs/operations.md has the snippet.
const { subscribe } = require('node:diagnostics_channel');
const client = require('prom-client');
const { CHANNELS } = require('vtex-session');

/** The demo's own page cache publishes its hits and misses here, as the package publishes its events. */
const PAGE_CACHE_CHANNEL = 'demo-store:page-cache';

let shared;

/** One set of metrics per process: channels are process-wide, and so is what Prometheus scrapes. */
function createMetrics() {
  shared ??= buildMetrics();
  return shared;
}

function buildMetrics() {
  const registry = new client.Registry();
  const counter = (name, help, labelNames = []) => new client.Counter({ name, help, labelNames, registers: [registry] });
  const sessions = {
    created: counter('vtex_session_sessions_created_total', 'Sessions created, by whether they were stored at once', ['stored']),
    stored: counter('vtex_session_sessions_first_stored_total', 'Never-written sessions stored by their first write'),
    renewed: counter('vtex_session_sessions_renewed_total', 'Sessions renewed near the end of their life'),
    rotated: counter('vtex_session_sessions_rotated_total', 'Session ids rotated by a login or logout'),
    refused: counter('vtex_session_requests_refused_total', 'API requests and writes refused with a 4xx', ['code']),
    degraded: counter('vtex_session_requests_degraded_total', 'Pages served on the default segment because the store failed'),
    transformFailed: counter('vtex_session_transform_failures_total', 'Transforms that threw or timed out', ['transform', 'timed_out']),
  };
  const storeErrors = counter('vtex_session_store_errors_total', 'Store operations that failed', ['operation']);
  const storeLatency = new client.Histogram({
    name: 'vtex_session_store_duration_seconds',
    help: 'Store operation latency',
    labelNames: ['operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const pageCache = counter('demo_store_page_cache_requests_total', 'Page requests answered from the segment cache or rendered', ['result']);

  subscribe(CHANNELS.created, (m) => sessions.created.inc({ stored: String(m.stored) }));
  subscribe(CHANNELS.stored, () => sessions.stored.inc());
  subscribe(CHANNELS.renewed, () => sessions.renewed.inc());
  subscribe(CHANNELS.rotated, () => sessions.rotated.inc());
  subscribe(CHANNELS.refused, (m) => sessions.refused.inc({ code: m.code }));
  subscribe(CHANNELS.degraded, () => sessions.degraded.inc());
  subscribe(CHANNELS.transformFailed, (m) => sessions.transformFailed.inc({ transform: m.transform, timed_out: String(m.timedOut) }));
  // A TracingChannel: start and asyncEnd share one context object per operation.
  const started = new WeakMap();
  subscribe(`tracing:${CHANNELS.store}:start`, (context) => started.set(context, process.hrtime.bigint()));
  subscribe(`tracing:${CHANNELS.store}:asyncEnd`, (context) => {
    const start = started.get(context);
    if (start !== undefined) storeLatency.observe({ operation: context.operation }, Number(process.hrtime.bigint() - start) / 1e9);
  });
  subscribe(`tracing:${CHANNELS.store}:error`, (context) => storeErrors.inc({ operation: context.operation }));
  subscribe(PAGE_CACHE_CHANNEL, (m) => pageCache.inc({ result: m.result }));

  return {
    registry,
    async handler(_req, res) {
      res.set('Content-Type', registry.contentType);
      res.set('Cache-Control', 'no-store');
      res.send(await registry.metrics());
    },
  };
}

module.exports = { createMetrics, PAGE_CACHE_CHANNEL };
