import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { newEvent } from "@shop/contracts";
import { withTransaction } from "@shop/messaging";
import { createLogger } from "@shop/observability";
import { anyQueryString, anyUrlPart } from "@shop/testkit";
import { buildHttp } from "./http";
import { recordFacts } from "./payments";
import { testDatabase } from "@shop/service-kit/testing";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let db: Awaited<ReturnType<typeof testDatabase>>;
let app: ReturnType<typeof buildHttp>;
beforeAll(async () => {
  db = await testDatabase("payment");
  app = buildHttp({ logger: createLogger("payment", "silent"), pool: db.pool, readiness: {} });
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe("GET /payments/:orderId", () => {
  test("when the order was captured, then it answers 200 with status, amount and refundedAmount", async () => {
    const orderId = randomUUID();
    await withTransaction(db.pool, (tx) => recordFacts(tx, db.outbox, [
      { fact: newEvent("StockReserved", { orderId, items: [{ sku: "BOOK-1", quantity: 1 }] }, { producer: "inventory" }) },
      { fact: newEvent("OrderPlaced", {
        orderId, customerId: "customer-1", items: [{ sku: "BOOK-1", quantity: 1, unitPrice: 1999 }], total: 1999, paymentMethod: "tok_visa",
        shippingAddress: { name: "Ada", line1: "1 Road", city: "London", postalCode: "N1", country: "GB" }, couponCode: null,
      }, { producer: "order" }) },
    ]));

    const response = await app.inject({ method: "GET", url: `/payments/${orderId}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      orderId, status: "captured", amount: 1999, capturedAmount: 1999, refundedAmount: 0, paymentId: expect.stringMatching(/^pay_/),
    });
  });

  test("when payment has never heard of the order, then it answers 404", async () => {
    const response = await app.inject({ method: "GET", url: `/payments/${randomUUID()}` });
    expect(response.statusCode).toBe(404);
  });

  test("when the order id is not a UUID, then it answers 400 naming the parameter", async () => {
    const response = await app.inject({ method: "GET", url: "/payments/42" });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/orderId/);
  });

  test("when the order id has NUL after a UUID, then it answers 400 naming the parameter", async () => {
    const response = await app.inject({ method: "GET", url: `/payments/${randomUUID()}%00` });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/params\/orderId/);
  });

  test("when GET /payments/:orderId gets any path and query, then it never answers 5xx", async () => {
    await fc.assert(fc.asyncProperty(anyUrlPart, anyQueryString, async (orderId, query) => {
      const response = await app.inject({ method: "GET", url: `/payments/${orderId}${query}` });
      expect(response.statusCode).toBeLessThan(500);
    }), { numRuns: 200 });
  });
});
