/**
 * Traces without Docker: the services export their spans as OTLP/HTTP JSON (`POST /v1/traces`,
 * what @opentelemetry/exporter-trace-otlp-http sends) to the explorer, which keeps the most recent
 * ones in memory (bounded: the oldest go first) and finds one trace's spans for the waterfall.
 * Simplification: Jaeger or Tempo keep traces on disk and index them; this keeps minutes at most.
 */

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: number;
  startMs: number;
  durationMs: number;
  error: boolean;
}

interface OtlpValue { stringValue?: string }
interface OtlpSpan {
  traceId?: string; spanId?: string; parentSpanId?: string; name?: string; kind?: number;
  startTimeUnixNano?: Nanos; endTimeUnixNano?: Nanos; status?: { code?: number };
}
interface OtlpRequest {
  resourceSpans?: { resource?: { attributes?: { key?: string; value?: OtlpValue }[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

/** OTLP JSON carries ids as hex (the JS exporter) or, by the protobuf JSON mapping, base64: both become hex. */
function hexId(id: string | undefined, length: number): string | null {
  if (!id) return null;
  if (new RegExp(`^[\\da-f]{${length}}$`, "i").test(id)) return id.toLowerCase();
  const hex = Buffer.from(id, "base64").toString("hex");
  return hex.length === length ? hex : null;
}

type Nanos = string | number | { low: number; high: number } | undefined;

/** Nanoseconds as a decimal string, a number, or (the protobuf JSON mapping's long) two 32-bit halves. */
function nanosToMs(value: Nanos): number {
  const nanos = typeof value === "object" ? (BigInt(value.high >>> 0) << 32n) + BigInt(value.low >>> 0) : BigInt(value ?? 0);
  return Number(nanos / 1000n) / 1000;
}

/** The spans of one OTLP/HTTP JSON request body; anything malformed is skipped, never thrown. */
export function spansOf(body: unknown): Span[] {
  const spans: Span[] = [];
  for (const resourceSpans of (body as OtlpRequest)?.resourceSpans ?? []) {
    const service = resourceSpans.resource?.attributes?.find((attribute) => attribute.key === "service.name")?.value?.stringValue ?? "unknown";
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const traceId = hexId(span.traceId, 32);
        const spanId = hexId(span.spanId, 16);
        if (!traceId || !spanId) continue;
        try {
          const startMs = nanosToMs(span.startTimeUnixNano);
          spans.push({
            traceId, spanId, parentSpanId: hexId(span.parentSpanId, 16), service, name: span.name ?? "", kind: span.kind ?? 0,
            startMs, durationMs: Math.max(0, nanosToMs(span.endTimeUnixNano) - startMs), error: span.status?.code === 2,
          });
        } catch {
          // a timestamp that is not a number: not a span we can draw
        }
      }
    }
  }
  return spans;
}

export interface SpanStore {
  add(spans: readonly Span[]): void;
  /** One trace's spans, earliest first. */
  trace(traceId: string): Span[];
  size(): number;
}

export function createSpanStore(capacity: number): SpanStore {
  const ring: Span[] = [];
  let next = 0; // where the next span goes once the ring is full
  return {
    add(spans) {
      for (const span of spans) {
        if (ring.length < capacity) ring.push(span);
        else ring[next] = span;
        next = (next + 1) % capacity;
      }
    },
    trace: (traceId) => ring.filter((span) => span.traceId === traceId).sort((a, b) => a.startMs - b.startMs),
    size: () => ring.length,
  };
}
