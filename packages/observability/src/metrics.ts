import { collectDefaultMetrics, register } from "prom-client";

/**
 * Prometheus metrics in one registry per process: Node's own (CPU, memory, event-loop lag,
 * GC) plus what packages/messaging records (outbox backlog, publish latency, consumer lag,
 * handler duration, retries, DLQ counts). Every series carries the service's name.
 */
export function startMetrics(service: string): void {
  register.setDefaultLabels({ service });
  collectDefaultMetrics();
}

/** The body and content type of GET /metrics (Prometheus text format). */
export async function metricsResponse(): Promise<{ contentType: string; body: string }> {
  return { contentType: register.contentType, body: await register.metrics() };
}
