/** Every SQL statement of the analytics service. Each function takes the connection or transaction to use. */
import path from "node:path";
import type { ClientBase, Pool } from "pg";
import type { CancellationReason } from "@shop/contracts";
import { messagingMigrations, migrationsIn } from "@shop/messaging";

/** The tables: processed_events (and the unused outbox) from packages/messaging, then migrations/. */
export const migrations = [...messagingMigrations, ...migrationsIn(path.join(__dirname, "..", "migrations"), "analytics")];

type Db = ClientBase | Pool;

// The per-order facts. Each statement creates the order's row if it is the first fact, and is
// an idempotent upsert: applying it again, or after the other facts, changes nothing more.

export async function recordPlaced(tx: Db, orderId: string, at: string, total: number): Promise<void> {
  await tx.query(
    `INSERT INTO orders (order_id, placed_at, total) VALUES ($1, $2, $3)
     ON CONFLICT (order_id) DO UPDATE SET
       total = CASE WHEN orders.placed_at IS NULL OR EXCLUDED.placed_at < orders.placed_at THEN EXCLUDED.total ELSE orders.total END,
       placed_at = LEAST(orders.placed_at, EXCLUDED.placed_at)`,
    [orderId, at, total]);
}

export async function recordConfirmed(tx: Db, orderId: string, at: string): Promise<void> {
  await tx.query(
    `INSERT INTO orders (order_id, confirmed_at) VALUES ($1, $2)
     ON CONFLICT (order_id) DO UPDATE SET confirmed_at = LEAST(orders.confirmed_at, EXCLUDED.confirmed_at)`,
    [orderId, at]);
}

export async function recordCancelled(tx: Db, orderId: string, at: string, reason: CancellationReason): Promise<void> {
  await tx.query(
    `INSERT INTO orders (order_id, cancelled_at, reason) VALUES ($1, $2, $3)
     ON CONFLICT (order_id) DO UPDATE SET
       reason = CASE WHEN orders.cancelled_at IS NULL OR EXCLUDED.cancelled_at < orders.cancelled_at THEN EXCLUDED.reason ELSE orders.reason END,
       cancelled_at = LEAST(orders.cancelled_at, EXCLUDED.cancelled_at)`,
    [orderId, at, reason]);
}

export async function recordMoney(tx: Db, orderId: string, column: "captured_amount" | "refunded_amount", amount: number): Promise<void> {
  // Payment captures and refunds an order at most once; GREATEST keeps a repeat harmless anyway.
  await tx.query(
    `INSERT INTO orders (order_id, ${column}) VALUES ($1, $2)
     ON CONFLICT (order_id) DO UPDATE SET ${column} = GREATEST(orders.${column}, EXCLUDED.${column})`,
    [orderId, amount]);
}

export async function recordProduct(tx: Db, sku: string, price: number, at: string): Promise<void> {
  await tx.query(
    `INSERT INTO products (sku, price, listed_at) VALUES ($1, $2, $3)
     ON CONFLICT (sku) DO UPDATE SET price = EXCLUDED.price, listed_at = EXCLUDED.listed_at
     WHERE EXCLUDED.listed_at > products.listed_at`,
    [sku, price, at]);
}

/** One more event of this type from this partition (one row per partition: see migrations/002). */
export async function countEvent(tx: Db, eventType: string, topic: string, partition: number): Promise<void> {
  await tx.query(
    `INSERT INTO event_counts (event_type, topic, partition, count) VALUES ($1, $2, $3, 1)
     ON CONFLICT (event_type, topic, partition) DO UPDATE SET count = event_counts.count + 1`,
    [eventType, topic, partition]);
}

/** The KPIs as the database computes them, in one statement: one snapshot, so they agree with each other. */
export interface KpiRow {
  orders: { placed: number; confirmed: number; cancelled: number; inFlight: number };
  cancelledByReason: Record<string, number>;
  revenue: number;
  products: number;
  /** p50, p95, p99 of saga_duration_ms; null when no order has finished. */
  percentiles: number[] | null;
  events: Record<string, number>;
}

export async function readKpis(db: Db): Promise<KpiRow> {
  const { rows } = await db.query<KpiRow>(`
    SELECT
      (SELECT json_build_object(
         'placed', count(*) FILTER (WHERE placed_at IS NOT NULL),
         'confirmed', count(*) FILTER (WHERE status = 'confirmed'),
         'cancelled', count(*) FILTER (WHERE status = 'cancelled'),
         'inFlight', count(*) FILTER (WHERE status = 'in_flight' AND placed_at IS NOT NULL)) FROM orders) AS orders,
      (SELECT coalesce(json_object_agg(reason, n), '{}') FROM
         (SELECT reason, count(*) AS n FROM orders WHERE status = 'cancelled' GROUP BY reason) AS by_reason) AS "cancelledByReason",
      (SELECT (coalesce(sum(captured_amount), 0) - coalesce(sum(refunded_amount), 0))::float8 FROM orders) AS revenue,
      (SELECT count(*)::int FROM products) AS products,
      (SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY saga_duration_ms)
         FROM orders WHERE saga_duration_ms IS NOT NULL) AS percentiles,
      (SELECT coalesce(json_object_agg(event_type, count), '{}')
         FROM (SELECT event_type, sum(count)::bigint AS count FROM event_counts GROUP BY event_type) AS by_type) AS events`);
  return rows[0]!;
}

/** The read model's build: its consumer group is named after it (kpis.ts consumerGroup). */
export async function currentBuild(db: Db): Promise<string> {
  const { rows } = await db.query<{ build_id: string }>("SELECT build_id FROM read_model");
  return rows[0]!.build_id;
}

/**
 * Any constant (distinct from messaging's migration lock): every running instance holds this
 * advisory lock shared, for as long as it runs; a rebuild needs it exclusively.
 */
const instanceLock = 7_266_106;

export async function lockInstanceShared(session: ClientBase): Promise<void> {
  await session.query("SELECT pg_advisory_lock_shared($1)", [instanceLock]);
}

/**
 * Empties the read model and its inbox and starts a new build, in the caller's transaction.
 * Returns the new build id; undefined (and nothing changed) while an instance of the service runs.
 */
export async function resetReadModel(tx: ClientBase): Promise<string | undefined> {
  const { rows: [lock] } = await tx.query<{ free: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS free", [instanceLock]);
  if (!lock!.free) return undefined;
  await tx.query("TRUNCATE orders, products, event_counts, processed_events");
  const { rows } = await tx.query<{ build_id: string }>(
    "UPDATE read_model SET build_id = gen_random_uuid(), built_at = now() RETURNING build_id");
  return rows[0]!.build_id;
}
