/** The event map: each consumed event type reaches its use case, in the inbox transaction. */
import { randomUUID } from "node:crypto";
import { newEvent, type ShopEvent } from "@shop/contracts";
import { withTransaction } from "@shop/messaging";
import { statementsDuring } from "@shop/testkit";
import { createLogger } from "@shop/observability";
import { eventHandler } from "./events";
import { seedCatalog } from "./stock";
import { testDatabase, type TestDatabase } from "@shop/service-kit/testing";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

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
  const scheduled = (orderId: string) => newEvent("ShipmentScheduled", { orderId, shipmentId: "s-1", carrier: null }, { producer: "warehouse" });
  const cancelledFor = (orderId: string, reason: "timeout" | "out_of_stock") => newEvent("OrderCancelled", { orderId, reason, customerEmail: "ada@example.com" }, producer);
  const confirmedFor = (orderId: string, quantity: number) =>
    newEvent("OrderConfirmed", { orderId, customerEmail: "ada@example.com", items: [{ sku: "A", quantity, unitPrice: 100 }], total: 100 * quantity }, producer);
  const newProduct = async (available: number) => {
    const sku = `SKU-${randomUUID()}`;
    await db.pool.query("INSERT INTO products (sku, name, price, available) VALUES ($1, 'Cup', 300, $2)", [sku, available]);
    return sku;
  };
  const stockOf = async (sku: string) =>
    (await db.pool.query("SELECT available, reserved, sold FROM products WHERE sku = $1", [sku])).rows[0];
  /** An order's outbox events without what differs from run to run (ids, times): what inventory said, in order. */
  const saidFor = async (orderId: string) => (await db.outboxEvents(orderId)).map(({ eventType, ...event }) =>
    ({ eventType, ...("items" in event ? { items: event.items } : {}), ...("reason" in event ? { reason: event.reason } : {}) }));

  /**
   * Five orders on one product of 5 units, their events interleaved: `earlier` reserved before
   * the batch and sold in it; `sold` placed and sold, its OrderPlaced redelivered; `released`
   * placed and released, its PaymentFailed redelivered; `short` failing (1 left) then cancelled;
   * `late` cancelled before its OrderPlaced; `after` getting the units `released` gave back;
   * `earlier` confirmed, then cancelled by a forged OrderCancelled that must take nothing back.
   */
  async function scenario() {
    const sku = await newProduct(5);
    const [earlier, sold, released, short, late, after] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await deliver(order(earlier, sku, 1));
    const placedSold = order(sold, sku, 2);
    const paymentFailed = newEvent("PaymentFailed", { orderId: released, reason: "card declined" }, { producer: "payment" });
    const batch: ShopEvent[] = [
      placedSold, order(released, sku, 1), scheduled(earlier), order(short, sku, 2), scheduled(sold), paymentFailed,
      placedSold, cancelledFor(late, "timeout"), paymentFailed, order(late, sku, 1), cancelledFor(short, "out_of_stock"), order(after, sku, 1),
      confirmedFor(earlier, 1), cancelledFor(earlier, "timeout"),
    ];
    return { sku, orders: { earlier, sold, released, short, late, after }, batch };
  }
  /** What each order was told, and the stock; the run's own SKU written as "SKU", so two runs compare. */
  async function outcome({ sku, orders }: Awaited<ReturnType<typeof scenario>>) {
    const said: Record<string, unknown> = {};
    for (const [name, orderId] of Object.entries(orders)) said[name] = await saidFor(orderId);
    return JSON.parse(JSON.stringify({ said, stock: await stockOf(sku) }).replaceAll(sku, "SKU"));
  }

  test("when one batch holds several orders' events, interleaved, with redeliveries, then every order and the stock end exactly as one-by-one delivery leaves them, in nine statements", async () => {
    const oneByOne = await scenario();
    for (const event of oneByOne.batch) await deliver(event);
    const atOnce = await scenario();
    const statements = await statementsDuring(db.pool, () => deliverBatch(atOnce.batch));

    expect(await outcome(atOnce)).toEqual(await outcome(oneByOne));
    const { said, stock } = await outcome(atOnce);
    expect(said).toEqual({
      earlier: [{ eventType: "StockReserved", items: [{ sku: "SKU", quantity: 1 }] }, { eventType: "StockCommitted", items: [{ sku: "SKU", quantity: 1 }] }],
      sold: [{ eventType: "StockReserved", items: [{ sku: "SKU", quantity: 2 }] }, { eventType: "StockCommitted", items: [{ sku: "SKU", quantity: 2 }] }],
      released: [{ eventType: "StockReserved", items: [{ sku: "SKU", quantity: 1 }] }, { eventType: "StockReleased", items: [{ sku: "SKU", quantity: 1 }] }],
      short: [{ eventType: "StockReservationFailed", reason: "only 1 of SKU available, 2 asked" }],
      late: [],
      after: [{ eventType: "StockReserved", items: [{ sku: "SKU", quantity: 1 }] }],
    });
    expect(stock).toEqual({ available: 1, reserved: 1, sold: 3 });
    // Lock the orders, read their reservations and releases, lock the product; save the stock,
    // new and moved reservations, releases; one outbox.addMany. The same for 1 event or 1000.
    expect(statements).toBe(9);
  });

  test("when an order is placed, scheduled and cancelled in one batch, then each event sees the one before it: reserved, sold, the sale taken back", async () => {
    const sku = await newProduct(3);
    const orderId = randomUUID();
    await deliverBatch([order(orderId, sku, 2), scheduled(orderId), cancelledFor(orderId, "timeout")]);

    expect((await saidFor(orderId)).map(({ eventType }) => eventType)).toEqual(["StockReserved", "StockCommitted", "StockReleased"]);
    expect(await stockOf(sku)).toEqual({ available: 3, reserved: 0, sold: 0 });
    const { rows } = await db.pool.query("SELECT status FROM reservations WHERE order_id = $1", [orderId]);
    expect(rows).toEqual([{ status: "released" }]);
  });

  test("when an OrderCancelled arrives after OrderConfirmed, in the same batch or a later one, then the sale stays and nothing is released", async () => {
    const sku = await newProduct(4);
    const [sameBatch, laterBatch] = [randomUUID(), randomUUID()];
    await deliverBatch([order(sameBatch, sku, 1), order(laterBatch, sku, 2), scheduled(sameBatch), scheduled(laterBatch), confirmedFor(laterBatch, 2)]);
    await deliverBatch([confirmedFor(sameBatch, 1), cancelledFor(sameBatch, "timeout"), cancelledFor(laterBatch, "timeout")]);

    expect(await eventsFor(sameBatch)).toEqual(["StockReserved", "StockCommitted"]);
    expect(await eventsFor(laterBatch)).toEqual(["StockReserved", "StockCommitted"]);
    expect(await stockOf(sku)).toEqual({ available: 1, reserved: 0, sold: 3 });
  });

  test("when the same batch releases an order and then places another for the units it gave back, then the second order gets them", async () => {
    const sku = await newProduct(1);
    const [first, second] = [randomUUID(), randomUUID()];
    await deliver(order(first, sku, 1));
    await deliverBatch([cancelledFor(first, "timeout"), order(second, sku, 1)]);

    expect(await eventsFor(first)).toEqual(["StockReserved", "StockReleased"]);
    expect(await eventsFor(second)).toEqual(["StockReserved"]);
    expect(await stockOf(sku)).toEqual({ available: 0, reserved: 1, sold: 0 });
  });
});
