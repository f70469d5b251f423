/** The event map: each consumed event type reaches its use case, in the inbox transaction. */
import { randomUUID } from "node:crypto";
import { newEvent, type ShopEvent } from "@shop/contracts";
import { withTransaction } from "@shop/messaging";
import { statementsDuring } from "@shop/testkit";
import { createLogger } from "@shop/observability";
import { eventHandler } from "./events";
import { seedCatalog } from "./stock";
import { testDatabase, type TestDatabase } from "./testing";

let db: TestDatabase;
let handle: ReturnType<typeof eventHandler>;

beforeAll(async () => {
  db = await testDatabase("inventory");
  handle = eventHandler({ outbox: db.outbox, logger: createLogger("inventory", "silent") });
  await seedCatalog(db.pool, db.outbox, [{ sku: "A", name: "Apple", price: 100, quantity: 10 }]);
});
afterAll(() => db.drop());

/** Handles the events the way the inbox consumer does: as one batch, in a transaction. */
const deliverBatch = (events: ShopEvent[]) => withTransaction(db.pool, (tx) =>
  handle(events.map((event, i) => ({ event, traceContext: undefined, headers: {}, topic: "test", partition: 0, offset: String(i) })), tx));
const deliver = (event: ShopEvent) => deliverBatch([event]);

const producer = { producer: "order" as const };

function placed(orderId: string) {
  return newEvent("OrderPlaced", {
    orderId, customerId: "c-1", items: [{ sku: "A", quantity: 2, unitPrice: 100 }], total: 200, paymentMethod: "tok_visa", couponCode: null,
    shippingAddress: { name: "Ada", line1: "1 Loop Rd", city: "Cambridge", postalCode: "CB1", country: "GB" },
  }, producer);
}

const eventsFor = async (orderId: string) => (await db.outboxEvents(orderId)).map((event) => event.eventType);

test("when OrderPlaced, PaymentCaptured and ShipmentScheduled arrive, then stock is reserved, then committed", async () => {
  const orderId = randomUUID();
  await deliver(placed(orderId));
  await deliver(newEvent("PaymentCaptured", { orderId, paymentId: "p-1", amount: 200 }, { producer: "payment" }));
  await deliver(newEvent("ShipmentScheduled", { orderId, shipmentId: "s-1", carrier: null }, { producer: "warehouse" }));

  expect(await eventsFor(orderId)).toEqual(["StockReserved", "StockCommitted"]);
});

test.each([
  ["PaymentFailed", (orderId: string) => newEvent("PaymentFailed", { orderId, reason: "card declined" }, { producer: "payment" })],
  ["ShipmentFailed", (orderId: string) => newEvent("ShipmentFailed", { orderId, reason: "no carrier" }, { producer: "warehouse" })],
  ["OrderCancelled", (orderId: string) => newEvent("OrderCancelled", { orderId, reason: "timeout", customerEmail: "ada@example.com" }, producer)],
])("when %s arrives for a reserved order, then the stock is released", async (_type, failure) => {
  const orderId = randomUUID();
  await deliver(placed(orderId));
  await deliver(failure(orderId));

  expect(await eventsFor(orderId)).toEqual(["StockReserved", "StockReleased"]);
});

describe("a batch of events at once", () => {
  const order = (orderId: string, sku: string, quantity: number) => newEvent("OrderPlaced", {
    orderId, customerId: "c-1", items: [{ sku, quantity, unitPrice: 100 }], total: 100 * quantity, paymentMethod: "tok_visa", couponCode: null,
    shippingAddress: { name: "Ada", line1: "1 Loop Rd", city: "Cambridge", postalCode: "CB1", country: "GB" },
  }, producer);
  const stockOf = async (sku: string) =>
    (await db.pool.query("SELECT available, reserved, sold FROM products WHERE sku = $1", [sku])).rows[0];

  test("when one batch holds several orders competing for a product, a commit, a release, a redelivery and a cancel that overtook its order, then each ends as one by one would, in nine statements", async () => {
    await db.pool.query("INSERT INTO products (sku, name, price, available) VALUES ('C', 'Cup', 300, 5)");
    const [sold, released, short, late] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const placedSold = order(sold, "C", 2);
    const batch: ShopEvent[] = [
      placedSold,
      order(released, "C", 2),
      order(short, "C", 2), // 1 left after the two before it
      newEvent("ShipmentScheduled", { orderId: sold, shipmentId: "s-1", carrier: null }, { producer: "warehouse" }),
      newEvent("PaymentFailed", { orderId: released, reason: "card declined" }, { producer: "payment" }),
      { ...placedSold, eventId: randomUUID() }, // an OrderPlaced for an order already reserved: nothing
      newEvent("OrderCancelled", { orderId: late, reason: "timeout", customerEmail: "ada@example.com" }, producer),
      order(late, "C", 1), // after its cancellation: reserves nothing
    ];
    const statements = await statementsDuring(db.pool, () => deliverBatch(batch));

    expect(await eventsFor(sold)).toEqual(["StockReserved", "StockCommitted"]);
    expect(await eventsFor(released)).toEqual(["StockReserved", "StockReleased"]);
    expect(await db.outboxEvents(short)).toEqual([expect.objectContaining({ eventType: "StockReservationFailed", sku: "C", reason: "only 1 of C available, 2 asked" })]);
    expect(await eventsFor(late)).toEqual([]);
    expect(await stockOf("C")).toEqual({ available: 3, reserved: 0, sold: 2 });
    expect(statements).toBeLessThanOrEqual(9); // load 4, save 4, outbox 1: not per event
  });

  test("when the same batch releases an order and then places another for the units it gave back, then the second order gets them", async () => {
    await db.pool.query("INSERT INTO products (sku, name, price, available) VALUES ('D', 'Dish', 300, 1)");
    const [first, second] = [randomUUID(), randomUUID()];
    await deliver(order(first, "D", 1));
    await deliverBatch([
      newEvent("OrderCancelled", { orderId: first, reason: "timeout", customerEmail: "ada@example.com" }, producer),
      order(second, "D", 1),
    ]);

    expect(await eventsFor(first)).toEqual(["StockReserved", "StockReleased"]);
    expect(await eventsFor(second)).toEqual(["StockReserved"]);
    expect(await stockOf("D")).toEqual({ available: 0, reserved: 1, sold: 0 });
  });
});
