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
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Event } from "./event";
import { readTraceContext, writeTraceContext, type TraceContext } from "./trace";

const tracer = trace.getTracer("@shop/messaging");

/** The trace context active now (e.g. the HTTP request's), or undefined outside any trace. */
export function activeTraceContext(): TraceContext | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return readTraceContext(carrier);
}

/** Runs `handle` in a CONSUMER span that continues the trace the message was published with. */
export async function inConsumerSpan<T>(
  message: { topic: string; partition: number; offset: string; headers: Record<string, string> },
  event: Event,
  consumerGroup: string,
  handle: () => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(context.active(), writeTraceContext(readTraceContext(message.headers)));
  const attributes = {
    "messaging.system": "kafka",
    "messaging.operation.type": "process",
    "messaging.destination.name": message.topic,
    "messaging.destination.partition.id": String(message.partition),
    "messaging.kafka.offset": Number(message.offset),
    "messaging.consumer.group.name": consumerGroup,
    "messaging.message.id": event.eventId,
    "event.type": event.eventType,
  };
  return tracer.startActiveSpan(`process ${event.eventType}`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
    try {
      return await handle();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
