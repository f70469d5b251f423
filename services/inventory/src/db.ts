/** Every SQL statement of the inventory service. Each function takes the connection or transaction to use. */
import type { ClientBase, Pool } from "pg";
import { cents, type Cents } from "@shop/contracts";

export interface Product { sku: string; name: string; price: Cents; quantity: number }
export interface StockRow { sku: string; name: string; price: Cents; available: number; reserved: number; sold: number }

const stockColumns = "sku, name, price, available, reserved, sold";

/** A products row as pg returns it: price is bigint, which comes as text (money.ts in packages/contracts). */
type StockColumns = Omit<StockRow, "price"> & { price: string };
const toStock = (row: StockColumns): StockRow => ({ ...row, price: cents(row.price) });

/** Inserts the products not there yet; returns those it inserted (a concurrent seeder's rows are skipped). */
export async function insertProducts(db: ClientBase, products: readonly Product[]): Promise<Omit<Product, "quantity">[]> {
  const { rows } = await db.query<{ sku: string; name: string; price: string }>(
    `INSERT INTO products (sku, name, price, available)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::integer[])
     ON CONFLICT (sku) DO NOTHING
     RETURNING sku, name, price`,
    [products.map((p) => p.sku), products.map((p) => p.name), products.map((p) => p.price), products.map((p) => p.quantity)]);
  return rows.map((row) => ({ ...row, price: cents(row.price) }));
}

export async function hasProducts(db: ClientBase): Promise<boolean> {
  const { rows } = await db.query<{ any: boolean }>("SELECT EXISTS (SELECT 1 FROM products) AS any");
  return rows[0]!.any;
}

export async function allStock(db: ClientBase | Pool): Promise<StockRow[]> {
  const { rows } = await db.query<StockColumns>(`SELECT ${stockColumns} FROM products ORDER BY sku`);
  return rows.map(toStock);
}

export async function stockOf(db: ClientBase | Pool, sku: string): Promise<StockRow | undefined> {
  const { rows } = await db.query<StockColumns>(`SELECT ${stockColumns} FROM products WHERE sku = $1`, [sku]);
  return rows[0] && toStock(rows[0]);
}

/** A reservation: the units of one SKU an order holds, sold, or gave back; and whether the order was confirmed (OrderConfirmed). */
export interface ReservationRow { orderId: string; sku: string; quantity: number; status: "reserved" | "released" | "committed"; orderConfirmed: boolean }

/**
 * Serialises the handlers of these orders until the transaction ends. An order's events come
 * from three topics and may be handled at the same moment (a timeout's OrderCancelled crossing
 * ShipmentScheduled); with the lock each handler sees what the one before it committed, e.g. a
 * release that found nothing to release, which the late OrderPlaced must honour. One statement
 * for the batch, the locks taken in the order of their keys (sorted in the subquery, taken by
 * the outer SELECT as it reads them), so two batches sharing orders cannot deadlock, even when
 * two order ids share a hash. The two-key form keeps these locks apart from
 * packages/messaging's one-key locks (relay leader, migrations).
 */
export async function lockOrders(db: ClientBase, orderIds: readonly string[]): Promise<void> {
  await db.query(
    `SELECT pg_advisory_xact_lock(4002, key)
       FROM (SELECT DISTINCT hashtext(id) AS key FROM unnest($1::text[]) AS id ORDER BY 1) AS keys`,
    [orderIds]);
}

/** Every reservation of these orders, in any status. */
export async function reservationsOf(db: ClientBase, orderIds: readonly string[]): Promise<ReservationRow[]> {
  const { rows } = await db.query<ReservationRow>(
    `SELECT order_id AS "orderId", sku, quantity, status, order_confirmed AS "orderConfirmed" FROM reservations WHERE order_id = ANY($1::uuid[])`,
    [orderIds]);
  return rows;
}

/** Which of these orders were released before they reserved anything. */
export async function releasedOrdersOf(db: ClientBase, orderIds: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ orderId: string }>(
    `SELECT order_id AS "orderId" FROM released_orders WHERE order_id = ANY($1::uuid[])`, [orderIds]);
  return rows.map((row) => row.orderId);
}

/**
 * These products, locked until the transaction ends, in SKU order (two batches sharing products
 * cannot deadlock; orders are always locked first). Unknown SKUs are simply not returned.
 */
export async function lockProducts(db: ClientBase, skus: readonly string[]): Promise<StockRow[]> {
  const { rows } = await db.query<StockColumns>(
    `SELECT ${stockColumns} FROM products WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`, [[...new Set(skus)]]);
  return rows.map(toStock);
}

/**
 * Writes the products' stock counts: one statement for any number. The CHECKs (available >= 0,
 * ...) still guard every row: a bug that would oversell fails the transaction instead.
 */
export async function saveStock(db: ClientBase, products: readonly StockRow[]): Promise<void> {
  if (products.length === 0) return;
  await db.query(
    `UPDATE products SET available = changed.available, reserved = changed.reserved, sold = changed.sold
       FROM unnest($1::text[], $2::integer[], $3::integer[], $4::integer[]) AS changed (sku, available, reserved, sold)
      WHERE products.sku = changed.sku`,
    [products.map((p) => p.sku), products.map((p) => p.available), products.map((p) => p.reserved), products.map((p) => p.sold)]);
}

export async function insertReservations(db: ClientBase, reservations: readonly ReservationRow[]): Promise<void> {
  if (reservations.length === 0) return;
  await db.query(
    `INSERT INTO reservations (order_id, sku, quantity, status, order_confirmed)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::integer[], $4::text[], $5::boolean[])`,
    [reservations.map((r) => r.orderId), reservations.map((r) => r.sku), reservations.map((r) => r.quantity), reservations.map((r) => r.status),
      reservations.map((r) => r.orderConfirmed)]);
}

/** Writes the reservations' new status (released or committed) and confirmation: one statement for any number. */
export async function updateReservations(db: ClientBase, reservations: readonly ReservationRow[]): Promise<void> {
  if (reservations.length === 0) return;
  await db.query(
    `UPDATE reservations SET status = changed.status, order_confirmed = changed.order_confirmed, updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[]) AS changed (order_id, sku, status, order_confirmed)
      WHERE reservations.order_id = changed.order_id AND reservations.sku = changed.sku`,
    [reservations.map((r) => r.orderId), reservations.map((r) => r.sku), reservations.map((r) => r.status), reservations.map((r) => r.orderConfirmed)]);
}

export async function rememberReleases(db: ClientBase, releases: readonly { orderId: string; releasedBy: string }[]): Promise<void> {
  if (releases.length === 0) return;
  await db.query(
    "INSERT INTO released_orders (order_id, released_by) SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT DO NOTHING",
    [releases.map((r) => r.orderId), releases.map((r) => r.releasedBy)]);
}

