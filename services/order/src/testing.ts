/**
 * For this service's tests (not used by the service): key-encryption keys, a valid order to send,
 * and the HTTP API on a test database. The test database is every service's
 * (@shop/service-kit/testing): events go through the real schema-registry codec, as in the service.
 */
import { randomBytes } from "node:crypto";
import type { Pool } from "pg";
import { localKek, withTransaction, type Outbox } from "@shop/messaging";
import { createLogger } from "@shop/observability";
import { testDatabase } from "@shop/service-kit/testing";
import type { Keks } from "./customer-keys";
import { upsertProducts } from "./db";
import { buildHttp } from "./http";
import { loadShedder, type LoadShedder, type SheddingLimits } from "./load-shedding";
import type { OrderRequest, OrdersDeps } from "./orders";

/** Key-encryption keys of this test run (customer-keys.ts). */
export const testKeks: Keks = { contact: localKek("contact", randomBytes(32).toString("hex")), address: localKek("address", randomBytes(32).toString("hex")) };

/** A POST /orders body that is valid once the catalogue holds TEE-1 (see httpTestApp). */
export const validOrderBody: OrderRequest = {
  customerId: "c-1", items: [{ sku: "TEE-1", quantity: 1 }], paymentMethod: "tok_visa",
  shippingAddress: { name: "Ada", line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE" }, email: "ada@example.com",
};

/** No load shedding: for tests of anything else (load shedding has its own tests). */
export const noSheddingLimits: SheddingLimits = { maxSagaWaitMs: 0, maxSagasInFlight: 0 };

/** The HTTP API on the test database, without listening (call it with app.inject()), silent, deadline 30 s. */
export function httpTestApp({ pool, outbox }: { pool: Pool; outbox: Outbox }, shedder: LoadShedder) {
  const orders = { pool, outbox, keks: testKeks, sagaTimeoutMs: 30_000 };
  return buildHttp({ logger: createLogger("order", "silent"), orders, pool, shedder, readiness: {} });
}

/** A test database whose catalogue holds TEE-1 (1500 cents), and what placing orders needs on it (deadline 30 s). */
export async function ordersTestSetup() {
  const db = await testDatabase("order");
  await withTransaction(db.pool, (tx) => upsertProducts(tx, [{ sku: "TEE-1", name: "T-shirt", price: 1500 }]));
  const deps: OrdersDeps = { pool: db.pool, outbox: db.outbox, keks: testKeks, sagaTimeoutMs: 30_000 };
  return { db, deps };
}

/** ordersTestSetup, and the HTTP API on it without load shedding; `close()` ends both. */
export async function httpTestSetup() {
  const { db } = await ordersTestSetup();
  const app = httpTestApp(db, loadShedder(db.pool, noSheddingLimits));
  return { db, app, close: async () => { await app.close(); await db.drop(); } };
}
