/**
 * Outbox → consumer latency at a steady rate, with NOTIFY and with polling only: writers commit
 * one event per transaction at RATE events/s; the consumer notes when each arrives.
 * Usage: KAFKA_BROKERS=... DATABASE_URL=postgres://.../db tsx packages/messaging/bench/outbox-latency.ts
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { consume, createOutbox, ensureTopics, migrate, startRelay, withTransaction, type Codec } from "../src/index";

const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/order";
const rate = Number(process.env.RATE ?? 200);
const seconds = Number(process.env.SECONDS ?? 10);
const kafka = { brokers, clientId: "bench-latency" };
const codec: Codec = { encode: async (_t, event) => Buffer.from(JSON.stringify(event)), decode: async (value) => JSON.parse(String(value)) };

async function run(notify: boolean, pollIntervalMs: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 8 });
  await pool.query("TRUNCATE outbox, processed_events");
  const topic = `bench-latency-${randomUUID().slice(0, 8)}`;
  await ensureTopics(kafka, [topic], 3);
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  const consumer = await consume({
    kafka, pool, codec, groupId: "bench", topics: [topic], maxWaitTimeInMs: 100,
    handler: async (event) => void latencies.push(performance.now() - committedAt.get(event.eventId)!),
  });
  const relay = startRelay({ databaseUrl, kafka, pollIntervalMs });
  const outbox = createOutbox({ codec, notify });
  const total = rate * seconds;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: 4 }, async (_, writer) => {
    for (let i = writer; i < total; i += 4) {
      const due = started + (i * 1000) / rate;
      if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
      const event = { eventId: randomUUID(), eventType: "BenchHappened" };
      await withTransaction(pool, (tx) => outbox.add(tx, event, { topic, key: `key-${i % 50}` }));
      committedAt.set(event.eventId, performance.now());
    }
  }));
  while (latencies.length < total) await new Promise((resolve) => setTimeout(resolve, 20));
  const { user, system } = process.cpuUsage(cpu);
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  console.log(`notify=${notify} poll=${pollIntervalMs}ms: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, node CPU ${Math.round((user + system) / 10_000 / ((performance.now() - started) / 1000))} %`);
  await relay.stop();
  await consumer.stop();
  await pool.end();
}

async function main() {
  const pool = new pg.Pool({ connectionString: databaseUrl });
  await migrate(pool);
  await pool.end();
  await run(true, 250);
  await run(false, 50);
  await run(false, 250);
}

void main();
