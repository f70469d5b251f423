/**
 * For this service's tests (not used by the service): a fresh database migrated the way the
 * service migrates its own, an outbox that stores events as JSON, so tests read them back
 * with JSON.parse (the Avro codec is messaging's and contracts' to test), and the HTTP API
 * with a valid order to send it.
 */
import path from "node:path";
import type { Pool } from "pg";
import { randomBytes } from "node:crypto";
import { createOutbox, localKek, messagingMigrations, migrate, migrationsIn, type Codec, type Outbox } from "@shop/messaging";
import type { Keks } from "./customer-keys";
import { createLogger } from "@shop/observability";
import { freshDatabase } from "@shop/testkit";
import { buildHttp } from "./http";
import type { LoadShedder, SheddingLimits } from "./load-shedding";

const jsonCodec: Codec = { encode: async (_topic, event) => Buffer.from(JSON.stringify(event)), decode: async (value) => JSON.parse(value.toString()) };

export const jsonOutbox = () => createOutbox({ codec: jsonCodec, notify: false });

export const testDatabase = (prefix: string) =>
  freshDatabase(prefix, (pool) => migrate(pool, [...messagingMigrations, ...migrationsIn(path.join(__dirname, "..", "migrations"), "order")]));

/** Key-encryption keys of this test run (customer-keys.ts). */
export const testKeks: Keks = { contact: localKek("contact", randomBytes(32).toString("hex")), address: localKek("address", randomBytes(32).toString("hex")) };

/** A POST /orders body that is valid once the catalogue holds TEE-1 (see httpTestApp). */
export const validOrderBody = {
  customerId: "c-1", items: [{ sku: "TEE-1", quantity: 1 }], paymentMethod: "tok_visa",
  shippingAddress: { name: "Ada", line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE" }, email: "ada@example.com",
};

/** No load shedding: for tests of anything else (load shedding has its own tests). */
export const noSheddingLimits: SheddingLimits = { maxSagaWaitMs: 0, maxSagasInFlight: 0 };

/** The HTTP API on `pool`, without listening (call it with app.inject()), silent, deadline 30 s. */
export function httpTestApp(pool: Pool, shedder: LoadShedder, outbox: Outbox = jsonOutbox()) {
  const orders = { pool, outbox, keks: testKeks, sagaTimeoutMs: 30_000 };
  return buildHttp({ logger: createLogger("order", "silent"), orders, pool, shedder, readiness: {} });
}
