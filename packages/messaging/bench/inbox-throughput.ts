/**
 * Inbox consumer throughput: N events already in a topic (3 partitions), consumed by consume()
 * with a handler that inserts one row per event; next to a bare subscription that only counts.
 * Usage: KAFKA_BROKERS=... KAFKA_USERNAME=admin KAFKA_PASSWORD=... DATABASE_URL=postgres://.../db tsx packages/messaging/bench/inbox-throughput.ts
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { consume, migrate, type Codec } from "../src/index";
import { connectPublisher, ensureTopics, subscribe } from "../src/kafka";

const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/order";
const count = Number(process.env.N ?? 20_000);
const concurrency = Number(process.env.PARTITIONS_AT_ONCE ?? 1);
const kafka = { brokers, clientId: "bench-inbox", credentials: { username: process.env.KAFKA_USERNAME ?? "admin", password: process.env.KAFKA_PASSWORD ?? "" } };
const codec: Codec = { encode: async (_t, event) => Buffer.from(JSON.stringify(event)), decode: async (value) => JSON.parse(String(value)) };

async function fill(topic: string): Promise<void> {
  await ensureTopics(kafka, [topic], 3);
  const publisher = await connectPublisher(kafka);
  for (let i = 0; i < count; i += 1000) {
    const messages = await Promise.all(Array.from({ length: Math.min(1000, count - i) }, async (_, j) => {
      const event = { eventId: randomUUID(), eventType: "BenchHappened", n: i + j };
      return { topic, key: `key-${(i + j) % 100}`, value: await codec.encode(topic, event), headers: {} };
    }));
    await publisher.send(messages);
  }
  await publisher.disconnect();
}

async function timed(label: string, run: (done: () => void) => Promise<() => Promise<void>>): Promise<number> {
  const started = performance.now();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const stop = await run(finish);
  await finished;
  const rate = count / ((performance.now() - started) / 1000);
  await stop();
  console.log(`${label}: ${Math.round(rate)} events/s`);
  return rate;
}

async function main() {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  await migrate(pool);
  await pool.query("CREATE TABLE IF NOT EXISTS bench_effects (event_id uuid, n int)");
  const topic = `bench-inbox-${randomUUID().slice(0, 8)}`;
  await fill(topic);
  let seen = 0;
  await timed("bare kafkajs subscription", async (done) => {
    const subscription = await subscribe({ ...kafka, groupId: `bare-${randomUUID()}`, topics: [topic], maxWaitTimeInMs: 100,
      partitionsConsumedConcurrently: concurrency,
      onBatch: async (batch) => ((seen += batch.messages.length) >= count && done(), batch.messages.length) });
    return () => subscription.stop();
  });
  await timed(`inbox consume() with one INSERT per event, ${concurrency} partition(s) at once`, async (done) => {
    const consumer = await consume<{ eventId: string; eventType: string; n: number }>({
      kafka, pool, codec, groupId: `inbox-${randomUUID()}`, topics: [topic], maxWaitTimeInMs: 100, partitionsConsumedConcurrently: concurrency,
      handler: async (event, { tx }) => {
        await tx.query("INSERT INTO bench_effects VALUES ($1, $2)", [event.eventId, event.n]);
      },
    });
    const timer = setInterval(() => consumer.status().handled >= count && done(), 5);
    return async () => (clearInterval(timer), consumer.stop());
  });
  await pool.end();
}

void main();
