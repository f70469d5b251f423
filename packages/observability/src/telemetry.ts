/**
 * OpenTelemetry tracing for a service: HTTP (in and out) and PostgreSQL are traced
 * automatically; Kafka is traced by packages/messaging itself, because the trace context of a
 * message is the one stored with its outbox row, not the relay's (see messaging's README).
 *
 * Call startTelemetry() before anything imports `http` or `pg`: the instrumentations patch
 * those modules as they load. Services do it on the first line of main.ts.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace";

export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Spans go to the OTLP endpoint in OTEL_EXPORTER_OTLP_ENDPOINT (Jaeger under docker compose).
 * Without one, spans are still created, so trace ids appear in logs and travel with every
 * message, but nothing is exported. Tests pass their own span processor.
 */
export function startTelemetry(serviceName: string, spanProcessors?: SpanProcessor[]): Telemetry {
  const processors = spanProcessors ?? [
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }) : new NoopSpanProcessor(),
  ];
  const sdk = new NodeSDK({
    serviceName,
    spanProcessors: processors,
    // Logs go to stdout through pino, and metrics to /metrics through prom-client: no OTLP for them.
    logRecordProcessors: [],
    metricReaders: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => /^\/(health|metrics)/.test(request.url ?? "") }),
      new PgInstrumentation(),
    ],
  });
  sdk.start();
  return sdk;
}
