/**
 * One trace from the writer to the handler: an event written inside a traced operation (here a
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
import { withTransaction } from "./transaction";

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
afterAll(async () => {
  await consumer?.stop();
  await relay?.stop();
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
