/** Every SQL statement of the inventory service. Each function takes the connection or transaction to use. */
import type { ClientBase, Pool } from "pg";
import type { StockLine } from "@shop/contracts";

export interface Product { sku: string; name: string; price: number; quantity: number }
export interface StockRow { sku: string; name: string; price: number; available: number; reserved: number; sold: number }

const stockColumns = "sku, name, price::float8 AS price, available, reserved, sold";

/** Inserts the products not there yet; returns those it inserted (a concurrent seeder's rows are skipped). */
export async function insertProducts(db: ClientBase, products: readonly Product[]): Promise<Omit<Product, "quantity">[]> {
  const { rows } = await db.query<Omit<Product, "quantity">>(
    `INSERT INTO products (sku, name, price, available)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::integer[])
     ON CONFLICT (sku) DO NOTHING
     RETURNING sku, name, price::float8 AS price`,
    [products.map((p) => p.sku), products.map((p) => p.name), products.map((p) => p.price), products.map((p) => p.quantity)]);
  return rows;
}

export async function hasProducts(db: ClientBase): Promise<boolean> {
  const { rows } = await db.query<{ any: boolean }>("SELECT EXISTS (SELECT 1 FROM products) AS any");
  return rows[0]!.any;
}

export async function allStock(db: ClientBase | Pool): Promise<StockRow[]> {
  const { rows } = await db.query<StockRow>(`SELECT ${stockColumns} FROM products ORDER BY sku`);
  return rows;
}

export async function stockOf(db: ClientBase | Pool, sku: string): Promise<StockRow | undefined> {
  const { rows } = await db.query<StockRow>(`SELECT ${stockColumns} FROM products WHERE sku = $1`, [sku]);
  return rows[0];
}

/**
 * Serialises the handlers of one order until the transaction ends. Its events come from three
 * topics and may be handled at the same moment (a timeout's OrderCancelled crossing
 * ShipmentScheduled); with the lock each handler sees what the one before it committed, e.g. a
 * release that found nothing to release, which the late OrderPlaced must honour. The two-key
 * form keeps these locks apart from packages/messaging's one-key locks (relay leader, migrations).
 */
export async function lockOrder(db: ClientBase, orderId: string): Promise<void> {
  await db.query("SELECT pg_advisory_xact_lock(4002, hashtext($1))", [orderId]);
}

/** Whether the order already has reservations (in any status) or was released before any. */
export async function orderSeen(db: ClientBase, orderId: string): Promise<boolean> {
  const { rows } = await db.query<{ seen: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM reservations WHERE order_id = $1)
         OR EXISTS (SELECT 1 FROM released_orders WHERE order_id = $1) AS seen`, [orderId]);
  return rows[0]!.seen;
}

/**
 * Takes `quantity` units from available into reserved, only if that many are available: the
 * condition and the change are one statement on a locked row, so concurrent orders cannot
 * both take the last unit. False when the SKU is unknown or short.
 */
export async function takeStock(db: ClientBase, { sku, quantity }: StockLine): Promise<boolean> {
  const { rowCount } = await db.query(
    "UPDATE products SET available = available - $2, reserved = reserved + $2 WHERE sku = $1 AND available >= $2",
    [sku, quantity]);
  return rowCount === 1;
}

/** Reserved units go back to available (a released reservation). */
export async function returnStock(db: ClientBase, { sku, quantity }: StockLine): Promise<void> {
  await db.query("UPDATE products SET available = available + $2, reserved = reserved - $2 WHERE sku = $1", [sku, quantity]);
}

/** Reserved units become sold (a committed reservation). */
export async function sellStock(db: ClientBase, { sku, quantity }: StockLine): Promise<void> {
  await db.query("UPDATE products SET sold = sold + $2, reserved = reserved - $2 WHERE sku = $1", [sku, quantity]);
}

/** A sale taken back: sold units become available again (an order cancelled after its stock was committed). */
export async function unsellStock(db: ClientBase, { sku, quantity }: StockLine): Promise<void> {
  await db.query("UPDATE products SET available = available + $2, sold = sold - $2 WHERE sku = $1", [sku, quantity]);
}

export async function insertReservations(db: ClientBase, orderId: string, lines: readonly StockLine[]): Promise<void> {
  await db.query(
    `INSERT INTO reservations (order_id, sku, quantity, status)
     SELECT $1, * , 'reserved' FROM unnest($2::text[], $3::integer[])`,
    [orderId, lines.map((line) => line.sku), lines.map((line) => line.quantity)]);
}

/**
 * Moves the order's reservations in status `from` to `to` (reserve → release or commit; a
 * committed sale → released when the order is cancelled); returns them, by SKU. Reservations in
 * any other status are left alone, which makes every repeat a no-op.
 */
export async function moveReservations(
  db: ClientBase, orderId: string, from: "reserved" | "committed", to: "released" | "committed",
): Promise<StockLine[]> {
  const { rows } = await db.query<StockLine>(
    `UPDATE reservations SET status = $3, updated_at = now() WHERE order_id = $1 AND status = $2
     RETURNING sku, quantity`, [orderId, from, to]);
  return rows.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

export async function rememberRelease(db: ClientBase, orderId: string, releasedBy: string): Promise<void> {
  await db.query("INSERT INTO released_orders (order_id, released_by) VALUES ($1, $2) ON CONFLICT DO NOTHING", [orderId, releasedBy]);
}

/**
 * Runs `work` in a savepoint. `work` returns undefined when it did everything, or what stopped
 * it: then everything it did is undone, while the surrounding transaction (the inbox's, with
 * the batch's other events) goes on. Returns what `work` returned.
 */
export async function allOrNothing<F>(db: ClientBase, work: () => Promise<F | undefined>): Promise<F | undefined> {
  await db.query("SAVEPOINT reserve");
  const failure = await work();
  await db.query(failure === undefined ? "RELEASE SAVEPOINT reserve" : "ROLLBACK TO SAVEPOINT reserve");
  return failure;
}
