/**
 * Relay throughput against a plain producer with the same settings, on the same broker:
 *   1. plain: N pre-encoded messages sent in batches of 500 with the relay's producer settings;
 *   2. relay: the same N messages as outbox rows, published by startRelay.
 * Usage: KAFKA_BROKERS=... DATABASE_URL=postgres://.../db tsx packages/messaging/bench/relay-throughput.ts
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { connectPublisher, ensureTopics, type OutgoingMessage } from "../src/kafka";
import { migrate } from "../src/migrations";
import { startRelay } from "../src/relay";

const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/order";
const count = Number(process.env.N ?? 20_000);
const batchSize = Number(process.env.BATCH ?? 500);
const payload = Buffer.alloc(120, 7);
const kafka = { brokers, clientId: "bench" };

async function plain(topic: string): Promise<number> {
  const publisher = await connectPublisher(kafka);
  const messages: OutgoingMessage[] = Array.from({ length: count }, (_, i) => ({
    topic, key: `key-${i % 100}`, value: payload, headers: { "event-type": "BenchHappened", "event-id": randomUUID() },
  }));
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i += batchSize) await publisher.send(messages.slice(i, i + batchSize));
  const seconds = (performance.now() - started) / 1000;
  report("plain", cpu, seconds);
  await publisher.disconnect();
  return count / seconds;
}

async function relay(topic: string, pool: pg.Pool): Promise<number> {
  const insert = (n: number) => pool.query(
    `INSERT INTO outbox (topic, key, event_id, event_type, payload, headers)
       SELECT $1, 'key-' || (g % 100), gen_random_uuid(), 'BenchHappened', $2, '{}' FROM generate_series(1, $3) g`,
    [topic, payload, n],
  );
  const waitUntil = async (published: number) => {
    while (running.status().published < published) await new Promise((resolve) => setTimeout(resolve, 2));
  };
  await pool.query("TRUNCATE outbox");
  // Warm up: the relay leads and its producer is connected before the clock starts.
  const running = startRelay({ databaseUrl, kafka, batchSize, pollIntervalMs: 10, retainPublishedMs: Number(process.env.RETAIN_MS ?? 0) });
  await insert(1);
  await waitUntil(1);
  await insert(count); // one transaction: the relay sees the rows when it commits, and the clock starts
  const started = performance.now();
  const cpu = process.cpuUsage();
  await waitUntil(count + 1);
  const seconds = (performance.now() - started) / 1000;
  report("relay", cpu, seconds);
  await running.stop();
  return count / seconds;
}

function report(label: string, since: NodeJS.CpuUsage, seconds: number) {
  const { user, system } = process.cpuUsage(since);
  if (process.env.CPU) console.log(`  ${label}: node CPU ${Math.round((user + system) / 10_000 / seconds)} % of one core`);
}

async function main() {
  const pool = new pg.Pool({ connectionString: databaseUrl });
  await migrate(pool);
  const rounds = Number(process.env.ROUNDS ?? 3);
  for (let round = 1; round <= rounds; round++) {
    const topic = `bench-relay-${randomUUID().slice(0, 8)}`;
    await ensureTopics(kafka, [topic], 3);
    const direct = await plain(topic);
    const relayed = await relay(topic, pool);
    console.log(`round ${round}: plain producer ${Math.round(direct)} msg/s, relay ${Math.round(relayed)} msg/s, ratio ${(relayed / direct).toFixed(2)}`);
  }
  await pool.end();
}

void main();
