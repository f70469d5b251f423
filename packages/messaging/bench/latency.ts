/**
 * Latency at a steady rate: `rate` events/s for `seconds` s from 4 concurrent writers, open loop
 * (event i is due at start + i/rate, however long the ones before took), after a warm-up of
 * `warmUpSeconds` whose events are not counted (JIT, connections, consumer group join).
 *   - plain: from just before producer.send() to a bare consumer (kafka.ts subscribe) getting it;
 *   - outbox: from the COMMIT of the business transaction that adds the outbox row to the inbox
 *     handler of consume() getting the event; the relay between them, woken by NOTIFY.
 * Both use the same producer settings and fetch settings, so the difference is the outbox path.
 * Events are JSON-encoded: the schema registry is not part of what is measured.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Codec } from "../src/codec";
import { consume } from "../src/consumer";
import type { Event } from "../src/event";
import { connectPublisher, ensureTopics, subscribe, type KafkaConfig } from "../src/kafka";
import { createOutbox } from "../src/outbox";
import { startRelay } from "../src/relay";
import { sleep } from "../src/retry";
import { withTransaction } from "../src/transaction";

export interface LatencySetup {
  kafka: KafkaConfig;
  pool: pg.Pool;
  databaseUrl: string;
  rate: number;
  seconds: number;
  warmUpSeconds: number;
}

/** Publishes one event; resolves to the moment its latency is counted from (performance.now()). */
type Publish = (event: Event, key: string) => Promise<number>;

const writers = 4;
const codec: Codec = { encode: async (_topic, event) => Buffer.from(JSON.stringify(event)), decode: async (value) => JSON.parse(String(value)) };

/** Milliseconds from send to a plain consumer, one per event. */
export async function plainLatency(setup: LatencySetup): Promise<number[]> {
  const { kafka } = setup;
  const topic = await newTopic(kafka, "bench-plain");
  const arrived = new Map<string, number>();
  const subscription = await subscribe({
    ...kafka, groupId: `bench-${randomUUID()}`, topics: [topic],
    onBatch: async ({ messages }) => {
      for (const { headers } of messages) arrive(arrived, headers["event-id"]!);
      return messages.length;
    },
  });
  const publisher = await connectPublisher(kafka);
  try {
    return await measure(setup, arrived, async (event, key) => {
      const value = await codec.encode(topic, event);
      const sentAt = performance.now();
      await publisher.send([{ topic, key, value, headers: { "event-type": event.eventType, "event-id": event.eventId } }]);
      return sentAt;
    });
  } finally {
    await publisher.disconnect();
    await subscription.stop();
  }
}

/**
 * Milliseconds from the outbox commit to the inbox handler, one per event. The defaults are the
 * services' (NOTIFY at commit, poll every 250 ms as a fallback); `notify: false` measures polling only.
 */
export async function outboxLatency(setup: LatencySetup, { notify = true, pollIntervalMs = 250 } = {}): Promise<number[]> {
  const { kafka, pool, databaseUrl } = setup;
  const topic = await newTopic(kafka, "bench-outbox");
  const arrived = new Map<string, number>();
  const consumer = await consume({
    kafka, pool, codec, groupId: `bench-${randomUUID()}`, topics: [topic],
    handler: async (event) => arrive(arrived, event.eventId),
  });
  const relay = startRelay({ databaseUrl, kafka, pollIntervalMs });
  const outbox = createOutbox({ codec, notify });
  try {
    return await measure(setup, arrived, async (event, key) => {
      await withTransaction(pool, (tx) => outbox.add(tx, event, { topic, key }));
      return performance.now(); // committed
    });
  } finally {
    await relay.stop();
    await consumer.stop();
  }
}

async function newTopic(kafka: KafkaConfig, prefix: string): Promise<string> {
  const topic = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureTopics(kafka, [topic], 3);
  return topic;
}

/** The first arrival counts; a redelivered copy would not make an event faster. */
function arrive(arrived: Map<string, number>, eventId: string): void {
  if (!arrived.has(eventId)) arrived.set(eventId, performance.now());
}

async function measure({ rate, seconds, warmUpSeconds }: LatencySetup, arrived: Map<string, number>, publish: Publish): Promise<number[]> {
  await paced(rate, warmUpSeconds, arrived, publish);
  return paced(rate, seconds, arrived, publish);
}

/** Publishes at `rate` for `seconds`, waits until every event arrived, returns their latencies. */
async function paced(rate: number, seconds: number, arrived: Map<string, number>, publish: Publish): Promise<number[]> {
  const startedAt = new Map<string, number>();
  const total = Math.round(rate * seconds);
  const start = performance.now();
  await Promise.all(Array.from({ length: writers }, async (_, writer) => {
    for (let i = writer; i < total; i += writers) {
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      const event = { eventId: randomUUID(), eventType: "BenchHappened" };
      startedAt.set(event.eventId, await publish(event, `key-${i % 50}`));
    }
  }));
  const ids = [...startedAt.keys()];
  for (const deadline = performance.now() + 30_000; !ids.every((id) => arrived.has(id)); await sleep(20)) {
    if (performance.now() > deadline) {
      throw new Error(`${ids.filter((id) => !arrived.has(id)).length} of ${total} events did not arrive within 30 s`);
    }
  }
  return ids.map((id) => arrived.get(id)! - startedAt.get(id)!);
}

/** The q-quantile (0 < q ≤ 1) by nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}
