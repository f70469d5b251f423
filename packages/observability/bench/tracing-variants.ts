/**
 * The ways of tracing the benchmark compares (tracing-cost.ts), each set up the way a service
 * sets it up: before http and pg load. "before" is the old default, and the two "idea" lines
 * are the alternatives to the new default measured on the way to it (see
 * docs/decisions/010-tracing-cost.md); they are kept so the comparison can be run again.
 */
import { trace, type ProxyTracerProvider } from "@opentelemetry/api";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { AlwaysOffSampler, NoopSpanProcessor, type Sampler } from "@opentelemetry/sdk-trace";
import { startTelemetry } from "../src/telemetry";

export const variants = {
  "none": "no OpenTelemetry at all (the floor: no trace ids, nothing propagates)",
  "before": "the old default: SDK, http + pg instrumented, every span recorded into a NoopSpanProcessor",
  "idea: off http+pg": "AlwaysOffSampler (non-recording spans), http + pg instrumented",
  "idea: off http": "AlwaysOffSampler, http instrumented, pg not",
  "new default": "startTelemetry() without OTEL_EXPORTER_OTLP_ENDPOINT: AlwaysOffSampler, no instrumentation; createApp continues traceparent",
  "exporting": "startTelemetry() with OTEL_EXPORTER_OTLP_ENDPOINT (every span exported)",
  "exporting 10 %": "as exporting, OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=0.1",
  "new default + request logs": "new default with LOG_LEVEL=debug: two request lines per request",
  "before + request logs": "the old state as shipped: old tracing, two request lines per request",
} as const;
export type Variant = keyof typeof variants;

/** What the variant needs from the environment (set by the benchmark before the process starts). */
export function environmentOf(variant: Variant, sinkUrl: string): Record<string, string> {
  const logs = variant.endsWith("request logs") ? { LOG_LEVEL: "debug" } : { LOG_LEVEL: "info" };
  if (variant === "exporting") return { ...logs, OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl };
  if (variant === "exporting 10 %") {
    return { ...logs, OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" };
  }
  return logs;
}

/** Starts the variant's tracing; resolves `flush` once every span recorded so far is exported. */
export function setUp(variant: Variant): { flush(): Promise<void> } {
  switch (variant) {
    case "none":
      break;
    case "before":
    case "before + request logs":
      sdk({ instrumentations: [http_(), new PgInstrumentation()] });
      break;
    case "idea: off http+pg":
      sdk({ sampler: new AlwaysOffSampler(), instrumentations: [http_(), new PgInstrumentation()] });
      break;
    case "idea: off http":
      sdk({ sampler: new AlwaysOffSampler(), instrumentations: [http_()] });
      break;
    default:
      startTelemetry("bench");
  }
  return {
    async flush() {
      const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as { forceFlush?: () => Promise<void> };
      await provider.forceFlush?.();
    },
  };
}

const http_ = () => new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => /^\/(health|metrics)/.test(request.url ?? "") });

function sdk(options: { sampler?: Sampler; instrumentations: (HttpInstrumentation | PgInstrumentation)[] }): void {
  new NodeSDK({
    serviceName: "bench", spanProcessors: [new NoopSpanProcessor()], logRecordProcessors: [], metricReaders: [], ...options,
  }).start();
}
