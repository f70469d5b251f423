/** The inventory business against real PostgreSQL (and the real schema registry, for the events). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { newEvent, type EventOf, type EventType, type OrderLine } from "@shop/contracts";
import { withTransaction } from "@shop/messaging";
import { createLogger } from "@shop/observability";
import { cancel, commit, readCatalog, release, reserve, seedCatalog, stockLines, type StockDeps } from "./stock";
import { testDatabase, type TestDatabase } from "@shop/service-kit/testing";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let db: TestDatabase;
let deps: StockDeps;

beforeAll(async () => {
  db = await testDatabase("inventory");
  deps = { outbox: db.outbox, logger: createLogger("inventory", "silent") };
});
afterAll(() => db.drop());
const emptyDatabase = () => db.pool.query("TRUNCATE products, reservations, released_orders, outbox, processed_events");
beforeEach(async () => {
  await emptyDatabase();
  await seedCatalog(db.pool, db.outbox, [
    { sku: "A", name: "Apple", price: 100, quantity: 10 },
    { sku: "B", name: "Banana", price: 250, quantity: 1 },
  ]);
  await db.pool.query("DELETE FROM outbox"); // the ProductListed rows; each test looks at its own events
});

const lines = (...items: [string, number][]): OrderLine[] => items.map(([sku, quantity]) => ({ sku, quantity, unitPrice: 1 }));

function orderPlaced(items: OrderLine[], orderId: string = randomUUID()) {
  return newEvent("OrderPlaced", {
    orderId, customerId: "c-1", items, total: 0, paymentMethod: "tok_visa", couponCode: null,
    shippingAddress: { name: "Ada", line1: "1 Loop Rd", city: "Cambridge", postalCode: "CB1", country: "GB" },
  }, { producer: "order" });
}

/** An event of another service about the order, with nothing but the envelope the handlers read. */
const fact = <T extends EventType>(eventType: T, orderId: string) => ({ eventId: randomUUID(), eventType, orderId });

const inTx = (work: Parameters<typeof withTransaction>[1]) => withTransaction(db.pool, work);

async function stock(sku: string) {
  const { rows } = await db.pool.query("SELECT available, reserved, sold FROM products WHERE sku = $1", [sku]);
  return rows[0];
}

async function eventsOf<T extends EventType>(eventType: T): Promise<EventOf<T>[]> {
  return (await db.outboxRows()).map((row) => row.event).filter((event): event is EventOf<T> => event.eventType === eventType);
}

describe("seeding the catalogue", () => {
  test("when the database is empty, then every product is stocked and listed once on the catalog topic, keyed by sku", async () => {
    await emptyDatabase();
    const products = readCatalog(path.join(__dirname, "..", "catalog.json"));
    expect(await seedCatalog(db.pool, db.outbox, products)).toBe(products.length);
    expect(await seedCatalog(db.pool, db.outbox, products)).toBe(0);

    const rows = await db.outboxRows();
    expect(rows).toHaveLength(products.length);
    for (const [index, { sku, name, price, quantity }] of products.entries()) {
      expect(rows[index]).toMatchObject({ topic: "catalog", key: sku, event: { eventType: "ProductListed", sku, name, price, producer: "inventory" } });
      expect(await stock(sku)).toEqual({ available: quantity, reserved: 0, sold: 0 });
    }
  });

  test("when two instances seed at once, then each product is listed once", async () => {
    await emptyDatabase();
    const products = [{ sku: "X", name: "X", price: 1, quantity: 1 }, { sku: "Y", name: "Y", price: 2, quantity: 2 }];
    const listed = await Promise.all([seedCatalog(db.pool, db.outbox, products), seedCatalog(db.pool, db.outbox, products)]);
    expect(listed.reduce((sum, n) => sum + n, 0)).toBe(2);
    expect(await eventsOf("ProductListed")).toHaveLength(2);
  });

  test("when a catalogue file has a bad field, then reading it fails naming the field", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "catalogue-")), "catalog.json");
    fs.writeFileSync(file, JSON.stringify([{ sku: "A", name: "Apple", price: 1.5, quantity: 1 }]));
    expect(() => readCatalog(file)).toThrow("/0/price Expected integer");
  });
});

describe("reserving", () => {
  test("when every line is available, then all are reserved and StockReserved lists them by sku", async () => {
    const placed = orderPlaced(lines(["B", 1], ["A", 3]));
    await inTx((tx) => reserve(deps, tx, placed));

    expect(await stock("A")).toEqual({ available: 7, reserved: 3, sold: 0 });
    expect(await stock("B")).toEqual({ available: 0, reserved: 1, sold: 0 });
    const [reserved] = await db.outboxRows();
    expect(reserved).toMatchObject({
      topic: "inventory", key: placed.orderId,
      event: { eventType: "StockReserved", orderId: placed.orderId, causationId: placed.eventId, items: [{ sku: "A", quantity: 3 }, { sku: "B", quantity: 1 }] },
    });
  });

  test("when the second line is short, then the first line is untouched and StockReservationFailed names the short sku", async () => {
    const placed = orderPlaced(lines(["A", 2], ["B", 2]));
    await inTx((tx) => reserve(deps, tx, placed));

    expect(await stock("A")).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await stock("B")).toEqual({ available: 1, reserved: 0, sold: 0 });
    expect((await db.pool.query("SELECT 1 FROM reservations")).rowCount).toBe(0);
    expect(await eventsOf("StockReservationFailed")).toEqual([
      expect.objectContaining({ orderId: placed.orderId, sku: "B", reason: "only 1 of B available, 2 asked" }),
    ]);
  });

  test("when a line names an unknown sku, then nothing is reserved and the reason says so", async () => {
    await inTx((tx) => reserve(deps, tx, orderPlaced(lines(["A", 1], ["NOPE", 1]))));

    expect(await stock("A")).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await eventsOf("StockReservationFailed")).toEqual([expect.objectContaining({ sku: "NOPE", reason: "unknown sku NOPE" })]);
  });

  test("when an order lists a sku twice, then one reservation holds the sum", async () => {
    const placed = orderPlaced(lines(["A", 2], ["A", 3]));
    await inTx((tx) => reserve(deps, tx, placed));

    expect(await stock("A")).toEqual({ available: 5, reserved: 5, sold: 0 });
    expect((await eventsOf("StockReserved"))[0]!.items).toEqual([{ sku: "A", quantity: 5 }]);
    expect(stockLines([{ sku: "b", quantity: 1 }, { sku: "a", quantity: 1 }, { sku: "b", quantity: 2 }]))
      .toEqual([{ sku: "a", quantity: 1 }, { sku: "b", quantity: 3 }]);
  });

  test("when an OrderPlaced for an order already reserved gets past the inbox (another event id), then nothing changes", async () => {
    const placed = orderPlaced(lines(["A", 4]));
    await inTx((tx) => reserve(deps, tx, placed));
    await inTx((tx) => reserve(deps, tx, { ...placed, eventId: randomUUID() }));

    expect(await stock("A")).toEqual({ available: 6, reserved: 4, sold: 0 });
    expect(await eventsOf("StockReserved")).toHaveLength(1);
  });

  test("when 50 orders compete for 10 units at once, then exactly 10 are reserved and available never goes below 0", async () => {
    await db.pool.query("UPDATE products SET available = 10 WHERE sku = 'B'");
    const orders = Array.from({ length: 50 }, () => orderPlaced(lines(["B", 1])));
    // Every reserve in its own transaction, all in flight together: a pool with a connection for each.
    const wide = new pg.Pool({ connectionString: db.url, max: orders.length });
    const results = await Promise.allSettled(orders.map((placed) => withTransaction(wide, (tx) => reserve(deps, tx, placed))));
    await wide.end();

    expect(results.filter((result) => result.status === "rejected")).toEqual([]); // no CHECK (available >= 0) fired
    expect(await stock("B")).toEqual({ available: 0, reserved: 10, sold: 0 });
    expect(await eventsOf("StockReserved")).toHaveLength(10);
    expect(await eventsOf("StockReservationFailed")).toHaveLength(40);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n, sum(quantity)::int AS units FROM reservations WHERE sku = 'B'");
    expect(rows[0]).toEqual({ n: 10, units: 10 });
  });
});

describe("releasing and committing", () => {
  let orderId: string;
  beforeEach(async () => {
    const placed = orderPlaced(lines(["A", 3], ["B", 1]));
    orderId = placed.orderId;
    await inTx((tx) => reserve(deps, tx, placed));
  });

  test("when a reservation is released twice, then the units come back once and StockReleased is added once", async () => {
    await inTx((tx) => release(deps, tx, fact("PaymentFailed", orderId)));
    await inTx((tx) => release(deps, tx, fact("OrderCancelled", orderId)));

    expect(await stock("A")).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await stock("B")).toEqual({ available: 1, reserved: 0, sold: 0 });
    expect(await eventsOf("StockReleased")).toEqual([expect.objectContaining({ orderId, items: [{ sku: "A", quantity: 3 }, { sku: "B", quantity: 1 }] })]);
  });

  test("when the shipment is scheduled, then the units are sold, StockCommitted is added, and a later release changes nothing", async () => {
    await inTx((tx) => commit(deps, tx, fact("ShipmentScheduled", orderId)));
    await inTx((tx) => release(deps, tx, fact("OrderCancelled", orderId)));
    await inTx((tx) => commit(deps, tx, fact("ShipmentScheduled", orderId)));

    expect(await stock("A")).toEqual({ available: 7, reserved: 0, sold: 3 });
    expect(await eventsOf("StockCommitted")).toEqual([expect.objectContaining({ orderId, items: [{ sku: "A", quantity: 3 }, { sku: "B", quantity: 1 }] })]);
    expect(await eventsOf("StockReleased")).toEqual([]);
  });

  test("when the order is cancelled after its stock was committed (a deadline crossed the shipment), then the sale is taken back once", async () => {
    await inTx((tx) => commit(deps, tx, fact("ShipmentScheduled", orderId)));
    await inTx((tx) => cancel(deps, tx, fact("OrderCancelled", orderId)));
    await inTx((tx) => cancel(deps, tx, fact("OrderCancelled", orderId)));

    expect(await stock("A")).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await stock("B")).toEqual({ available: 1, reserved: 0, sold: 0 });
    expect(await eventsOf("StockReleased")).toEqual([expect.objectContaining({ orderId, items: [{ sku: "A", quantity: 3 }, { sku: "B", quantity: 1 }] })]);
  });

  test("when the shipment is scheduled after a release, then nothing is committed", async () => {
    await inTx((tx) => release(deps, tx, fact("ShipmentFailed", orderId)));
    await inTx((tx) => commit(deps, tx, fact("ShipmentScheduled", orderId)));

    expect(await stock("A")).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await eventsOf("StockCommitted")).toEqual([]);
  });

  test("when a release and a commit for one order run at once, then exactly one of them happens", async () => {
    await Promise.all([
      inTx((tx) => release(deps, tx, fact("OrderCancelled", orderId))),
      inTx((tx) => commit(deps, tx, fact("ShipmentScheduled", orderId))),
    ]);

    const outcomes = [...await eventsOf("StockReleased"), ...await eventsOf("StockCommitted")];
    expect(outcomes).toHaveLength(1);
    const a = await stock("A");
    expect(a.available + a.reserved + a.sold).toBe(10);
    expect(a.reserved).toBe(0);
  });

  test("when the cancel arrives before the OrderPlaced, then the order reserves nothing", async () => {
    const late = orderPlaced(lines(["A", 1]));
    await inTx((tx) => release(deps, tx, fact("OrderCancelled", late.orderId)));
    await inTx((tx) => reserve(deps, tx, late));

    expect(await stock("A")).toEqual({ available: 7, reserved: 3, sold: 0 }); // only the beforeEach's order
    expect((await eventsOf("StockReserved")).map((event) => event.orderId)).toEqual([orderId]);
    expect(await eventsOf("StockReservationFailed")).toEqual([]);
  });
});
