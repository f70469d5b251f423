/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) carried as Kafka headers, so the
 * message published from the outbox continues the trace of the request that wrote it, and the
 * consumer's handler continues it again. Only the header values travel here; creating spans is
 * OpenTelemetry's job (packages/observability).
 */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

// version-traceid-parentid-flags, lower-case hex; version ff and all-zero ids are invalid.
const traceparentPattern = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

export function isValidTraceparent(value: string): boolean {
  return traceparentPattern.test(value);
}

/** The trace context in message headers, or undefined when there is none or it is malformed. */
export function readTraceContext(headers: Readonly<Record<string, string | undefined>>): TraceContext | undefined {
  const traceparent = headers.traceparent?.trim().toLowerCase();
  if (!traceparent || !isValidTraceparent(traceparent)) return undefined;
  const tracestate = headers.tracestate?.trim();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** The headers that carry a trace context; none when there is no valid context. */
export function writeTraceContext(context: TraceContext | undefined): Record<string, string> {
  if (!context || !isValidTraceparent(context.traceparent)) return {};
  return context.tracestate ? { traceparent: context.traceparent, tracestate: context.tracestate } : { traceparent: context.traceparent };
}

/** The trace id (32 hex digits) of a context, for log lines. */
export function traceIdOf(context: TraceContext | undefined): string | undefined {
  return context?.traceparent.split("-")[1];
}
