/**
 * The event map: each event order consumes reaches its use case through eventHandler, in the
 * inbox's transaction, and the events order has no use for change nothing.
 */
import { randomUUID } from "node:crypto";
import { examples, type EventType, type ShopEvent } from "@shop/contracts";
import { silentLogger, withTransaction } from "@shop/messaging";
import { testDatabase, type TestDatabase } from "@shop/service-kit/testing";
import { catalog, upsertProducts } from "./db";
import { eventHandler } from "./events";
import { getOrder, placeOrder } from "./orders";
import { testKeks, validOrderBody } from "./testing";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let db: TestDatabase;
let handle: ReturnType<typeof eventHandler>;

beforeAll(async () => {
  db = await testDatabase("order");
  handle = eventHandler({ outbox: db.outbox, logger: silentLogger });
  await withTransaction(db.pool, (tx) => upsertProducts(tx, [{ sku: "TEE-1", name: "T-shirt", price: 1500 }]));
});
afterAll(() => db.drop());

/** Handles the events the way the inbox consumer does: as one batch, in a transaction. */
const deliver = (events: ShopEvent[]) => withTransaction(db.pool, (tx) =>
  handle(events.map((event, i) => ({ event, traceContext: undefined, headers: {}, topic: "test", partition: 0, offset: String(i) })), tx));

/** An event of `orderId`, as its producer would write it (contracts' examples, a new id); a capture is of the total. */
const fact = (eventType: EventType, orderId: string): ShopEvent =>
  ({ ...examples[eventType], eventId: randomUUID(), orderId, ...(eventType === "PaymentCaptured" ? { amount: 1500 } : {}) }) as ShopEvent;

/** A new order of one TEE-1 (total 1500), PENDING. */
async function newOrder(): Promise<string> {
  const { orderId } = await placeOrder({ pool: db.pool, outbox: db.outbox, keks: testKeks, sagaTimeoutMs: 30_000 }, validOrderBody);
  return orderId;
}

test.each([
  ["StockReserved", [], "StockReserved", { status: "RESERVED" }],
  ["StockReservationFailed", [], "StockReservationFailed", { status: "CANCELLED", reason: "out_of_stock" }],
  ["PaymentCaptured", ["StockReserved"], "PaymentCaptured", { status: "PAID" }],
  ["PaymentFailed", ["StockReserved"], "PaymentFailed", { status: "CANCELLED", reason: "payment_declined" }],
  ["ShipmentScheduled", ["StockReserved", "PaymentCaptured"], "ShipmentScheduled", { status: "CONFIRMED" }],
  ["ShipmentFailed", ["StockReserved", "PaymentCaptured"], "ShipmentFailed", { status: "CANCELLED", reason: "fulfillment_failed" }],
] as const)("when %s arrives (after %j), then the order moves on as the saga's table says", async (_name, before, eventType, expected) => {
  const orderId = await newOrder();
  for (const earlier of before) await deliver([fact(earlier, orderId)]);
  await deliver([fact(eventType, orderId)]);
  expect(await getOrder(db.pool, orderId)).toMatchObject(expected);
});

test.each(["StockReleased", "StockCommitted", "PaymentRefunded"] as const)("when %s arrives, then nothing changes: order has no use for it", async (eventType) => {
  const orderId = await newOrder();
  await deliver([fact(eventType, orderId)]);
  const order = await getOrder(db.pool, orderId);
  expect(order).toMatchObject({ status: "PENDING" });
  expect(order!.history.map((entry) => entry.eventType)).toEqual(["OrderPlaced"]);
  expect((await db.outboxEvents(orderId)).map((event) => event.eventType)).toEqual(["OrderPlaced"]);
});

test("when ProductListed arrives, then the product and its price are in order's catalogue", async () => {
  const sku = `SKU-${randomUUID().slice(0, 8)}`;
  await deliver([{ ...examples.ProductListed, eventId: randomUUID(), sku, name: "Scarf", price: 2500 }]);
  expect(await catalog(db.pool)).toEqual(expect.arrayContaining([expect.objectContaining({ sku, name: "Scarf", price: 2500 })]));
});
