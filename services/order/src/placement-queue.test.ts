/**
 * Placing orders a batch at a time, against a real PostgreSQL: what each request of a batch gets
 * back (a new order, the order its key placed, or its own mistake), how many statements a batch
 * costs, and that one failing request cannot fail the others.
 */
import type { TestDatabase } from "@shop/service-kit/testing";
import { statementsDuring } from "@shop/testkit";
import { IdempotencyKeyReusedError, placeOrders, UnknownSkuError, type OrderRequest, type OrdersDeps } from "./orders";
import { placementQueue } from "./placement-queue";
import { ordersTestSetup } from "./testing";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let db: TestDatabase;
let deps: OrdersDeps;

beforeAll(async () => {
  ({ db, deps } = await ordersTestSetup());
});
afterAll(() => db.drop());

const request = (customerId = "c-1", sku = "TEE-1"): OrderRequest => ({
  customerId, items: [{ sku, quantity: 1 }], paymentMethod: "tok_visa",
  shippingAddress: { name: "Ada", line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE" }, email: "ada@example.com",
});
const count = async (table: "orders" | "outbox" | "order_history") => (await db.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

test("when one batch holds new orders, a key placed before, a key reused with another body, an unknown SKU and one key twice, then each gets its own answer, with five statements", async () => {
  const [before] = await placeOrders(deps, [{ request: request("c-0"), idempotencyKey: "batch-before" }]);
  const [orders, outboxRows] = [await count("orders"), await count("outbox")];

  let results: Awaited<ReturnType<typeof placeOrders>> = [];
  const statements = await statementsDuring(db.pool, async () => {
    results = await placeOrders(deps, [
      { request: request("c-1") },
      { request: request("c-0"), idempotencyKey: "batch-before" }, // a retry: that order again
      { request: request("c-other"), idempotencyKey: "batch-before" }, // the key with another body
      { request: request("c-2", "NOPE") },
      { request: request("c-3"), idempotencyKey: "batch-twice" },
      { request: request("c-3"), idempotencyKey: "batch-twice" }, // the same request twice in one batch
    ]);
  });

  expect(results[0]).toEqual({ order: { orderId: expect.any(String), status: "PENDING" } });
  expect(results[1]).toEqual(before);
  expect(results[2]).toEqual({ error: new IdempotencyKeyReusedError() });
  expect(results[3]).toEqual({ error: new UnknownSkuError("NOPE") });
  expect(results[5]).toEqual(results[4]);
  expect(await count("orders")).toBe(orders + 2);
  expect(await count("outbox")).toBe(outboxRows + 2 + 4); // one OrderPlaced per new order, a data key per category for each new customer
  expect(statements).toBe(7); // idempotency keys, prices, data keys, new data keys, orders, history, outbox: not per order
});

test("when many requests arrive while a batch is being written, then they are written together in the next batch, each answered", async () => {
  const queue = placementQueue(deps);
  const before = await count("orders");
  let results: Awaited<ReturnType<typeof queue.place>>[] = [];
  const statements = await statementsDuring(db.pool, async () => {
    // The first request starts a batch at once; the 19 that arrive while it is written make the next one.
    results = await Promise.all(Array.from({ length: 20 }, (_, i) => queue.place({ request: request(`queued-${i}`) })));
  });

  expect(results.every((result) => "order" in result)).toBe(true);
  expect(new Set(results.map((result) => ("order" in result ? result.order.orderId : ""))).size).toBe(20);
  expect(await count("orders")).toBe(before + 20);
  expect(statements).toBe(2 * 6); // two batches of six statements (no idempotency keys to look up; new customers' data keys), not twenty
});

test("when one request of a batch makes the transaction fail, then the batch is taken apart: that request fails alone, the others are placed", async () => {
  const queue = placementQueue(deps);
  const before = await count("orders");
  const [first, bad, last] = await Promise.allSettled([
    queue.place({ request: request("alone") }),
    queue.place({ request: request("nul\u0000byte") }), // PostgreSQL refuses NUL in text (HTTP refuses it earlier, with 400)
    queue.place({ request: request("after") }),
  ]);

  expect(first).toMatchObject({ status: "fulfilled", value: { order: expect.anything() } });
  expect(bad).toMatchObject({ status: "rejected" });
  expect(last).toMatchObject({ status: "fulfilled", value: { order: expect.anything() } });
  expect(await count("orders")).toBe(before + 2);
});
