/** Every SQL statement of the analytics service. Each function takes the connection or transaction to use. */
import path from "node:path";
import type { ClientBase, Pool } from "pg";
import { cents, type Cents } from "@shop/contracts";
import { messagingMigrations, migrationsIn } from "@shop/messaging";
import type { EventCount, OrderFacts, ProductListing } from "./read-model-batch";

/** The tables: processed_events (and the unused outbox) from packages/messaging, then migrations/. */
export const migrations = [...messagingMigrations, ...migrationsIn(path.join(__dirname, "..", "migrations"), "analytics")];

type Db = ClientBase | Pool;

// Each statement records a whole batch (read-model-batch.ts folds it first), creates rows for
// orders and products seen for the first time, and merges with what is there by the rules that
// make it idempotent and independent of arrival order: the earliest placement (with its total),
// confirmation and cancellation (with its reason) win; amounts keep the largest. Applying it
// again, or after the other facts, changes nothing more.

export async function recordOrders(tx: Db, orders: readonly OrderFacts[]): Promise<void> {
  if (orders.length === 0) return;
  const column = <K extends keyof OrderFacts>(key: K) => orders.map((order) => order[key]);
  await tx.query(
    `INSERT INTO orders (order_id, placed_at, total, confirmed_at, cancelled_at, reason, captured_amount, refunded_amount)
     SELECT order_id, placed_at, total, confirmed_at, cancelled_at, reason, coalesce(captured_amount, 0), coalesce(refunded_amount, 0)
       FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::bigint[], $8::bigint[])
            AS facts (order_id, placed_at, total, confirmed_at, cancelled_at, reason, captured_amount, refunded_amount)
     ON CONFLICT (order_id) DO UPDATE SET
       total = CASE WHEN EXCLUDED.placed_at IS NOT NULL AND (orders.placed_at IS NULL OR EXCLUDED.placed_at < orders.placed_at)
                    THEN EXCLUDED.total ELSE orders.total END,
       placed_at = LEAST(orders.placed_at, EXCLUDED.placed_at),
       confirmed_at = LEAST(orders.confirmed_at, EXCLUDED.confirmed_at),
       reason = CASE WHEN EXCLUDED.cancelled_at IS NOT NULL AND (orders.cancelled_at IS NULL OR EXCLUDED.cancelled_at < orders.cancelled_at)
                     THEN EXCLUDED.reason ELSE orders.reason END,
       cancelled_at = LEAST(orders.cancelled_at, EXCLUDED.cancelled_at),
       captured_amount = GREATEST(orders.captured_amount, EXCLUDED.captured_amount),
       refunded_amount = GREATEST(orders.refunded_amount, EXCLUDED.refunded_amount)`,
    [column("orderId"), column("placedAt"), column("total"), column("confirmedAt"), column("cancelledAt"), column("reason"),
      column("capturedAmount"), column("refundedAmount")]);
}

export async function recordProducts(tx: Db, products: readonly ProductListing[]): Promise<void> {
  if (products.length === 0) return;
  await tx.query(
    `INSERT INTO products (sku, price, listed_at) SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[])
     ON CONFLICT (sku) DO UPDATE SET price = EXCLUDED.price, listed_at = EXCLUDED.listed_at
     WHERE EXCLUDED.listed_at > products.listed_at`,
    [products.map((p) => p.sku), products.map((p) => p.price), products.map((p) => p.listedAt)]);
}

/** More events of these types from these partitions (one row per partition: see migrations/002). */
export async function countEvents(tx: Db, counts: readonly EventCount[]): Promise<void> {
  if (counts.length === 0) return;
  await tx.query(
    `INSERT INTO event_counts (event_type, topic, partition, count) SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::bigint[])
     ON CONFLICT (event_type, topic, partition) DO UPDATE SET count = event_counts.count + EXCLUDED.count`,
    [counts.map((c) => c.eventType), counts.map((c) => c.topic), counts.map((c) => c.partition), counts.map((c) => c.count)]);
}

/** The KPIs as the database computes them, in one statement: one snapshot, so they agree with each other. */
export interface KpiRow {
  orders: { placed: number; confirmed: number; cancelled: number; inFlight: number };
  cancelledByReason: Record<string, number>;
  revenue: Cents;
  products: number;
  /** p50, p95, p99 of saga_duration_ms; null when no order has finished. */
  percentiles: number[] | null;
  events: Record<string, number>;
}

export async function readKpis(db: Db): Promise<KpiRow> {
  const { rows } = await db.query<Omit<KpiRow, "revenue"> & { revenue: string }>(`
    SELECT
      (SELECT json_build_object(
         'placed', count(*) FILTER (WHERE placed_at IS NOT NULL),
         'confirmed', count(*) FILTER (WHERE status = 'confirmed'),
         'cancelled', count(*) FILTER (WHERE status = 'cancelled'),
         'inFlight', count(*) FILTER (WHERE status = 'in_flight' AND placed_at IS NOT NULL)) FROM orders) AS orders,
      (SELECT coalesce(json_object_agg(reason, n), '{}') FROM
         (SELECT reason, count(*) AS n FROM orders WHERE status = 'cancelled' GROUP BY reason) AS by_reason) AS "cancelledByReason",
      (SELECT (coalesce(sum(captured_amount), 0) - coalesce(sum(refunded_amount), 0))::bigint FROM orders) AS revenue,
      (SELECT count(*)::int FROM products) AS products,
      (SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY saga_duration_ms)
         FROM orders WHERE saga_duration_ms IS NOT NULL) AS percentiles,
      (SELECT coalesce(json_object_agg(event_type, count), '{}')
         FROM (SELECT event_type, sum(count)::bigint AS count FROM event_counts GROUP BY event_type) AS by_type) AS events`);
  const row = rows[0]!;
  return { ...row, revenue: cents(row.revenue) }; // bigint comes as text (money.ts in packages/contracts)
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
