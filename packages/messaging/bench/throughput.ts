/**
 * Throughput: the same `count` messages (120 bytes, 100 keys, one 3-partition topic) sent two ways.
 *   - plain: a producer with the relay's settings (kafka.ts: idempotent, acks=all, one request
 *     in flight) sends them in batches of 500, one batch after the other;
 *   - relay: they are written first as outbox rows in one transaction, then startRelay publishes them.
 * Each is timed from "the messages are ready" (built / committed) to the last acknowledgement.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { connectPublisher, type KafkaConfig, type OutgoingMessage } from "../src/kafka";
import { outboxChannel } from "../src/outbox";
import { startRelay } from "../src/relay";
import { sleep } from "../src/retry";
import { withTransaction } from "../src/transaction";

export interface ThroughputSetup {
  kafka: KafkaConfig;
  pool: pg.Pool;
  databaseUrl: string;
  topic: string;
  count: number;
}

const batchSize = 500; // the relay's default
const payload = Buffer.alloc(120, 7);

/** Messages per second of a plain producer. */
export async function plainThroughput({ kafka, topic, count }: ThroughputSetup): Promise<number> {
  const publisher = await connectPublisher(kafka);
  try {
    await publisher.send([message(topic, 0)]); // warm-up: connected, producer id and topic metadata fetched
    const messages = Array.from({ length: count }, (_, i) => message(topic, i));
    const started = performance.now();
    for (let i = 0; i < count; i += batchSize) await publisher.send(messages.slice(i, i + batchSize));
    return count / ((performance.now() - started) / 1000);
  } finally {
    await publisher.disconnect();
  }
}

/** The headers the relay adds to every message, so both paths send the same bytes. */
function message(topic: string, i: number): OutgoingMessage {
  return { topic, key: `key-${i % 100}`, value: payload, headers: { "event-type": "BenchHappened", "event-id": randomUUID() } };
}

/** Messages per second of the relay, publishing rows already in the outbox. */
export async function relayThroughput({ kafka, pool, databaseUrl, topic, count }: ThroughputSetup): Promise<number> {
  await pool.query("VACUUM outbox"); // every round starts from the same table, without the last round's dead rows
  const relay = startRelay({ databaseUrl, kafka, batchSize, pipeline: process.env.BENCH_PIPELINE !== "0" });
  const published = async (n: number) => {
    while (relay.status().published < n) await sleep(2);
  };
  try {
    await writeRows(pool, topic, 1); // warm-up: the relay leads and its producer is connected before the clock starts
    await published(1);
    await writeRows(pool, topic, count); // the relay sees all of them at the commit, when the clock starts
    const started = performance.now();
    await published(count + 1);
    return count / ((performance.now() - started) / 1000);
  } finally {
    await relay.stop();
  }
}

/** `n` outbox rows in one transaction, with one NOTIFY, like `outbox.add` n times but without encoding. */
async function writeRows(pool: pg.Pool, topic: string, n: number): Promise<void> {
  await withTransaction(pool, async (tx) => {
    await tx.query(
      `INSERT INTO outbox (topic, key, event_id, event_type, payload, headers)
         SELECT $1, 'key-' || (g % 100), gen_random_uuid(), 'BenchHappened', $2, '{}' FROM generate_series(1, $3) g`,
      [topic, payload, n],
    );
    await tx.query(`NOTIFY ${outboxChannel}`);
  });
}
