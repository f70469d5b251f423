/**
 * OpenTelemetry tracing for a service, in one of two modes:
 *
 * - exporting, when OTEL_EXPORTER_OTLP_ENDPOINT is set (Jaeger under docker compose), or a test
 *   passes its own span processors: HTTP (in and out) and PostgreSQL are instrumented, spans are
 *   sampled as OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG say (default: every trace) and exported.
 * - off, without an endpoint: no instrumentation, and no span is recorded, since nothing would
 *   read it. Trace context still travels: createApp (http.ts) runs each request's handler in its
 *   traceparent's context (or a new trace id's), so log lines carry traceId and outbox rows the
 *   traceparent. Spans in this mode are non-recording: they carry ids and nothing else.
 *
 * Kafka is traced by packages/messaging itself, because the trace context of a message is the
 * one stored with its outbox row, not the relay's (see messaging's README). What each mode costs
 * per request is measured by `pnpm bench:tracing` (docs/decisions/010-tracing-cost.md).
 *
 * Call startTelemetry() before anything imports `http` or `pg`: the instrumentations patch
 * those modules as they load. Services do it on the first line of main.ts.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { AlwaysOffSampler, BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace";

export interface Telemetry {
  /** Exports what is left (when exporting) and stops. */
  shutdown(): Promise<void>;
}

export function startTelemetry(serviceName: string, spanProcessors?: SpanProcessor[]): Telemetry {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const processors = spanProcessors ?? (endpoint ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] : undefined);
  // Logs go to stdout through pino, and metrics to /metrics through prom-client: no OTLP for them.
  const common = { serviceName, logRecordProcessors: [], metricReaders: [] };
  const sdk = new NodeSDK(processors
    ? {
      ...common,
      spanProcessors: processors, // no sampler given: NodeSDK reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG
      instrumentations: [
        new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => /^\/(health|metrics)/.test(request.url ?? "") }),
        new PgInstrumentation(),
      ],
    }
    // Off: the SDK registers its tracer only with a span processor; AlwaysOff never calls it.
    : { ...common, spanProcessors: [new NoopSpanProcessor()], sampler: new AlwaysOffSampler(), instrumentations: [] });
  sdk.start();
  return sdk;
}
