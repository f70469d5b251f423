/**
 * The checkout saga as a learner runs it: order, inventory, payment and warehouse as four real
 * processes, each with its own fresh database, on the test run's Kafka and schema registry.
 * Helpers to place orders, read every service's HTTP API, and check the system's invariants.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { freePort, waitFor } from "@shop/infra";
import { freshDatabase, saslOf, startService, useEnvironment, type FreshDatabase, type ServiceProcess } from "@shop/testkit";

export const sagaServices = ["order", "inventory", "payment", "warehouse"] as const;
export type SagaService = (typeof sagaServices)[number];

export interface Product { sku: string; name: string; price: number; quantity: number }

export interface OrderView {
  orderId: string;
  status: "PENDING" | "RESERVED" | "PAID" | "CONFIRMED" | "CANCELLED";
  reason?: string;
  total: number;
  history: { eventType: string; occurredAt: string; producer: string }[];
}
export interface StockView { sku: string; available: number; reserved: number; sold: number }
/** `amount` is the order total; what was charged is capturedAmount - refundedAmount. */
export interface PaymentView { orderId: string; status: string; amount: number | null; capturedAmount: number; refundedAmount: number }

export interface SagaSystem {
  services: Record<SagaService, ServiceProcess>;
  catalog: Product[];
  /** Every order placed through placeOrder, for the invariant checks. */
  placed: string[];
  placeOrder(order: Partial<OrderRequest>, idempotencyKey?: string, headers?: Record<string, string>): Promise<{ orderId: string; status: string }>;
  order(orderId: string): Promise<OrderView>;
  stock(sku: string): Promise<StockView>;
  payment(orderId: string): Promise<PaymentView | undefined>;
  shipment(orderId: string): Promise<Record<string, unknown> | undefined>;
  /** Waits until the order is CONFIRMED or CANCELLED. */
  finalOrder(orderId: string, timeoutMs?: number): Promise<OrderView>;
  stop(): Promise<void>;
}

export interface OrderRequest {
  customerId: string;
  items: { sku: string; quantity: number }[];
  paymentMethod: string;
  shippingAddress: { name: string; line1: string; city: string; postalCode: string; country: string };
  email: string;
}

export function orderRequest(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    customerId: "customer-1", items: [{ sku: "E2E-TEE", quantity: 1 }], paymentMethod: "tok_visa",
    shippingAddress: { name: "Ada Lovelace", line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE" },
    email: "ada@example.com", ...overrides,
  };
}

async function getJson<T>(url: string): Promise<T | undefined> {
  const response = await fetch(url);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function startSagaSystem(catalog: Product[], { sagaTimeoutMs = 10_000, logLevel = "warn" } = {}): Promise<SagaSystem> {
  const env = useEnvironment();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "saga-e2e-"));
  const catalogFile = path.join(dir, "catalog.json");
  fs.writeFileSync(catalogFile, JSON.stringify(catalog));
  const databases: FreshDatabase[] = [];
  const services = {} as Record<SagaService, ServiceProcess>;
  await Promise.all(sagaServices.map(async (name) => {
    const database = await freshDatabase(`e2e_${name}`, undefined, { owner: name }); // the service's own role, as in production
    databases.push(database);
    services[name] = await startService(name, await freePort(), {
      DATABASE_URL: database.url, KAFKA_BROKERS: env.brokers.join(","), SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
      SCHEMA_REGISTRY_USERNAME: env.schemaRegistry.auth.username, SCHEMA_REGISTRY_PASSWORD: env.schemaRegistry.auth.password,
      CATALOG_FILE: catalogFile, SAGA_TIMEOUT_MS: String(sagaTimeoutMs), DEADLINE_CHECK_MS: "200", LOG_LEVEL: logLevel,
      // Fault tests hold orders in flight on purpose (a stopped service); load shedding, which would
      // then refuse the next orders, has its own tests (services/order/src/load-shedding.test.ts).
      MAX_SAGA_WAIT_MS: "0",
    });
  }));

  const placed: string[] = [];
  const system: SagaSystem = {
    services, catalog, placed,
    async placeOrder(overrides, idempotencyKey, headers = {}) {
      const response = await fetch(`${services.order.url}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}), ...headers },
        body: JSON.stringify(orderRequest(overrides)),
      });
      const body = (await response.json()) as { orderId: string; status: string; message?: string };
      if (response.status !== 202) throw new Error(`POST /orders: ${response.status} ${body.message}`);
      placed.push(body.orderId);
      return body;
    },
    order: async (orderId) => (await getJson<OrderView>(`${services.order.url}/orders/${orderId}`))!,
    stock: async (sku) => (await getJson<StockView>(`${services.inventory.url}/stock/${sku}`))!,
    payment: (orderId) => getJson<PaymentView>(`${services.payment.url}/payments/${orderId}`),
    shipment: (orderId) => getJson<Record<string, unknown>>(`${services.warehouse.url}/shipments/${orderId}`),
    async finalOrder(orderId, timeoutMs = 30_000) {
      return waitFor(`order ${orderId} to be final`, async () => {
        const order = await system.order(orderId);
        return (order.status === "CONFIRMED" || order.status === "CANCELLED") && order;
      }, { timeoutMs, intervalMs: 100 });
    },
    async stop() {
      await Promise.all(Object.values(services).map((service) => service.stop()));
      await Promise.all(databases.map((database) => database.drop()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  // Order prices from its own copy of the catalogue, built from the catalog topic: wait until it has every SKU.
  await waitFor("order to know the catalogue", async () => {
    const known = (await getJson<{ sku: string }[]>(`${services.order.url}/catalog`)) ?? [];
    return catalog.every((product) => known.some((entry) => entry.sku === product.sku));
  }, { timeoutMs: 30_000 });
  return system;
}

/** The traceparent header of every message on `topics` whose key is `key`, read from the beginning. */
export async function traceparentsOf(key: string, topics: string[], expected: number): Promise<{ topic: string; eventType: string; traceparent: string }[]> {
  const env = useEnvironment();
  const kafka = new Kafka({ clientId: "e2e-trace", brokers: env.brokers, sasl: saslOf(env.kafkaCredentials("admin")), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `e2e-trace-${key}-${Date.now()}`, maxWaitTimeInMs: 200 });
  const found: { topic: string; eventType: string; traceparent: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (message.key?.toString() !== key) return;
        found.push({ topic, eventType: String(message.headers?.["event-type"]), traceparent: String(message.headers?.traceparent) });
      },
    });
    await waitFor(`${expected} messages keyed ${key}`, () => found.length >= expected, { timeoutMs: 30_000 });
  } finally {
    await consumer.disconnect();
  }
  return found;
}
