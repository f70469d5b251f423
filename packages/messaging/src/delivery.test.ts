/**
 * The guarantees end to end, outbox → relay → Kafka → inbox, under the failures they are for:
 * a relay killed at the worst moments, re-delivery, a broker restart, and per-key order at volume.
 * Every effect is a row in `effects` without a unique constraint: applied twice shows as twice.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { kafkaEnv, waitFor } from "@shop/infra";
import type { Codec } from "./codec";
import { consume, type ConsumeOptions, type Consumer } from "./consumer";
import { resetOffsetsToEarliest } from "./kafka";
import { createOutbox, type Outbox } from "./outbox";
import { startRelay, type Relay, type RelayOptions } from "./relay";
import { env, freshDatabase, freshTopic, kafkaConfig, testCodec, thing, type ThingHappened } from "./testing";
import { withTransaction } from "./transaction";

// Real Kafka and PostgreSQL, relays forked and killed: each test waits for several rounds of publish and consume; the tests that stop the broker or the database say how long they may take.
jest.setTimeout(60_000);

let codec: Codec;
let outbox: Outbox;
let db: Awaited<ReturnType<typeof freshDatabase>>;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  codec = await testCodec();
  outbox = createOutbox({ codec });
});
beforeEach(async () => {
  db = await freshDatabase();
  await db.pool.query("CREATE TABLE effects (seen bigserial, event_id uuid NOT NULL, key text NOT NULL, sequence int NOT NULL)");
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await db.drop();
});

function relay(options: Partial<RelayOptions> = {}): Relay {
  const started = startRelay({ databaseUrl: db.url, kafka: kafkaConfig("delivery-relay"), pollIntervalMs: 100, lockRetryMs: 200, ...options });
  cleanups.push(() => started.stop());
  return started;
}

async function consumer(topic: string, options: Partial<ConsumeOptions<ThingHappened>> = {}): Promise<Consumer> {
  const started = await consume<ThingHappened>({
    kafka: kafkaConfig("delivery-consumer"), pool: db.pool, codec, groupId: "delivery", topics: [topic], maxWaitTimeInMs: 200,
    backoff: { initialMs: 50, maxMs: 1000 }, ...options,
    handler: async (event, { tx }) => {
      await tx.query("INSERT INTO effects (event_id, key, sequence) VALUES ($1, $2, $3)", [event.eventId, event.key, event.sequence]);
    },
  });
  cleanups.push(() => started.stop());
  return started;
}

/** Commits the events, `perTransaction` at a time (as business transactions would). */
async function add(topic: string, events: ThingHappened[], perTransaction = 10): Promise<void> {
  for (let i = 0; i < events.length; i += perTransaction) {
    await withTransaction(db.pool, async (tx) => {
      for (const event of events.slice(i, i + perTransaction)) await outbox.add(tx, event, { topic, key: event.key });
    });
  }
}

/** `count` events over `keys` keys, interleaved, each key's sequence numbered 1, 2, 3 ... */
function events(count: number, keys: number): ThingHappened[] {
  return Array.from({ length: count }, (_, i) => thing(`key-${i % keys}`, Math.floor(i / keys) + 1));
}

async function effects(): Promise<{ key: string; sequence: number; eventId: string }[]> {
  const { rows } = await db.pool.query('SELECT key, sequence, event_id AS "eventId" FROM effects ORDER BY seen');
  return rows;
}

/** Every event applied exactly once, and for each key in the order it was written. */
async function expectEachOnceInOrder(expected: ThingHappened[]): Promise<void> {
  const applied = await effects();
  expect(applied.map((e) => e.eventId).sort()).toEqual(expected.map((e) => e.eventId).sort());
  const byKey = new Map<string, number[]>();
  for (const { key, sequence } of applied) byKey.set(key, [...(byKey.get(key) ?? []), sequence]);
  for (const [key, sequences] of byKey) {
    expect({ key, sequences }).toEqual({ key, sequences: expected.filter((e) => e.key === key).map((e) => e.sequence) });
  }
}

const effectCount = async () => Number((await db.pool.query("SELECT count(*) FROM effects")).rows[0].count);
const outboxRows = async () => Number((await db.pool.query("SELECT count(*) FROM outbox")).rows[0].count);

/** A relay in a process of its own (testing-relay-process.ts), to kill or freeze; `exited` resolves with the signal or code. */
function relayProcess(extraEnv: Record<string, string> = {}): { child: ChildProcess; leading: Promise<void>; exited: Promise<string> } {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "testing-relay-process.ts")], {
    cwd: path.resolve(__dirname, "../../.."),
    env: { ...process.env, DATABASE_URL: db.url, KAFKA_BROKERS: env.brokers.join(","), ...kafkaEnv(env.kafkaCredentials("admin")), ...extraEnv },
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.push(async () => void child.kill("SIGKILL"));
  const exited = new Promise<string>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? String(code))));
  const leading = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("leader") && resolve());
    void exited.then((how) => reject(new Error(`the relay process exited (${how}) before it led`)));
  });
  leading.catch(() => {}); // a test that expects the exit does not wait for leadership
  return { child, leading, exited };
}

test("when the leading relay is killed after the business commit and before publishing, then the standby publishes the events and each effect happens once", async () => {
  const topic = await freshTopic("delivery-killed");
  const { child, leading } = relayProcess();
  await leading;
  const standby = relay();
  await consumer(topic);

  child.kill("SIGSTOP"); // frozen: it can no longer publish, but still holds the lock
  const written = events(20, 2);
  await add(topic, written);
  expect(await outboxRows()).toBe(20);
  child.kill("SIGKILL"); // its session ends, and with it the lock

  await waitFor("the standby to lead", () => standby.status().leader, { timeoutMs: 30_000 });
  await waitFor("20 effects", async () => (await effectCount()) >= 20);
  await expectEachOnceInOrder(written);
  expect(standby.status().published).toBe(20);
});

test("when the relay is killed after Kafka has the batch and before its COMMIT, then the rows go again and each effect still happens once", async () => {
  const topic = await freshTopic("delivery-crash-after-send");
  const written = events(10, 2);
  await add(topic, written);
  // This relay SIGKILLs itself the moment Kafka acknowledges its first batch: the claim's DELETE never commits.
  const { exited } = relayProcess({ CRASH_AFTER_SEND: "1" });
  expect(await exited).toBe("SIGKILL");
  expect(await outboxRows()).toBe(10); // PostgreSQL rolled the dead session's transaction back
  const started = await consumer(topic);
  relay();

  await waitFor("20 messages consumed", () => started.status().handled + started.status().duplicates >= 20);
  expect(started.status()).toMatchObject({ handled: 10, duplicates: 10 }); // Kafka had them once from each relay
  await expectEachOnceInOrder(written);
  await waitFor("the outbox to be empty", async () => (await outboxRows()) === 0);
});

test("when the consumer group is reset to the beginning, then every event is delivered again and no effect happens twice", async () => {
  const topic = await freshTopic("delivery-redelivery");
  const written = events(30, 3);
  await add(topic, written);
  relay();
  const first = await consumer(topic);
  await waitFor("30 effects", async () => (await effectCount()) >= 30);
  await first.stop();

  await resetOffsetsToEarliest(kafkaConfig(), "delivery", topic);
  const second = await consumer(topic);
  await waitFor("all 30 delivered again", () => second.status().duplicates >= 30);
  expect(second.status()).toMatchObject({ handled: 0, duplicates: 30 });
  await expectEachOnceInOrder(written);
});

test("when 1,000 events over 10 keys go through the outbox, then each key's events are handled in the order written", async () => {
  const topic = await freshTopic("delivery-order");
  const written = events(1000, 10);
  relay({ batchSize: 64 }); // many relay batches, so order must hold across them
  await consumer(topic, { transactionSize: 50 }); // and many inbox transactions
  await add(topic, written, 7);

  await waitFor("1,000 effects", async () => (await effectCount()) >= 1000, { timeoutMs: 60_000 });
  await expectEachOnceInOrder(written);
}, 90_000); // its wait for the effects is 60 s

test("when the broker stops mid-stream and starts again, then relay and consumer resume: nothing lost, nothing applied twice", async () => {
  const topic = await freshTopic("delivery-broker-restart");
  const written = events(300, 5);
  relay({ backoff: { initialMs: 100, maxMs: 1000 } });
  await consumer(topic);

  await add(topic, written.slice(0, 100));
  await waitFor("some effects", async () => (await effectCount()) > 0);
  await env.stopBroker();
  await add(topic, written.slice(100, 200)); // committed while Kafka is down: waits in the outbox
  expect(await outboxRows()).toBeGreaterThanOrEqual(100);
  await env.startBroker();
  await add(topic, written.slice(200));

  await waitFor("300 effects", async () => (await effectCount()) >= 300, { timeoutMs: 120_000, intervalMs: 500 });
  await expectEachOnceInOrder(written);
}, 180_000); // a broker restart, then up to 120 s for the clients to reconnect and catch up

test("when PostgreSQL restarts mid-stream, then relay and consumer reconnect: nothing lost, nothing applied twice", async () => {
  const topic = await freshTopic("delivery-db-restart");
  const written = events(200, 4);
  const started = relay();
  await consumer(topic);

  await add(topic, written.slice(0, 100));
  await waitFor("some effects", async () => (await effectCount()) > 0);
  await env.restartDatabase();
  await waitFor("the database to take writes again", async () => (await add(topic, written.slice(100)), true), { timeoutMs: 30_000 });

  await waitFor("200 effects", async () => (await effectCount()) >= 200, { timeoutMs: 60_000, intervalMs: 500 });
  await expectEachOnceInOrder(written);
  await waitFor("the relay to lead again", () => started.status().leader);
}, 150_000); // a database restart, then waits of 30 s and 60 s

test("when an event is written with a trace context, then the consumer's handler continues the same trace", async () => {
  const topic = await freshTopic("delivery-trace");
  const traceContext = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "shop=checkout" };
  const seen: unknown[] = [];
  const started = await consume<ThingHappened>({
    kafka: kafkaConfig("delivery-trace"), pool: db.pool, codec, groupId: "trace", topics: [topic], maxWaitTimeInMs: 200,
    handler: async (_event, context) => void seen.push(context.traceContext),
  });
  cleanups.push(() => started.stop());
  relay();
  const event = thing("order-1", 1);
  await withTransaction(db.pool, (tx) => outbox.add(tx, event, { topic, key: event.key, traceContext }));

  await waitFor("the handler", () => seen.length >= 1);
  expect(seen).toEqual([traceContext]);
});
