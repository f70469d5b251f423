/**
 * The inbox transaction against real PostgreSQL, without Kafka: the deduplication is the
 * database's primary key, so it holds even when two consumers handle the same event at the
 * same moment (kafkajs can run one partition in two consumers for a while after a rebalance).
 */
import type { Event } from "./event";
import { handleInTransaction, HandlerFailed, type Handler, type InboxEntry } from "./inbox";
import { freshDatabase, thing } from "./testing";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeEach(async () => {
  db = await freshDatabase();
  await db.pool.query("CREATE TABLE effects (event_id uuid NOT NULL)");
});
afterEach(() => db.drop());

const entry = (event: Event, offset = "0"): InboxEntry => ({
  event, message: { topic: "t", partition: 0, offset, key: null, value: null, headers: {}, timestamp: "0" },
});
const record: Handler = async (event, { tx }) => void (await tx.query("INSERT INTO effects VALUES ($1)", [event.eventId]));
const effects = async () => Number((await db.pool.query("SELECT count(*) FROM effects")).rows[0].count);

test("when two consumers handle the same events at the same moment, then each effect happens once", async () => {
  const entries = [thing("k", 1), thing("k", 2), thing("k", 3)].map((event) => entry(event));
  const results = await Promise.all([
    handleInTransaction(db.pool, "inventory", entries, record),
    handleInTransaction(db.pool, "inventory", entries, record),
  ]);
  expect(results.map((r) => r.handled).sort()).toEqual([0, 3]);
  expect(results.map((r) => r.duplicates).sort()).toEqual([0, 3]);
  expect(await effects()).toBe(3);
});

test("when an event comes twice in one batch, then the second copy is a duplicate", async () => {
  const event = thing("k", 1);
  expect(await handleInTransaction(db.pool, "inventory", [entry(event, "0"), entry(event, "1")], record)).toEqual({ handled: 1, duplicates: 1 });
  expect(await effects()).toBe(1);
});

test("when two services consume the same event, then each handles it once (the consumer name is part of the key)", async () => {
  const entries = [entry(thing("k", 1))];
  await handleInTransaction(db.pool, "inventory", entries, record);
  await handleInTransaction(db.pool, "analytics", entries, record);
  expect(await effects()).toBe(2);
});

test("when the handler fails on the second event, then nothing of the batch commits and the failure names the event's index", async () => {
  const entries = [entry(thing("k", 1)), entry(thing("k", 2))];
  const failing: Handler = async (event, context) => {
    await record(event, context);
    if (event === entries[1]!.event) throw new Error("no stock table");
  };
  const error = await handleInTransaction(db.pool, "inventory", entries, failing).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(HandlerFailed);
  expect(error).toMatchObject({ index: 1, message: "handler failed: no stock table" });
  expect(await effects()).toBe(0);
  expect(Number((await db.pool.query("SELECT count(*) FROM processed_events")).rows[0].count)).toBe(0);
});
