/** The HTTP API with app.inject(), against real PostgreSQL. */
import { randomUUID } from "node:crypto";
import { newEvent } from "@shop/contracts";
import { withTransaction } from "@shop/messaging";
import { createLogger } from "@shop/observability";
import { buildHttp } from "./http";
import { reserve, seedCatalog } from "./stock";
import { testDatabase, type TestDatabase } from "./testing";

let db: TestDatabase;
let app: ReturnType<typeof buildHttp>;

beforeAll(async () => {
  db = await testDatabase("inventory");
  const { outbox } = db;
  const logger = createLogger("inventory", "silent");
  await seedCatalog(db.pool, outbox, [
    { sku: "MUG", name: "Mug", price: 1250, quantity: 5 },
    { sku: "CAP", name: "Cap", price: 999, quantity: 2 },
  ]);
  const placed = newEvent("OrderPlaced", {
    orderId: randomUUID(), customerId: "c-1", items: [{ sku: "MUG", quantity: 2, unitPrice: 1250 }], total: 2500,
    paymentMethod: "tok_visa", couponCode: null,
    shippingAddress: { name: "Ada", line1: "1 Loop Rd", city: "Cambridge", postalCode: "CB1", country: "GB" },
  }, { producer: "order" });
  await withTransaction(db.pool, (tx) => reserve({ outbox, logger }, tx, placed));
  app = buildHttp({ logger, pool: db.pool, readiness: { database: () => db.pool.query("SELECT 1") } });
});

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const response = await app.inject({ method: "GET", url });
  return { status: response.statusCode, body: response.json() };
}
afterAll(async () => {
  await app.close();
  await db.drop();
});

test("when GET /stock, then every sku comes with its name, price in cents and stock, by sku", async () => {
  expect(await get("/stock")).toEqual({ status: 200, body: [
    { sku: "CAP", name: "Cap", price: 999, available: 2, reserved: 0, sold: 0 },
    { sku: "MUG", name: "Mug", price: 1250, available: 3, reserved: 2, sold: 0 },
  ] });
});

test("when GET /stock/:sku, then that sku's stock", async () => {
  expect(await get("/stock/MUG")).toEqual({ status: 200, body: { sku: "MUG", name: "Mug", price: 1250, available: 3, reserved: 2, sold: 0 } });
});

test("when GET /stock/:sku names an unknown sku, then 404 with an error and a message", async () => {
  expect(await get("/stock/NOPE")).toEqual({ status: 404, body: { error: "Not Found", message: "no sku NOPE" } });
});

test("when the database answers, then /health/ready is 200", async () => {
  expect(await get("/health/ready")).toEqual({ status: 200, body: { status: "ready", checks: { database: "ok" } } });
});
