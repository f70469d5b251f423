/** Every SQL statement of the order service. Each function takes the pool, connection or transaction to use. */
import type { ClientBase, Pool } from "pg";
import type { OrderLine, ShippingAddress } from "@shop/contracts";
import type { OrderStatus } from "./order-saga";

/** A pool (one statement, autocommit) or a client inside a transaction. */
export type Db = ClientBase | Pool;

export interface OrderRow {
  id: string;
  status: OrderStatus;
  reason: string | null;
  customerId: string;
  email: string;
  items: OrderLine[];
  total: number;
  paymentMethod: string;
  shippingAddress: ShippingAddress;
  createdAt: Date;
  /** SHA-256 of the POST /orders body that placed it (body-hash.ts); null for orders placed before it was kept. */
  bodySha256: string | null;
}

export interface HistoryRow { eventType: string; occurredAt: string; producer: string }

const orderColumns = `id, status, reason, customer_id AS "customerId", email, items, total::float8 AS total,
  payment_method AS "paymentMethod", shipping_address AS "shippingAddress", created_at AS "createdAt", body_sha256 AS "bodySha256"`;

export async function prices(db: Db, skus: string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ sku: string; price: number }>(
    "SELECT sku, price::float8 AS price FROM catalog WHERE sku = ANY($1)", [skus]);
  return new Map(rows.map((row) => [row.sku, row.price]));
}

export async function catalog(db: Db): Promise<{ sku: string; name: string; price: number }[]> {
  const { rows } = await db.query<{ sku: string; name: string; price: number }>("SELECT sku, name, price::float8 AS price FROM catalog ORDER BY sku");
  return rows;
}

export async function upsertProduct(db: Db, sku: string, name: string, price: number): Promise<void> {
  await db.query(
    `INSERT INTO catalog (sku, name, price) VALUES ($1, $2, $3)
     ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price = excluded.price`, [sku, name, price]);
}

/** Inserts the order unless its idempotency key is taken; returns whether it was inserted. */
export async function insertOrder(db: Db, order: OrderRow, idempotencyKey: string | null, deadline: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO orders (id, status, reason, customer_id, email, items, total, payment_method, shipping_address,
       idempotency_key, created_at, deadline_at, body_sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [order.id, order.status, order.reason, order.customerId, order.email, JSON.stringify(order.items), order.total,
      order.paymentMethod, JSON.stringify(order.shippingAddress), idempotencyKey, order.createdAt, deadline, order.bodySha256]);
  return rowCount === 1;
}

export async function orderByIdempotencyKey(db: Db, key: string): Promise<OrderRow | undefined> {
  const { rows } = await db.query<OrderRow>(`SELECT ${orderColumns} FROM orders WHERE idempotency_key = $1`, [key]);
  return rows[0];
}

export async function findOrder(db: Db, id: string, { forUpdate = false } = {}): Promise<OrderRow | undefined> {
  const { rows } = await db.query<OrderRow>(
    `SELECT ${orderColumns} FROM orders WHERE id = $1 ${forUpdate ? "FOR UPDATE" : ""}`, [id]);
  return rows[0];
}

export async function updateStatus(db: Db, id: string, status: OrderStatus, reason: string | null): Promise<void> {
  await db.query("UPDATE orders SET status = $2, reason = $3 WHERE id = $1", [id, status, reason]);
}

export async function addHistory(db: Db, orderId: string, event: { eventId: string; eventType: string; occurredAt: string; producer: string }): Promise<void> {
  await db.query(
    `INSERT INTO order_history (order_id, event_id, event_type, occurred_at, producer) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [orderId, event.eventId, event.eventType, event.occurredAt, event.producer]);
}

export async function history(db: Db, orderId: string): Promise<HistoryRow[]> {
  const { rows } = await db.query<HistoryRow>(
    `SELECT event_type AS "eventType", to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "occurredAt", producer
     FROM order_history WHERE order_id = $1 ORDER BY occurred_at, event_type`, [orderId]);
  return rows;
}

/** Orders in flight past their deadline, locked; SKIP LOCKED lets several instances share the work. */
export async function overdueOrderIds(db: Db, now: Date, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM orders WHERE status IN ('PENDING', 'RESERVED', 'PAID') AND deadline_at <= $1
     ORDER BY deadline_at LIMIT $2 FOR UPDATE SKIP LOCKED`, [now, limit]);
  return rows.map((row) => row.id);
}

/** What the load shedder reads: the sagas in flight (orders not yet confirmed or cancelled), at `readAt` (the database's clock). */
export interface InFlightReading {
  readAt: Date;
  count: number;
  oldestAgeMs: number;
  /** How many of them were placed at or before `placedBefore`: the rest of an earlier reading's sagas finished. */
  stillInFlightFromBefore: number;
}

export async function sagasInFlight(db: Db, placedBefore: Date | null): Promise<InFlightReading> {
  const { rows } = await db.query<{ read_at: Date; count: number; oldest_age_ms: number; still_in_flight_from_before: number }>(
    `SELECT now() AS read_at,
            count(*)::int AS count,
            COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)) * 1000, 0)::int AS oldest_age_ms,
            count(*) FILTER (WHERE created_at <= $1)::int AS still_in_flight_from_before
       FROM orders WHERE status IN ('PENDING', 'RESERVED', 'PAID')`,
    [placedBefore],
  );
  const row = rows[0]!;
  return { readAt: row.read_at, count: row.count, oldestAgeMs: row.oldest_age_ms, stillInFlightFromBefore: row.still_in_flight_from_before };
}
