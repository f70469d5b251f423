/** The event map: each consumed event type reaches its use case, in the inbox transaction. */
import { randomUUID } from "node:crypto";
import { newEvent, type ShopEvent } from "@shop/contracts";
import { withTransaction, type HandlerContext } from "@shop/messaging";
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

/** Handles the event the way the inbox consumer does: in a transaction. */
const deliver = (event: ShopEvent) => withTransaction(db.pool, (tx) => {
  const context: HandlerContext = { tx, traceContext: undefined, headers: {}, topic: "test", partition: 0, offset: "0" };
  return handle(event, context);
});

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
