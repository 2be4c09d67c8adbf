import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventHub, OpsObserver } from '../common/ops-events.js';

/** Prometheus metrics of one server: requests by route and status, their latency, and what the services' events tell. */
export function registerMetrics(app: FastifyInstance, events: EventHub): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vbs_' });
  const requests = new Counter({
    name: 'vbs_http_requests_total',
    help: 'HTTP requests served, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'vbs_http_request_duration_seconds',
    help: 'HTTP request latency, by route pattern and method',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The pattern, not the path: one series per route, whatever the ids in the URL.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    latency.observe({ route, method: request.method }, reply.elapsedTime / 1000);
  });
  const unsubscribe = events.subscribe(countEvents(registry));
  app.addHook('onClose', async () => unsubscribe());
  return registry;
}

/** The observer that turns job and store events into series. */
function countEvents(registry: Registry): OpsObserver {
  const jobs = new Counter({
    name: 'vbs_jobs_total',
    help: 'Jobs ended, by kind (job_type) and outcome (SUCCESS or FAIL)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'vbs_job_duration_seconds',
    help: 'How long jobs ran, by kind and outcome (jobs whose worker died are counted, not timed)',
    labelNames: ['kind', 'outcome'] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400],
    registers: [registry],
  });
  const bytesRead = new Counter({ name: 'vbs_backup_bytes_read_total', help: 'Bytes backups read from volume images', registers: [registry] });
  const bytesStored = new Counter({
    name: 'vbs_backup_bytes_stored_total',
    help: 'Bytes backups added to the block store, after deduplication and compression',
    registers: [registry],
  });
  const bytesDeduplicated = new Counter({
    name: 'vbs_backup_bytes_deduplicated_total',
    help: 'Bytes of non-zero blocks backups did not store because the store held them already',
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'vbs_store_errors_total',
    help: 'Block store operations that failed (after retries), by operation',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  return (e) => {
    if (e.event === 'job.end' || e.event === 'job.fail') {
      jobs.inc({ kind: e.kind, outcome: e.outcome });
      if (e.duration_ms !== null) durations.observe({ kind: e.kind, outcome: e.outcome }, e.duration_ms / 1000);
      const { bytes_read, bytes_stored, bytes_deduplicated } = e.details;
      if (bytes_read) bytesRead.inc(bytes_read);
      if (bytes_stored) bytesStored.inc(bytes_stored);
      if (bytes_deduplicated) bytesDeduplicated.inc(bytes_deduplicated);
    } else if (e.event === 'store.error') storeErrors.inc({ operation: e.operation });
  };
}
