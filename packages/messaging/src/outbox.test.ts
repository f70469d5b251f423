/** outbox.add against real PostgreSQL: what a row holds, that it belongs to the caller's transaction, and NOTIFY. */
import pg from "pg";
import { waitFor } from "@shop/infra";
import type { Codec } from "./codec";
import { EncodeError } from "./errors";
import { createOutbox, outboxBacklog, outboxChannel } from "./outbox";
import { freshDatabase, testCodec, thing } from "./testing";
import { withTransaction } from "./transaction";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let codec: Codec;
let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  codec = await testCodec();
});
beforeEach(async () => {
  db = await freshDatabase();
});
afterEach(() => db.drop());

test("when an event is added, then its row holds the topic, key, ids, encoded payload and trace context, unpublished", async () => {
  const event = thing("order-1", 1);
  const traceContext = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "shop=1" };
  await withTransaction(db.pool, (tx) => createOutbox({ codec }).add(tx, event, { topic: "orders", key: "order-1", traceContext }));

  const { rows } = await db.pool.query("SELECT topic, key, event_id, event_type, payload, headers, published_at FROM outbox");
  expect(rows).toHaveLength(1);
  const [row] = rows;
  expect(row).toMatchObject({ topic: "orders", key: "order-1", event_id: event.eventId, event_type: "ThingHappened", headers: traceContext, published_at: null });
  expect(await codec.decode(row.payload)).toEqual(event);
  expect(await outboxBacklog(db.pool)).toMatchObject({ count: 1 });
});

test("when an event does not fit its schema, then add throws in the business transaction and nothing is written", async () => {
  const outbox = createOutbox({ codec });
  const adding = withTransaction(db.pool, async (tx) => {
    await outbox.add(tx, thing("k", 1), { topic: "orders", key: "k" });
    await outbox.add(tx, { ...thing("k", 2), sequence: "two" } as never, { topic: "orders", key: "k" });
  });
  await expect(adding).rejects.toThrow(EncodeError);
  expect(await outboxBacklog(db.pool)).toEqual({ count: 0, oldestAgeMs: null });
});

test("when the same event is added twice, then the second add fails (event_id is unique)", async () => {
  const event = thing("k", 1);
  const outbox = createOutbox({ codec });
  await withTransaction(db.pool, (tx) => outbox.add(tx, event, { topic: "orders", key: "k" }));
  await expect(withTransaction(db.pool, (tx) => outbox.add(tx, event, { topic: "orders", key: "k" }))).rejects.toMatchObject({ code: "23505" });
});

/** Notifications on the outbox channel caused by `work`, counted up to a marker sent after it. */
async function notificationsDuring(work: () => Promise<void>): Promise<number> {
  const listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  const payloads: string[] = [];
  listener.on("notification", ({ payload }) => void payloads.push(payload ?? ""));
  await listener.query(`LISTEN ${outboxChannel}`);
  await work();
  // Notifications arrive in commit order: once the marker is here, all of `work`'s are too.
  await db.pool.query(`NOTIFY ${outboxChannel}, 'marker'`);
  await waitFor("the marker", () => payloads.includes("marker"));
  await listener.end();
  return payloads.length - 1;
}

test("when a transaction adds three events, then the relay is notified once, at commit", async () => {
  const outbox = createOutbox({ codec });
  const count = await notificationsDuring(() => withTransaction(db.pool, async (tx) => {
    for (const n of [1, 2, 3]) await outbox.add(tx, thing("k", n), { topic: "orders", key: "k" });
  }));
  expect(count).toBe(1);
});

test("when notify is off, then adding sends no notification (the relay finds the rows by polling)", async () => {
  const outbox = createOutbox({ codec, notify: false });
  const count = await notificationsDuring(() => withTransaction(db.pool, (tx) => outbox.add(tx, thing("k", 1), { topic: "orders", key: "k" })));
  expect(count).toBe(0);
});

test("when a batch handler adds several events with addMany, then one statement writes them in the order given, each with its own trace context", async () => {
  const outbox = createOutbox({ codec });
  const contexts = ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"];
  const events = [thing("b", 1), thing("a", 2), thing("b", 3)];
  const count = await notificationsDuring(() => withTransaction(db.pool, (tx) => outbox.addMany(tx, events.map((event, i) =>
    ({ event, topic: "orders", key: event.key, traceContext: { traceparent: contexts[i % 2]! } })))));

  const { rows } = await db.pool.query("SELECT key, event_id, headers, payload FROM outbox ORDER BY id");
  expect(rows.map((row) => row.event_id)).toEqual(events.map((event) => event.eventId));
  expect(rows.map((row) => row.headers.traceparent)).toEqual([contexts[0], contexts[1], contexts[0]]);
  expect(await Promise.all(rows.map((row) => codec.decode(row.payload)))).toEqual(events);
  expect(count).toBe(1);
});

test("when addMany is given nothing, then it writes nothing and notifies nobody", async () => {
  const outbox = createOutbox({ codec });
  const count = await notificationsDuring(() => withTransaction(db.pool, (tx) => outbox.addMany(tx, [])));
  expect(count).toBe(0);
  expect(await outboxBacklog(db.pool)).toEqual({ count: 0, oldestAgeMs: null });
});

test("when one of addMany's events does not fit its schema, then nothing of the batch is written", async () => {
  const outbox = createOutbox({ codec });
  const adding = withTransaction(db.pool, (tx) => outbox.addMany(tx, [
    { event: thing("k", 1), topic: "orders", key: "k" },
    { event: { ...thing("k", 2), sequence: "two" } as never, topic: "orders", key: "k" },
  ]));
  await expect(adding).rejects.toThrow(EncodeError);
  expect(await outboxBacklog(db.pool)).toEqual({ count: 0, oldestAgeMs: null });
});

test("when the outbox wakes the relay after the commit (wakeRelay), then the insert sends no NOTIFY, and the wake comes once per transaction, after its commit, never after a rollback", async () => {
  const wakes: number[] = [];
  const outbox = createOutbox({ codec, wakeRelay: () => wakes.push(Date.now()) });
  const count = await notificationsDuring(() => withTransaction(db.pool, async (tx) => {
    await outbox.add(tx, thing("k", 1), { topic: "orders", key: "k" });
    await outbox.addMany(tx, [{ event: thing("k", 2), topic: "orders", key: "k" }]);
    expect(wakes).toEqual([]); // not before the commit
  }));
  expect(count).toBe(0);
  expect(wakes).toHaveLength(1);

  await expect(withTransaction(db.pool, async (tx) => {
    await outbox.add(tx, thing("k", 3), { topic: "orders", key: "k" });
    throw new Error("rolled back");
  })).rejects.toThrow("rolled back");
  expect(wakes).toHaveLength(1);
});

test("when an outbox with wakeRelay is used outside withTransaction, then it falls back to the NOTIFY in the statement", async () => {
  const outbox = createOutbox({ codec, wakeRelay: () => { throw new Error("not expected"); } });
  const count = await notificationsDuring(async () => {
    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      await outbox.add(client, thing("k", 1), { topic: "orders", key: "k" });
      await client.query("COMMIT");
    } finally {
      client.release();
    }
  });
  expect(count).toBe(1);
});

