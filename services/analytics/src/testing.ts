/**
 * For this service's tests (not used by the service): a fresh read-model database, sagas built
 * the way the six services would write them (with chosen totals and durations), and a producer
 * that publishes events to Kafka through a real outbox and relay, Avro-encoded by the registry.
 */
import { randomUUID } from "node:crypto";
import { examples, keyOf, lookupSchemaIds, topicOf, type EventOf, type EventType, type ShopEvent } from "@shop/contracts";
import {
  consume, createOutbox, messagingMigrations, migrate, schemaRegistryCodec, startRelay, withTransaction, type ConsumeOptions, type Consumer,
} from "@shop/messaging";
import { waitFor } from "@shop/infra";
import { freshDatabase, useEnvironment } from "@shop/testkit";
import { eventHandler, readModelGroup } from "./events";
import type { Kpis } from "./kpis";

const handleEvents = eventHandler();

/**
 * The service's consumer on `topics` (tests pass fresh topics of their own), as runService starts
 * it: the read model's group for its build (based on `group`), from the beginning.
 */
export async function consumeReadModel({ group, ...options }: Omit<ConsumeOptions<ShopEvent>, "groupId" | "handler" | "handleBatch" | "fromBeginning"> & { group: string }): Promise<Consumer & { groupId: string }> {
  const groupId = await readModelGroup(options.pool, group);
  return { ...(await consume<ShopEvent>({ ...options, groupId, fromBeginning: true, handleBatch: handleEvents })), groupId };
}

/** Handles the events one by one, each in its own transaction (a batch of one), as the inbox would (without its deduplication). */
export async function deliver(pool: Parameters<typeof withTransaction>[0], events: readonly ShopEvent[]): Promise<void> {
  for (const event of events) await deliverBatch(pool, [event]);
}

/** Handles the events as ONE batch of the inbox, in one transaction (without its deduplication). */
export async function deliverBatch(pool: Parameters<typeof withTransaction>[0], events: readonly ShopEvent[]): Promise<void> {
  await withTransaction(pool, (tx) => handleEvents(events.map((event, i) => ({ event, traceContext: undefined, headers: {}, topic: "test", partition: 0, offset: String(i) })), tx));
}

export type SagaPath = "confirmed" | "out_of_stock" | "payment_declined" | "fulfillment_failed" | "timeout" | "in_flight";

const start = Date.parse("2025-03-01T10:00:00.000Z");

/**
 * The events of one order taking `path`: OrderPlaced at `start`, the final OrderConfirmed or
 * OrderCancelled `durationMs` later, the steps between 1 ms apart, compensations just after.
 */
export function saga(path: SagaPath, total: number, durationMs = 0): ShopEvent[] {
  const orderId = randomUUID();
  let step = 0;
  const event = <T extends EventType>(eventType: T, atMs: number, body: Partial<EventOf<T>> = {}): ShopEvent =>
    ({ ...examples[eventType], eventId: randomUUID(), orderId, causationId: null, occurredAt: new Date(start + atMs).toISOString(), ...body });
  const next = <T extends EventType>(eventType: T, body?: Partial<EventOf<T>>) => event(eventType, ++step, body);
  const final = <T extends EventType>(eventType: T, body?: Partial<EventOf<T>>) => event(eventType, durationMs, body);
  const after = <T extends EventType>(eventType: T, body?: Partial<EventOf<T>>) => event(eventType, durationMs + ++step, body);
  const cancelled = (reason: EventOf<"OrderCancelled">["reason"]) => final("OrderCancelled", { reason });

  const placed = event("OrderPlaced", 0, { total });
  switch (path) {
    case "confirmed": return [placed, next("StockReserved"), next("PaymentCaptured", { amount: total }), next("ShipmentScheduled"),
      next("StockCommitted"), final("OrderConfirmed", { total }), after("EmailSent", { kind: "receipt" })];
    case "out_of_stock": return [placed, next("StockReservationFailed"), cancelled("out_of_stock"), after("EmailSent", { kind: "cancellation" })];
    case "payment_declined": return [placed, next("StockReserved"), next("PaymentFailed"), cancelled("payment_declined"),
      after("StockReleased"), after("EmailSent", { kind: "cancellation" })];
    case "fulfillment_failed": return [placed, next("StockReserved"), next("PaymentCaptured", { amount: total }), next("ShipmentFailed"),
      cancelled("fulfillment_failed"), after("PaymentRefunded", { amount: total }), after("StockReleased"), after("EmailSent", { kind: "cancellation" })];
    case "timeout": return [placed, next("StockReserved"), cancelled("timeout"), after("StockReleased"), after("EmailSent", { kind: "cancellation" })];
    case "in_flight": return [placed, next("StockReserved"), next("PaymentCaptured", { amount: total })];
  }
}

export const listed = (sku: string, price: number, occurredAt: string): ShopEvent =>
  ({ ...examples.ProductListed, eventId: randomUUID(), sku, price, occurredAt });

/** A known mix of orders, new ids each call, and the KPIs it must give (worked out by hand below). */
export function knownMix(): { events: ShopEvent[]; kpis: Kpis } {
  const events = [
    ...saga("confirmed", 1000, 1000), ...saga("confirmed", 2500, 2000), ...saga("confirmed", 4000, 3000),
    ...saga("out_of_stock", 1500, 500), ...saga("payment_declined", 3000, 800), ...saga("fulfillment_failed", 5000, 1500),
    ...saga("timeout", 2000, 30_000), ...saga("in_flight", 700), listed("BOOK-1", 1999, "2025-03-01T09:00:00.000Z"), listed("MUG-1", 899, "2025-03-01T09:00:00.000Z"),
    listed("BOOK-1", 1799, "2025-03-01T09:30:00.000Z"), // a new price: still one product
  ];
  return {
    events,
    kpis: {
      orders: { placed: 8, confirmed: 3, cancelled: 4, inFlight: 1 },
      cancelledByReason: { out_of_stock: 1, payment_declined: 1, fulfillment_failed: 1, timeout: 1, unknown: 0 },
      // Captured 1000 + 2500 + 4000 (confirmed) + 5000 (refunded later) + 700 (in flight), minus the 5000 refunded.
      revenue: 8200,
      products: 2,
      // Seven finished sagas: 500, 800, 1000, 1500, 2000, 3000, 30000 ms. percentile_cont at p:
      // position p × 6 in that list, interpolated: p50 → 1500; p95 → 5.7 → 3000 + 0.7 × 27000;
      // p99 → 5.94 → 3000 + 0.94 × 27000.
      sagaDurationMs: { p50: 1500, p95: 21_900, p99: 28_380 },
      events: {
        OrderPlaced: 8, OrderConfirmed: 3, OrderCancelled: 4,
        StockReserved: 7, StockReservationFailed: 1, StockReleased: 3, StockCommitted: 3,
        PaymentCaptured: 5, PaymentFailed: 1, PaymentRefunded: 1, ShipmentScheduled: 3, ShipmentFailed: 1, EmailSent: 7,
      },
    },
  };
}

/**
 * Publishes events to `<prefix>.<topic>` (fresh topics per test file) through an outbox in a
 * database of its own and a relay: the path every service's events take. Resolves once Kafka
 * acknowledged them all.
 */
export async function kafkaProducer(prefix: string) {
  const env = useEnvironment();
  const kafka = { clientId: "analytics-test", brokers: env.brokers, credentials: env.kafkaCredentials("admin") };
  const db = await freshDatabase("analytics_producer", (pool) => migrate(pool, messagingMigrations));
  const outbox = createOutbox({ codec: schemaRegistryCodec({ ...env.schemaRegistry, schemaIds: await lookupSchemaIds(env.schemaRegistry) }) });
  const relay = startRelay({ databaseUrl: db.url, kafka });
  const topicFor = (event: ShopEvent) => `${prefix}.${topicOf(event.eventType)}`;
  return {
    async publish(events: readonly ShopEvent[]): Promise<void> {
      await withTransaction(db.pool, async (tx) => {
        for (const event of events) await outbox.add(tx, event, { topic: topicFor(event), key: keyOf(event) });
      });
      await waitFor("the relay to publish every event", async () => {
        const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox");
        return rows[0]!.n === 0;
      });
    },
    async close(): Promise<void> {
      await relay.stop();
      await db.drop();
    },
  };
}
