/**
 * The inbox consumer against real Kafka, registry and PostgreSQL: duplicates, poison messages,
 * transient and permanent handler failures, and what commits together.
 */
import { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import { waitFor } from "@shop/infra";
import type { Codec } from "./codec";
import { consume, type Consumer, type ConsumeOptions } from "./consumer";
import { dlqHeaders } from "./dead-letter";
import { RetriableError } from "./errors";
import type { PoolClient } from "pg";
import type { HandlerContext, ReceivedEvent } from "./inbox";
import { connectPublisher, groupPosition, type OutgoingMessage, type Publisher } from "./kafka";
import { createOutbox } from "./outbox";
import { env, freshDatabase, freshTopic, kafkaConfig, readTopic, testCodec, testSchemaIds, thing, type ThingHappened } from "./testing";

// Real Kafka and PostgreSQL: a consumer group join and a fetch take seconds on a loaded machine (a waitFor gives up after 15 s).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let codec: Codec;
let publisher: Publisher;
let db: Awaited<ReturnType<typeof freshDatabase>>;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  codec = await testCodec();
  publisher = await connectPublisher(kafkaConfig("consumer-test-producer"));
});
afterAll(() => publisher.disconnect());
beforeEach(async () => {
  db = await freshDatabase();
  // No unique constraint on purpose: an effect applied twice shows up as two rows.
  await db.pool.query("CREATE TABLE effects (event_id uuid NOT NULL, key text NOT NULL, sequence int NOT NULL, tx bigint NOT NULL DEFAULT txid_current())");
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await db.drop();
});

const recordEffect = async (event: ThingHappened, { tx }: HandlerContext) => {
  await tx.query("INSERT INTO effects (event_id, key, sequence) VALUES ($1, $2, $3)", [event.eventId, event.key, event.sequence]);
};

async function start(topic: string, options: Partial<ConsumeOptions<ThingHappened>> = {}): Promise<Consumer> {
  const consumer = await consume<ThingHappened>({
    kafka: kafkaConfig("consumer-test"), pool: db.pool, codec, groupId: "consumer-test", topics: [topic],
    handler: recordEffect, maxWaitTimeInMs: 200, backoff: { initialMs: 20, maxMs: 200 }, ...options,
  });
  cleanups.push(() => consumer.stop());
  return consumer;
}

async function encoded(topic: string, event: ThingHappened, headers: Record<string, string> = {}): Promise<OutgoingMessage> {
  return { topic, key: event.key, value: await codec.encode(topic, event), headers };
}

async function committedOffset(topic: string): Promise<number> {
  const [position] = await groupPosition(kafkaConfig("consumer-test-admin"), "consumer-test", topic);
  return position!.next;
}

const effects = async () =>
  (await db.pool.query<{ sequence: number }>("SELECT sequence FROM effects ORDER BY sequence")).rows.map((row) => row.sequence);

test("when the same event arrives twice, then its effect happens once and the copy is skipped", async () => {
  const topic = await freshTopic("inbox-duplicate");
  const [first, second] = [thing("k", 1), thing("k", 2)];
  await publisher.send([await encoded(topic, first), await encoded(topic, first), await encoded(topic, second)]);
  await publisher.send([await encoded(topic, second)]); // a later copy, likely in another batch
  const consumer = await start(topic);

  await waitFor("four messages to be consumed", () => consumer.status().handled + consumer.status().duplicates === 4);
  expect(consumer.status()).toMatchObject({ handled: 2, duplicates: 2, deadLettered: 0 });
  expect(await effects()).toEqual([1, 2]);
});

test("when a poison message and a schema-invalid one arrive, then both are dead-lettered with the reason and the next good one is handled", async () => {
  const topic = await freshTopic("inbox-poison");
  const ids = await testSchemaIds();
  const registry = new SchemaRegistry({ host: env.schemaRegistry.url, auth: env.schemaRegistry.auth });
  const notAnEvent = await registry.encode(ids.NotAnEvent!, { eventType: "ThingHappened", note: "no eventId" });
  const poison = Buffer.from("plain text, not the wire format");
  await publisher.send([
    await encoded(topic, thing("k", 1)),
    { topic, key: "k", value: poison, headers: { origin: "test" } },
    { topic, key: "k", value: notAnEvent, headers: {} },
    await encoded(topic, thing("k", 2)),
  ]);
  const dlq = await readTopic(`${topic}.dlq`);
  cleanups.push(() => dlq.stop());
  await start(topic);

  await waitFor("two dead letters", () => dlq.messages.length >= 2);
  await waitFor("both good events handled", async () => (await effects()).length === 2);
  expect(await effects()).toEqual([1, 2]);
  const [undecodable, invalid] = dlq.messages;
  expect(undecodable!.value).toEqual(poison);
  expect(undecodable!.key?.toString()).toBe("k");
  expect(undecodable!.headers).toMatchObject({
    origin: "test", [dlqHeaders.kind]: "undecodable", [dlqHeaders.topic]: topic, [dlqHeaders.offset]: "1", [dlqHeaders.group]: "consumer-test",
  });
  expect(undecodable!.headers[dlqHeaders.error]).toMatch(/magic byte/);
  expect(undecodable!.headers[dlqHeaders.partition]).toMatch(/^[0-2]$/);
  expect(Date.parse(undecodable!.headers[dlqHeaders.failedAt]!)).not.toBeNaN();
  expect(invalid!.value).toEqual(notAnEvent);
  expect(invalid!.headers).toMatchObject({ [dlqHeaders.kind]: "invalid", [dlqHeaders.offset]: "2" });
  expect(invalid!.headers[dlqHeaders.error]).toMatch(/eventId must be a UUID/);
});

test("when an event on a topic names a producer that does not own it, then it is dead-lettered with the reason and the owner's next event is handled", async () => {
  const topic = await freshTopic("inbox-producer");
  const produced = (sequence: number, producer: string) => ({ ...thing("k", sequence), eventType: "ProducedThing" as const, producer });
  const impostor = produced(1, "order");
  await publisher.send([
    { topic, key: "k", value: await codec.encode(topic, impostor), headers: {} },
    { topic, key: "k", value: await codec.encode(topic, produced(2, "payment")), headers: {} },
  ]);
  const dlq = await readTopic(`${topic}.dlq`);
  cleanups.push(() => dlq.stop());
  await start(topic, { topicOwners: { [topic]: "payment" } });

  await waitFor("the impostor dead-lettered", () => dlq.messages.length >= 1);
  await waitFor("the owner's event handled", async () => (await effects()).length === 1);
  expect(await effects()).toEqual([2]);
  expect(dlq.messages).toHaveLength(1);
  expect(dlq.messages[0]!.headers).toMatchObject({ [dlqHeaders.kind]: "wrong-producer", [dlqHeaders.topic]: topic, [dlqHeaders.offset]: "0" });
  expect(dlq.messages[0]!.headers[dlqHeaders.error]).toBe(
    `wrong producer: ProducedThing ${impostor.eventId} on topic ${topic} names producer "order", but the topic's owner is "payment"`);
});

test("when a consumer checks producers but a topic it reads has no owner, then it does not start", async () => {
  const topic = await freshTopic("inbox-no-owner");
  await expect(start(topic, { topicOwners: { elsewhere: "payment" } })).rejects.toThrow(`topicOwners names no owner for ${topic}`);
});

test("when the handler's database connection is killed, then the batch is retried and every effect happens once", async () => {
  const topic = await freshTopic("inbox-connection-killed");
  let killed = false;
  const consumer = await start(topic, {
    handler: async (event, context) => {
      await recordEffect(event, context);
      if (event.sequence === 2 && !killed) {
        killed = true; // a real transient database error: the server ends this session mid-transaction
        await context.tx.query("SELECT pg_terminate_backend(pg_backend_pid())");
      }
    },
  });
  await publisher.send(await Promise.all([1, 2, 3].map((n) => encoded(topic, thing("k", n)))));

  await waitFor("three effects", async () => (await effects()).length >= 3);
  expect(killed).toBe(true);
  expect(await effects()).toEqual([1, 2, 3]);
  expect(consumer.status()).toMatchObject({ handled: 3, deadLettered: 0 });
  expect(consumer.status().retries).toBeGreaterThanOrEqual(1);
});

test("when a handler hits a serialization failure, then it is retried and its writes, outbox rows included, happen once", async () => {
  const topic = await freshTopic("inbox-serialization");
  const outbox = createOutbox({ codec, notify: false });
  let calls = 0;
  const consumer = await start(topic, {
    handler: async (event, context) => {
      await recordEffect(event, context);
      await outbox.add(context.tx, { ...thing(event.key, event.sequence + 100) }, { topic: "elsewhere", key: event.key, traceContext: context.traceContext });
      if (++calls === 1) await context.tx.query("DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '40001'; END $$");
    },
  });
  const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  await publisher.send([await encoded(topic, thing("k", 1), { traceparent })]);

  await waitFor("the effect", async () => (await effects()).length >= 1);
  expect(calls).toBe(2);
  expect(await effects()).toEqual([1]);
  const { rows } = await db.pool.query("SELECT headers FROM outbox");
  expect(rows).toEqual([{ headers: { traceparent } }]); // one row, continuing the trace of the message
  expect(consumer.status()).toMatchObject({ handled: 1, deadLettered: 0, retries: 1 });
});

test("when a handler keeps failing with a retriable error, then the event is dead-lettered after maxAttempts and the others are handled once", async () => {
  const topic = await freshTopic("inbox-exhausted");
  let attempts = 0;
  const consumer = await start(topic, {
    maxAttempts: 3,
    handler: async (event, context) => {
      if (event.sequence === 2) {
        attempts++;
        throw new RetriableError("payment provider timed out");
      }
      await recordEffect(event, context);
    },
  });
  await publisher.send(await Promise.all([1, 2, 3].map((n) => encoded(topic, thing("k", n)))));

  await waitFor("a dead letter", () => consumer.status().deadLettered === 1);
  await waitFor("the other effects", async () => (await effects()).length === 2);
  expect(await effects()).toEqual([1, 3]);
  expect(attempts).toBe(3); // once in the batch, then twice alone: 3 in all
  const dlq = await readTopic(`${topic}.dlq`);
  cleanups.push(() => dlq.stop());
  await waitFor("the dead letter", () => dlq.messages.length === 1);
  expect(dlq.messages[0]!.headers).toMatchObject({ [dlqHeaders.kind]: "retries-exhausted", [dlqHeaders.error]: "payment provider timed out" });
});

test("when a handler fails with a permanent error, then the event is dead-lettered without retries", async () => {
  const topic = await freshTopic("inbox-permanent");
  let attempts = 0;
  const consumer = await start(topic, {
    handler: async (event, context) => {
      if (event.sequence === 1) {
        attempts++;
        throw new TypeError("cannot read properties of undefined");
      }
      await recordEffect(event, context);
    },
  });
  await publisher.send(await Promise.all([1, 2].map((n) => encoded(topic, thing("k", n)))));

  await waitFor("the good effect", async () => (await effects()).length === 1);
  expect(consumer.status()).toMatchObject({ handled: 1, deadLettered: 1, retries: 0 });
  expect(attempts).toBe(1);
});

test("when the consumer stops while an event waits for its next attempt, then stop returns promptly and the next consumer handles the event once", async () => {
  const topic = await freshTopic("inbox-stop");
  let failing = true;
  let attempts = 0;
  const handler = async (event: ThingHappened, context: HandlerContext) => {
    attempts++;
    if (failing) throw new RetriableError("downstream busy");
    await recordEffect(event, context);
  };
  const first = await start(topic, { handler, backoff: { initialMs: 60_000, maxMs: 60_000 } });
  await publisher.send([await encoded(topic, thing("k", 1))]);
  await waitFor("the first attempt", () => attempts >= 1);

  const stopping = Date.now();
  await first.stop();
  expect(Date.now() - stopping).toBeLessThan(10_000); // not the 30-60 s backoff
  failing = false;
  const second = await start(topic, { handler });
  await waitFor("the effect", () => second.status().handled === 1);
  expect(await effects()).toEqual([1]);
});

test("when one fetched batch holds a duplicate, a poison message and a failing event in the middle, then the good events commit in two transactions, each once and in order, and both bad ones are dead-lettered", async () => {
  const topic = await freshTopic("inbox-mixed-batch", 1);
  const [e1, e2, e3, e4, e5] = [1, 2, 3, 4, 5].map((n) => thing("k", n));
  const poison = Buffer.from("not the wire format");
  // One send: one record batch in the log, fetched as one batch by a consumer that starts afterwards.
  await publisher.send([
    await encoded(topic, e1!), await encoded(topic, e2!), await encoded(topic, e1!), { topic, key: "k", value: poison, headers: {} },
    await encoded(topic, e3!), await encoded(topic, e4!), await encoded(topic, e5!),
  ]);
  const dlq = await readTopic(`${topic}.dlq`);
  cleanups.push(() => dlq.stop());
  let failures = 0;
  const consumer = await start(topic, {
    handler: async (event, context) => {
      if (event.sequence === 3) {
        failures++;
        throw new TypeError("a bug in the handler"); // permanent: no retries
      }
      await recordEffect(event, context);
    },
  });

  await waitFor("two dead letters", () => dlq.messages.length >= 2);
  await waitFor("four effects", async () => (await effects()).length >= 4);
  expect(await effects()).toEqual([1, 2, 4, 5]);
  expect(consumer.status()).toMatchObject({ handled: 4, duplicates: 1, deadLettered: 2, retries: 0 });
  expect(failures).toBe(1);
  expect(dlq.messages.map((m) => m.headers[dlqHeaders.kind])).toEqual(["undecodable", "handler"]);
  expect(dlq.messages[1]!.headers[dlqHeaders.offset]).toBe("4");
  // Before the failing event in one transaction, after it in another: not one transaction per event.
  const { rows } = await db.pool.query<{ tx: string; sequences: number[] }>(
    "SELECT tx, array_agg(sequence ORDER BY sequence) AS sequences FROM effects GROUP BY tx ORDER BY min(sequence)");
  expect(rows.map((row) => row.sequences)).toEqual([[1, 2], [4, 5]]);
});

/** A batch handler: every event's effect with ONE statement, as services' handleBatch write. */
const recordEffects = async (events: ReceivedEvent<ThingHappened>[], tx: PoolClient) => {
  await tx.query("INSERT INTO effects (event_id, key, sequence) SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[])",
    [events.map(({ event }) => event.eventId), events.map(({ event }) => event.key), events.map(({ event }) => event.sequence)]);
};

/**
 * recordEffects that also notes each call's sequences in `calls`; with `failOn`, it throws a
 * permanent error (a bug) for any batch holding that sequence, after writing (rolled back).
 */
function recordingBatchHandler(calls: number[][], { failOn }: { failOn?: number } = {}) {
  return async (received: ReceivedEvent<ThingHappened>[], tx: PoolClient) => {
    calls.push(received.map(({ event }) => event.sequence));
    await recordEffects(received, tx);
    if (received.some(({ event }) => event.sequence === failOn)) throw new TypeError("a bug in the handler"); // permanent
  };
}

test("when a batch handler is given a fetched batch, then it is called once with the new events in order, and their effects commit in one transaction", async () => {
  const topic = await freshTopic("inbox-batch-handler", 1);
  const events = [1, 2, 3, 4].map((n) => thing("k", n));
  await publisher.send([...await Promise.all(events.map((event) => encoded(topic, event))), await encoded(topic, events[1]!)]);
  const calls: number[][] = [];
  const consumer = await start(topic, { handler: undefined, handleBatch: recordingBatchHandler(calls) });

  await waitFor("five messages consumed", () => consumer.status().handled + consumer.status().duplicates === 5);
  expect(calls).toEqual([[1, 2, 3, 4]]); // the copy of event 2 is a duplicate: not handed over
  expect(consumer.status()).toMatchObject({ handled: 4, duplicates: 1 });
  const { rows } = await db.pool.query<{ transactions: number }>("SELECT count(DISTINCT tx)::int AS transactions FROM effects");
  expect(rows[0]!.transactions).toBe(1);
  expect(await effects()).toEqual([1, 2, 3, 4]);
});

test("when a batch handler fails on a batch with a duplicate and a poison message, then its events go again one per transaction: the failing one is dead-lettered, every other effect happens once", async () => {
  const topic = await freshTopic("inbox-batch-handler-failure", 1);
  const [e1, e2, e3, e4, e5] = [1, 2, 3, 4, 5].map((n) => thing("k", n));
  await publisher.send([
    await encoded(topic, e1!), await encoded(topic, e2!), await encoded(topic, e1!), { topic, key: "k", value: Buffer.from("poison"), headers: {} },
    await encoded(topic, e3!), await encoded(topic, e4!), await encoded(topic, e5!),
  ]);
  const dlq = await readTopic(`${topic}.dlq`);
  cleanups.push(() => dlq.stop());
  const calls: number[][] = [];
  const consumer = await start(topic, { handler: undefined, handleBatch: recordingBatchHandler(calls, { failOn: 3 }) });

  await waitFor("two dead letters", () => dlq.messages.length >= 2);
  await waitFor("four effects", async () => (await effects()).length >= 4);
  expect(await effects()).toEqual([1, 2, 4, 5]);
  expect(calls).toEqual([[1, 2, 3, 4, 5], [1], [2], [3], [4], [5]]);
  expect(dlq.messages.map((m) => m.headers[dlqHeaders.kind])).toEqual(["undecodable", "handler"]);
  expect(dlq.messages[1]!.headers[dlqHeaders.offset]).toBe("4");
  expect(consumer.status()).toMatchObject({ handled: 4, duplicates: 1, deadLettered: 2, retries: 0 });
});

test("when consume() is given both a handler and handleBatch, then it refuses to start and says to pass one", async () => {
  const topic = await freshTopic("inbox-two-handlers");
  await expect(start(topic, { handleBatch: recordEffects })).rejects.toThrow(/either `handler`.*or `handleBatch`/);
});

test("when events are handled, then their offsets are committed within the commit interval, and a new consumer of the group starts after them", async () => {
  const topic = await freshTopic("inbox-offsets", 1);
  await publisher.send(await Promise.all([1, 2, 3].map((n) => encoded(topic, thing("k", n)))));
  const first = await start(topic, { commitIntervalMs: 200 });
  await waitFor("three effects", async () => (await effects()).length === 3);
  await waitFor("the offsets to be committed", async () => (await committedOffset(topic)) === 3);
  await first.stop();

  await publisher.send([await encoded(topic, thing("k", 4))]);
  const second = await start(topic, { commitIntervalMs: 200 });
  await waitFor("the fourth effect", async () => (await effects()).length === 4);
  expect(second.status()).toMatchObject({ handled: 1, duplicates: 0 }); // nothing before offset 3 came again
});
