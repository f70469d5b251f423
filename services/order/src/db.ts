/** Every SQL statement of the order service. Each function takes the pool, connection or transaction to use. */
import type { ClientBase, Pool } from "pg";
import { cents, type Cents, type OrderLine, type ShippingAddress } from "@shop/contracts";
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
  total: Cents;
  paymentMethod: string;
  shippingAddress: ShippingAddress;
  createdAt: Date;
  /** SHA-256 of the POST /orders body that placed it (body-hash.ts); null for orders placed before it was kept. */
  bodySha256: string | null;
}

export interface HistoryRow { eventType: string; occurredAt: string; producer: string }
/** A row to add to an order's history: the event that happened to it. */
export interface HistoryEntry { orderId: string; eventId: string; eventType: string; occurredAt: string; producer: string }

const orderColumns = `id, status, reason, customer_id AS "customerId", email, items, total,
  payment_method AS "paymentMethod", shipping_address AS "shippingAddress", created_at AS "createdAt", body_sha256 AS "bodySha256"`;

/** An orders row as pg returns it: total is bigint, which comes as text (money.ts). */
type OrderColumns = Omit<OrderRow, "total"> & { total: string };
const toOrder = (row: OrderColumns): OrderRow => ({ ...row, total: cents(row.total) });

/** A product of order's catalogue: what it charges for a SKU. */
export interface CatalogProduct { sku: string; name: string; price: Cents }

export async function prices(db: Db, skus: string[]): Promise<Map<string, Cents>> {
  const { rows } = await db.query<{ sku: string; price: string }>("SELECT sku, price FROM catalog WHERE sku = ANY($1)", [skus]);
  return new Map(rows.map((row) => [row.sku, cents(row.price)]));
}

export async function catalog(db: Db): Promise<CatalogProduct[]> {
  const { rows } = await db.query<{ sku: string; name: string; price: string }>("SELECT sku, name, price FROM catalog ORDER BY sku");
  return rows.map((row) => ({ ...row, price: cents(row.price) }));
}

/** Stores products as listed (the latest listing of a SKU wins): one statement for any number. */
export async function upsertProducts(db: Db, products: readonly CatalogProduct[]): Promise<void> {
  // One row per SKU, the last one given: an INSERT ... ON CONFLICT cannot change a row twice.
  const latest = [...new Map(products.map((product) => [product.sku, product])).values()];
  if (latest.length === 0) return;
  await db.query(
    `INSERT INTO catalog (sku, name, price) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
     ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price = excluded.price`,
    [latest.map((p) => p.sku), latest.map((p) => p.name), latest.map((p) => p.price)]);
}

/**
 * Inserts the orders, each unless its idempotency key is taken (by an order committed meanwhile):
 * one statement for any number. Returns the ids of those it inserted.
 */
export async function insertOrders(db: Db, orders: readonly { order: OrderRow; idempotencyKey: string | null; deadline: Date }[]): Promise<Set<string>> {
  if (orders.length === 0) return new Set();
  const column = <T>(pick: (entry: (typeof orders)[number]) => T) => orders.map(pick);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO orders (id, status, reason, customer_id, email, items, total, payment_method, shipping_address,
       idempotency_key, created_at, deadline_at, body_sha256)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::bigint[], $8::text[], $9::jsonb[],
       $10::text[], $11::timestamptz[], $12::timestamptz[], $13::text[])
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING id`,
    [column((e) => e.order.id), column((e) => e.order.status), column((e) => e.order.reason), column((e) => e.order.customerId),
      column((e) => e.order.email), column((e) => JSON.stringify(e.order.items)), column((e) => e.order.total),
      column((e) => e.order.paymentMethod), column((e) => JSON.stringify(e.order.shippingAddress)), column((e) => e.idempotencyKey),
      column((e) => e.order.createdAt), column((e) => e.deadline), column((e) => e.order.bodySha256)]);
  return new Set(rows.map((row) => row.id));
}

/** The orders these idempotency keys placed, by key (no statement for no keys). */
export async function ordersByIdempotencyKeys(db: Db, keys: readonly string[]): Promise<Map<string, OrderRow>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<OrderColumns & { idempotencyKey: string }>(
    `SELECT ${orderColumns}, idempotency_key AS "idempotencyKey" FROM orders WHERE idempotency_key = ANY($1::text[])`, [[...new Set(keys)]]);
  return new Map(rows.map(({ idempotencyKey, ...order }) => [idempotencyKey, toOrder(order)]));
}

export async function orderByIdempotencyKey(db: Db, key: string): Promise<OrderRow | undefined> {
  return (await ordersByIdempotencyKeys(db, [key])).get(key);
}

/** How many orders the customer placed. */
export async function countOrdersOf(db: Db, customerId: string): Promise<number> {
  const { rows } = await db.query<{ count: number }>("SELECT count(*)::int AS count FROM orders WHERE customer_id = $1", [customerId]);
  return rows[0]!.count;
}

export async function findOrder(db: Db, id: string): Promise<OrderRow | undefined> {
  const { rows } = await db.query<OrderColumns>(`SELECT ${orderColumns} FROM orders WHERE id = $1`, [id]);
  return rows[0] && toOrder(rows[0]);
}

/** These orders, locked until the transaction ends, in id order (two batches sharing orders cannot deadlock). */
export async function lockOrders(db: Db, ids: readonly string[]): Promise<Map<string, OrderRow>> {
  const { rows } = await db.query<OrderColumns>(
    `SELECT ${orderColumns} FROM orders WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [[...new Set(ids)]]);
  return new Map(rows.map((row) => [row.id, toOrder(row)]));
}

/** Writes the orders' status and reason: one statement for any number of orders. */
export async function updateStatuses(db: Db, orders: readonly Pick<OrderRow, "id" | "status" | "reason">[]): Promise<void> {
  if (orders.length === 0) return;
  await db.query(
    `UPDATE orders SET status = changed.status, reason = changed.reason
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS changed (id, status, reason)
      WHERE orders.id = changed.id`,
    [orders.map((o) => o.id), orders.map((o) => o.status), orders.map((o) => o.reason)]);
}

/** Adds the entries to their orders' histories (an event already there is skipped): one statement for any number. */
export async function addHistory(db: Db, entries: readonly HistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO order_history (order_id, event_id, event_type, occurred_at, producer)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[])
     ON CONFLICT DO NOTHING`,
    [entries.map((e) => e.orderId), entries.map((e) => e.eventId), entries.map((e) => e.eventType), entries.map((e) => e.occurredAt), entries.map((e) => e.producer)]);
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
