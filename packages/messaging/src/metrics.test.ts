/**
 * What /metrics shows after events flowed: the relay's published count and publish latency, the
 * inbox's handled events and handler durations, and the consumer lag back at zero.
 */
import { register } from "prom-client";
import { waitFor } from "@shop/infra";
import { consume, type Consumer } from "./consumer";
import { createOutbox } from "./outbox";
import { startRelay, type Relay } from "./relay";
import { freshDatabase, freshTopic, kafkaConfig, testCodec, thing, type ThingHappened } from "./testing";
import { withTransaction } from "./transaction";

// Real Kafka and PostgreSQL: a consumer group join and a fetch take seconds on a loaded machine (a waitFor gives up after 15 s).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let db: Awaited<ReturnType<typeof freshDatabase>>;
let relay: Relay | undefined;
let consumer: Consumer | undefined;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await consumer?.stop();
  await relay?.stop();
  await db.drop();
});

async function value(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = await register.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([key, wanted]) => String(v.labels[key]) === wanted))?.value;
}

test("when 20 events go through outbox, relay and inbox, then the metrics count them and the lag is back at 0", async () => {
  const topic = await freshTopic("metrics", 1);
  const codec = await testCodec();
  const outbox = createOutbox({ codec });
  let handled = 0;
  consumer = await consume<ThingHappened>({
    kafka: kafkaConfig("metrics"), pool: db.pool, codec, groupId: "metrics", topics: [topic], maxWaitTimeInMs: 200,
    handler: async () => void handled++,
  });
  relay = startRelay({ databaseUrl: db.url, kafka: kafkaConfig("metrics-relay"), pollIntervalMs: 100 });
  await withTransaction(db.pool, async (tx) => {
    for (let i = 0; i < 20; i++) await outbox.add(tx, thing("k", i), { topic, key: "k" });
  });

  await waitFor("20 handled events", () => handled === 20);
  // The handler ran; the counters move once its transaction has committed.
  await waitFor("20 events counted", async () => (await value("consumer_events_total", { outcome: "handled" })) === 20);
  expect(await value("relay_published_messages_total")).toBe(20);
  expect(await value("relay_publish_seconds", { le: "+Inf" })).toBeGreaterThanOrEqual(1);
  expect(await value("consumer_events_total", { outcome: "handled" })).toBe(20);
  expect(await value("consumer_handler_seconds", { le: "+Inf", event_type: "ThingHappened" })).toBe(20);
  expect(await value("consumer_lag_messages", { topic, partition: "0" })).toBe(0);
  const text = await register.metrics();
  expect(text).toContain("# HELP outbox_backlog_messages");
  expect(text).toContain("# HELP consumer_dead_lettered_total");
});
