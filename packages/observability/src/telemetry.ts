/**
 * OpenTelemetry tracing for a service, in one of two modes:
 *
 * - exporting, when OTEL_EXPORTER_OTLP_ENDPOINT is set (Jaeger under docker compose), or a test
 *   passes its own span processors: HTTP (in and out) and PostgreSQL are instrumented, spans are
 *   sampled as OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG say (default: every trace) and exported.
 * - off, without an endpoint: no instrumentation, and no span is recorded, since nothing would
 *   read it. Trace context still travels: createApp (@shop/service-kit, http.ts) runs each request's handler in its
 *   traceparent's context (or a new trace id's), so log lines carry traceId and outbox rows the
 *   traceparent. Spans in this mode are non-recording: they carry ids and nothing else.
 *
 * Kafka is traced by packages/messaging itself, because the trace context of a message is the
 * one stored with its outbox row, not the relay's (see messaging's README). What each mode costs
 * per request is measured by `pnpm bench:tracing` (docs/decisions/010-tracing-cost.md).
 *
 * Call startTelemetry() before anything imports `http` or `pg`: the instrumentations patch
 * those modules as they load. Services do it in a module of their own that Node loads before
 * main.ts (`node --import ./src/telemetry.ts src/main.ts`; @shop/service-kit/telemetry).
 */
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { AlwaysOffSampler, TracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace";

export interface Telemetry {
  /** Exports what is left (when exporting) and stops. */
  shutdown(): Promise<void>;
}

export function startTelemetry(serviceName: string, spanProcessors?: SpanProcessor[]): Telemetry {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return spanProcessors || endpoint ? startExporting(serviceName, spanProcessors) : startOff();
}

/**
 * Off: what NodeSDK registers, without NodeSDK. Loading @opentelemetry/sdk-node and its exporters
 * took most of a service's start-up (0.8 s of a 2 s start on a quiet machine, 3 s under load:
 * docs/decisions/016-fast-recovery.md), for a mode that records nothing.
 */
function startOff(): Telemetry {
  const contextManager = new AsyncLocalStorageContextManager().enable(); // the request's context survives its awaits
  const provider = new TracerProvider({ sampler: new AlwaysOffSampler() }); // ids, never a recorded span
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** Exporting: loaded only here, so a service that exports nothing does not pay for the SDK's start-up. */
function startExporting(serviceName: string, spanProcessors: SpanProcessor[] | undefined): Telemetry {
  const { NodeSDK } = require("@opentelemetry/sdk-node") as typeof import("@opentelemetry/sdk-node");
  const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-http") as typeof import("@opentelemetry/exporter-trace-otlp-http");
  const { HttpInstrumentation } = require("@opentelemetry/instrumentation-http") as typeof import("@opentelemetry/instrumentation-http");
  const { PgInstrumentation } = require("@opentelemetry/instrumentation-pg") as typeof import("@opentelemetry/instrumentation-pg");
  const { BatchSpanProcessor } = require("@opentelemetry/sdk-trace") as typeof import("@opentelemetry/sdk-trace");
  const sdk = new NodeSDK({
    serviceName,
    // Logs go to stdout through pino, and metrics to /metrics through prom-client: no OTLP for them.
    logRecordProcessors: [],
    metricReaders: [],
    spanProcessors: spanProcessors ?? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })], // no sampler given: NodeSDK reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => /^\/(health|metrics)/.test(request.url ?? "") }),
      new PgInstrumentation(),
    ],
  });
  sdk.start();
  return sdk;
}
