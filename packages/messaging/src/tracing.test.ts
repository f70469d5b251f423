/**
 * The W3C headers a message carries (read and written by OpenTelemetry's W3C propagator), then
 * one trace from the writer to the handler: an event written inside a traced operation (here a
 * span standing for the HTTP request) is handled inside a CONSUMER span of the same trace, whose
 * parent is that operation. Real outbox, relay, Kafka and inbox; the OpenTelemetry SDK in memory.
 */
import { context, SpanKind, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { waitFor } from "@shop/infra";
import { startTelemetry, type Telemetry } from "@shop/observability/telemetry";
import { consume, type Consumer } from "./consumer";
import { createOutbox } from "./outbox";
import { startRelay, type Relay } from "./relay";
import { freshDatabase, freshTopic, kafkaConfig, testCodec, thing, type ThingHappened } from "./testing";
import { readTraceContext, traceIdOf, writeTraceContext } from "./tracing";
import { withTransaction } from "./transaction";

// Real Kafka and PostgreSQL: a consumer group join and a fetch take seconds on a loaded machine (a waitFor gives up after 15 s).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
let telemetry: Telemetry;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let relay: Relay | undefined;
let consumer: Consumer | undefined;

beforeAll(async () => {
  telemetry = startTelemetry("tracing-test", [processor]);
  db = await freshDatabase();
});
afterEach(async () => {
  await consumer?.stop();
  await relay?.stop();
  consumer = relay = undefined;
  exporter.reset();
});
afterAll(async () => {
  await db.drop();
  await telemetry.shutdown();
});

test("when an event is written inside a traced request, then its handler runs in a consumer span of the same trace", async () => {
  const topic = await freshTopic("tracing");
  const codec = await testCodec();
  const outbox = createOutbox({ codec });
  const seenInHandler: { traceId: string; spanId: string }[] = [];
  consumer = await consume<ThingHappened>({
    kafka: kafkaConfig("tracing"), pool: db.pool, codec, groupId: "tracing", topics: [topic], maxWaitTimeInMs: 200,
    handler: async () => {
      const active = trace.getActiveSpan()!.spanContext();
      seenInHandler.push({ traceId: active.traceId, spanId: active.spanId });
    },
  });
  relay = startRelay({ databaseUrl: db.url, kafka: kafkaConfig("tracing-relay"), pollIntervalMs: 100 });

  // The writer: no trace context passed explicitly; outbox.add takes the one active.
  const request = trace.getTracer("test").startSpan("POST /orders", { kind: SpanKind.SERVER });
  await context.with(trace.setSpan(context.active(), request), () =>
    withTransaction(db.pool, (tx) => outbox.add(tx, thing("order-1", 1), { topic, key: "order-1" })));
  request.end();

  await waitFor("the handler", () => seenInHandler.length === 1);
  await processor.forceFlush();
  const { traceId, spanId: requestSpanId } = request.spanContext();
  const consumerSpan = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.CONSUMER);
  expect(seenInHandler[0]!.traceId).toBe(traceId);
  expect(consumerSpan).toBeDefined();
  expect(consumerSpan!.name).toBe("process ThingHappened");
  expect(consumerSpan!.spanContext().traceId).toBe(traceId);
  expect(consumerSpan!.parentSpanContext?.spanId).toBe(requestSpanId);
  expect(seenInHandler[0]!.spanId).toBe(consumerSpan!.spanContext().spanId);
  expect(consumerSpan!.attributes).toMatchObject({ "messaging.destination.name": topic, "messaging.consumer.group.name": "tracing" });
});

test("when a batch handler handles events of two traces, then each event gets a consumer span in its own trace, and the trace context it is handed continues that span", async () => {
  const topic = await freshTopic("tracing-batch", 1);
  const codec = await testCodec();
  const outbox = createOutbox({ codec });
  const handed: { eventKey: string; traceparent: string | undefined }[] = [];
  const requests = ["POST /orders a", "POST /orders b"].map((name) => trace.getTracer("test").startSpan(name, { kind: SpanKind.SERVER }));
  // Both events committed before anyone consumes: one fetched batch, one handleBatch call.
  for (const [i, request] of requests.entries()) {
    await context.with(trace.setSpan(context.active(), request), () =>
      withTransaction(db.pool, (tx) => outbox.add(tx, thing(`order-${i}`, i), { topic, key: `order-${i}` })));
    request.end();
  }
  relay = startRelay({ databaseUrl: db.url, kafka: kafkaConfig("tracing-batch-relay"), pollIntervalMs: 100 });
  await waitFor("both events published", async () => (await db.pool.query("SELECT count(*)::int AS n FROM outbox")).rows[0].n === 0);
  consumer = await consume<ThingHappened>({
    kafka: kafkaConfig("tracing-batch"), pool: db.pool, codec, groupId: "tracing-batch", topics: [topic], maxWaitTimeInMs: 200,
    handleBatch: async (events) => {
      for (const { event, traceContext } of events) handed.push({ eventKey: event.key, traceparent: traceContext?.traceparent });
    },
  });

  await waitFor("both events handled", () => handed.length === 2);
  await processor.forceFlush();
  const consumerSpans = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CONSUMER);
  expect(consumerSpans).toHaveLength(2);
  for (const [i, request] of requests.entries()) {
    const span = consumerSpans.find((s) => s.spanContext().traceId === request.spanContext().traceId);
    expect(span?.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    const { traceId, spanId } = span!.spanContext();
    expect(handed.find((h) => h.eventKey === `order-${i}`)!.traceparent).toBe(`00-${traceId}-${spanId}-01`);
  }
});

describe("the W3C headers", () => {
  const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  test("when a context is written to headers and read back, then it is the same context", () => {
    const context = { traceparent, tracestate: "congo=t61rcWkgMzE" };
    expect(writeTraceContext(context)).toEqual({ traceparent, tracestate: "congo=t61rcWkgMzE" });
    expect(readTraceContext(writeTraceContext(context))).toEqual(context);
    expect(readTraceContext({ traceparent })).toEqual({ traceparent });
    expect(traceIdOf(context)).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });

  test.each([
    ["missing", undefined],
    ["malformed", "not-a-traceparent"],
    ["an all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"],
    ["an all-zero parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"],
    ["version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
  ])("when the traceparent is %s, then there is no context and no header is written", (_, value) => {
    expect(readTraceContext({ traceparent: value })).toBeUndefined();
    expect(writeTraceContext(value ? { traceparent: value } : undefined)).toEqual({});
    expect(traceIdOf(value ? { traceparent: value } : undefined)).toBeUndefined();
  });
});
