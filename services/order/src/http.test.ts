import { withTransaction } from "@shop/messaging";
import { createLogger } from "@shop/observability";
import type { FreshDatabase } from "@shop/testkit";
import { upsertProduct } from "./db";
import { buildHttp } from "./http";
import { loadShedder } from "./load-shedding";
import { jsonOutbox, testDatabase } from "./testing";

let db: FreshDatabase;
let app: ReturnType<typeof buildHttp>;

beforeAll(async () => {
  db = await testDatabase("order_http_test");
  await withTransaction(db.pool, (tx) => upsertProduct(tx, "TEE-1", "T-shirt", 1500));
  const orders = { pool: db.pool, outbox: jsonOutbox(), sagaTimeoutMs: 30_000 };
  const shedder = loadShedder(db.pool, { maxSagaWaitMs: 0, maxSagasInFlight: 0 }); // no limit: load shedding has its own tests
  app = buildHttp({ logger: createLogger("order", "silent"), orders, pool: db.pool, shedder, readiness: {} });
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

const body = {
  customerId: "c-1", items: [{ sku: "TEE-1", quantity: 1 }], paymentMethod: "tok_visa",
  shippingAddress: { name: "Ada", line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE" }, email: "ada@example.com",
};
const countOrders = async () => (await db.pool.query("SELECT count(*)::int AS n FROM orders")).rows[0].n as number;

test("when the body is valid, then POST /orders answers 202 with the order id and PENDING", async () => {
  const response = await app.inject({ method: "POST", url: "/orders", payload: body });
  expect(response.statusCode).toBe(202);
  expect(response.json()).toEqual({ orderId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: "PENDING" });
});

test.each([
  ["a missing email", { ...body, email: undefined }, /email/],
  ["a quantity of 0", { ...body, items: [{ sku: "TEE-1", quantity: 0 }] }, /items\/0\/quantity/],
  ["a country that is not a code", { ...body, shippingAddress: { ...body.shippingAddress, country: "Germany" } }, /shippingAddress\/country/],
  ["an unknown SKU", { ...body, items: [{ sku: "NOPE", quantity: 1 }] }, /unknown sku "NOPE"/],
])("when the body has %s, then POST /orders answers 400 naming the field, and nothing is written", async (_what, payload, field) => {
  const before = await countOrders();
  const response = await app.inject({ method: "POST", url: "/orders", payload });
  expect(response.statusCode).toBe(400);
  expect(response.json().message).toMatch(field);
  expect(await countOrders()).toBe(before);
});

test("when an order does not exist, then GET /orders/:id answers 404; a malformed id is a 400", async () => {
  expect((await app.inject({ method: "GET", url: `/orders/${crypto.randomUUID()}` })).statusCode).toBe(404);
  expect((await app.inject({ method: "GET", url: "/orders/not-a-uuid" })).statusCode).toBe(400);
});
