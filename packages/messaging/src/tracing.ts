/**
 * OpenTelemetry for messages, through @opentelemetry/api only (no SDK here: without one every
 * call is a no-op). The trace context travels with the event:
 *   1. outbox.add stores the context active in the writer (an HTTP request, a handler) with the row;
 *   2. the relay publishes it unchanged as traceparent/tracestate headers, adding no span of its
 *      own, so the message continues the writer's trace;
 *   3. the consumer runs each handler inside a CONSUMER span whose parent is that context, so
 *      the handler's queries, logs and outbox rows belong to the same trace.
 * One checkout is one trace, from POST /orders through every service.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import type { Event } from "./event";
import { readTraceContext, writeTraceContext, type TraceContext } from "./trace";

const tracer = trace.getTracer("@shop/messaging");

/** The trace context active now (e.g. the HTTP request's), or undefined outside any trace. */
export function activeTraceContext(): TraceContext | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return readTraceContext(carrier);
}

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
  const traceContexts = spans.map((span) => {
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    return readTraceContext(carrier);
  });
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
  return propagation.extract(context.active(), writeTraceContext(readTraceContext(message.headers)));
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
