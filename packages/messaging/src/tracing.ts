/**
 * OpenTelemetry for messages, through @opentelemetry/api, with OpenTelemetry's own W3C Trace
 * Context propagator (https://www.w3.org/TR/trace-context/) reading and writing the headers (no
 * SDK here: without one no span is recorded, but the context still travels). The trace context
 * travels with the event:
 *   1. outbox.add stores the context active in the writer (an HTTP request, a handler) with the row;
 *   2. the relay publishes it unchanged as traceparent/tracestate headers, adding no span of its
 *      own, so the message continues the writer's trace;
 *   3. the consumer runs each handler inside a CONSUMER span whose parent is that context, so
 *      the handler's queries, logs and outbox rows belong to the same trace.
 * One checkout is one trace, from POST /orders through every service.
 */
import { context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type SpanContext } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { Event } from "./event";

/** The W3C headers' values: what the outbox stores with a row and the relay publishes. */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

// The headers are W3C's by contract (ARCHITECTURE §4), whatever propagator an SDK registers
// globally, so messaging uses this one directly. It validates too: a malformed traceparent
// (bad hex, all-zero ids, version ff) reads as no context.
const w3c = new W3CTraceContextPropagator();

/** The span context that headers carry, or undefined when there is none or it is malformed. */
function spanContextIn(headers: Readonly<Record<string, string | undefined>>): SpanContext | undefined {
  return trace.getSpanContext(w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
}

/** The headers of a span context; undefined for an invalid one. */
function headersOf(spanContext: SpanContext): TraceContext | undefined {
  const carrier: Record<string, string> = {};
  w3c.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), carrier, defaultTextMapSetter);
  if (!carrier.traceparent) return undefined;
  return carrier.tracestate ? { traceparent: carrier.traceparent, tracestate: carrier.tracestate } : { traceparent: carrier.traceparent };
}

/** The trace context in message headers, or undefined when there is none or it is malformed. */
export function readTraceContext(headers: Readonly<Record<string, string | undefined>>): TraceContext | undefined {
  const spanContext = spanContextIn(headers);
  return spanContext && headersOf(spanContext);
}

/** The headers that carry a trace context; none when there is no valid context. */
export function writeTraceContext(traceContext: TraceContext | undefined): Record<string, string> {
  const valid = traceContext && readTraceContext({ ...traceContext }); // headersOf leaves out an empty tracestate
  return valid ? { ...valid } : {};
}

/** The trace id (32 hex digits) of a context, for log lines. */
export function traceIdOf(traceContext: TraceContext | undefined): string | undefined {
  return traceContext && spanContextIn({ ...traceContext })?.traceId;
}

/** The trace context active now (e.g. the HTTP request's), or undefined outside any trace. */
export function activeTraceContext(): TraceContext | undefined {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && headersOf(spanContext);
}

const tracer = trace.getTracer("@shop/messaging");

type MessageInfo = { topic: string; partition: number; offset: string; headers: Record<string, string> };

/** Runs `handle` in a CONSUMER span that continues the trace the message was published with. */
export async function inConsumerSpan<T>(
  message: MessageInfo,
  event: Event,
  consumerGroup: string,
  handle: () => Promise<T>,
): Promise<T> {
  const parent = parentContext(message);
  return tracer.startActiveSpan(`process ${event.eventType}`, { kind: SpanKind.CONSUMER, attributes: spanAttributes(message, event, consumerGroup) }, parent, async (span) => {
    try {
      return await handle();
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * A batch handler's spans: one CONSUMER span per event, each continuing its message's trace,
 * all open while `handle` runs. `handle` gets each span's trace context, in the batch's order,
 * to store with the outbox rows the event causes (no span is "active" for a whole batch).
 */
export async function inConsumerSpans<T>(
  entries: readonly { message: MessageInfo; event: Event }[],
  consumerGroup: string,
  handle: (traceContexts: (TraceContext | undefined)[]) => Promise<T>,
): Promise<T> {
  const spans = entries.map(({ message, event }) =>
    tracer.startSpan(`process ${event.eventType}`, { kind: SpanKind.CONSUMER, attributes: spanAttributes(message, event, consumerGroup) }, parentContext(message)));
  const traceContexts = spans.map((span) => headersOf(span.spanContext()));
  try {
    return await handle(traceContexts);
  } catch (error) {
    for (const span of spans) failSpan(span, error);
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}

function parentContext(message: MessageInfo) {
  return w3c.extract(context.active(), message.headers, defaultTextMapGetter);
}

function failSpan(span: Span, error: unknown): void {
  span.recordException(error as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
}

function spanAttributes(message: MessageInfo, event: Event, consumerGroup: string) {
  return {
    "messaging.system": "kafka",
    "messaging.operation.type": "process",
    "messaging.destination.name": message.topic,
    "messaging.destination.partition.id": String(message.partition),
    "messaging.kafka.offset": Number(message.offset),
    "messaging.consumer.group.name": consumerGroup,
    "messaging.message.id": event.eventId,
    "event.type": event.eventType,
  };
}
