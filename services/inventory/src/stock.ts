/**
 * The inventory service's business: the catalogue it seeds and publishes, and each order's
 * reservation, which is made all-or-nothing, then released (compensation) or committed (sale).
 * Every change and the event announcing it commit in one transaction.
 */
import fs from "node:fs";
import type { Pool, PoolClient } from "pg";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { newEvent, topics, type OrderLine, type StockLine } from "@shop/contracts";
import { withTransaction, type Outbox } from "@shop/messaging";
import type { Logger } from "@shop/observability";
import * as db from "./db";

const Catalogue = Type.Array(Type.Object({
  sku: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  price: Type.Integer({ minimum: 0, description: "cents" }),
  quantity: Type.Integer({ minimum: 0 }),
}, { additionalProperties: false }), { minItems: 1 });

/** Reads and checks a catalogue file (catalog.json: sku, name, price in cents, quantity). */
export function readCatalog(file: string): Static<typeof Catalogue> {
  const products: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  const problem = Value.Errors(Catalogue, products).First();
  if (problem) throw new Error(`catalogue ${file}: ${problem.path || "/"} ${problem.message}`);
  return products as Static<typeof Catalogue>;
}

/**
 * Stocks an empty database from the catalogue and lists each product on the compacted catalog
 * topic (order prices from it), in one transaction. Returns how many it listed: 0 when the
 * products were there already. Simplification: later edits of the file are not applied.
 */
export async function seedCatalog(pool: Pool, outbox: Outbox, products: readonly db.Product[]): Promise<number> {
  return withTransaction(pool, async (tx) => {
    if (await db.hasProducts(tx)) return 0;
    // Two instances starting at once: the second waits on the first's rows, inserts none, lists none.
    const inserted = await db.insertProducts(tx, products);
    for (const { sku, name, price } of inserted) {
      await outbox.add(tx, newEvent("ProductListed", { sku, name, price }, { producer: "inventory" }), { topic: topics.catalog, key: sku });
    }
    return inserted.length;
  });
}

export interface StockDeps { outbox: Outbox; logger: Logger }

type Cause = { eventId: string; eventType: string; orderId: string };

/**
 * OrderPlaced: reserves every line or none, and says which with StockReserved or
 * StockReservationFailed. An order seen before (reserved, or already released) gets nothing.
 */
export async function reserve({ outbox, logger }: StockDeps, tx: PoolClient, placed: Cause & { items: OrderLine[] }): Promise<void> {
  const { orderId } = placed;
  await db.lockOrder(tx, orderId);
  if (await db.orderSeen(tx, orderId)) {
    logger.info({ orderId, eventId: placed.eventId }, "order already reserved or released: nothing to reserve");
    return;
  }
  const lines = stockLines(placed.items);
  // In SKU order, so two orders lock shared rows in the same order and cannot deadlock each other.
  const short = await db.allOrNothing(tx, async () => {
    for (const line of lines) if (line.quantity < 1 || !(await db.takeStock(tx, line))) return line;
    return undefined;
  });
  const context = { producer: "inventory" as const, causedBy: placed };
  if (!short) {
    await db.insertReservations(tx, orderId, lines);
    await outbox.add(tx, newEvent("StockReserved", { orderId, items: lines }, context), { topic: topics.inventory, key: orderId });
    return;
  }
  const product = await db.stockOf(tx, short.sku);
  const reason = !product ? `unknown sku ${short.sku}`
    : short.quantity < 1 ? `invalid quantity ${short.quantity} of ${short.sku}`
    : `only ${product.available} of ${short.sku} available, ${short.quantity} asked`;
  logger.info({ orderId, sku: short.sku, reason }, "stock reservation failed");
  const failed = newEvent("StockReservationFailed", { orderId, reason, sku: short.sku }, context);
  await outbox.add(tx, failed, { topic: topics.inventory, key: orderId });
}

/**
 * PaymentFailed, ShipmentFailed, OrderCancelled: gives the order's reserved units back and says
 * so with StockReleased, once. Reservations already released or committed stay as they are.
 */
export async function release({ outbox, logger }: StockDeps, tx: PoolClient, cause: Cause): Promise<void> {
  const { orderId } = cause;
  await db.lockOrder(tx, orderId);
  const items = await db.moveReservations(tx, orderId, "reserved", "released");
  if (items.length === 0) {
    // Nothing held: remember the release, so that an OrderPlaced arriving after it reserves nothing.
    if (!(await db.orderSeen(tx, orderId))) await db.rememberRelease(tx, orderId, cause.eventType);
    logger.info({ orderId, eventType: cause.eventType }, "nothing reserved to release");
    return;
  }
  for (const line of items) await db.returnStock(tx, line);
  const released = newEvent("StockReleased", { orderId, items }, { producer: "inventory", causedBy: cause });
  await outbox.add(tx, released, { topic: topics.inventory, key: orderId });
}

/**
 * OrderCancelled: the order will not be fulfilled, whatever crossed the cancellation. Reserved
 * units go back (release), and so do units already sold to it: a saga deadline can pass while
 * ShipmentScheduled is on its way, and a cancelled order must end with nothing sold, as it ends
 * with nothing charged (payment refunds) and nothing shipped (warehouse cancels the shipment).
 */
export async function cancel(deps: StockDeps, tx: PoolClient, cancelled: Cause): Promise<void> {
  await release(deps, tx, cancelled);
  const items = await db.moveReservations(tx, cancelled.orderId, "committed", "released");
  if (items.length === 0) return;
  for (const line of items) await db.unsellStock(tx, line);
  deps.logger.warn({ orderId: cancelled.orderId }, "order cancelled after its stock was committed: the sale is taken back");
  const released = newEvent("StockReleased", { orderId: cancelled.orderId, items }, { producer: "inventory", causedBy: cancelled });
  await deps.outbox.add(tx, released, { topic: topics.inventory, key: cancelled.orderId });
}

/** ShipmentScheduled: the reserved units are sold (StockCommitted), unless a release came first. */
export async function commit({ outbox, logger }: StockDeps, tx: PoolClient, scheduled: Cause): Promise<void> {
  const { orderId } = scheduled;
  await db.lockOrder(tx, orderId);
  const items = await db.moveReservations(tx, orderId, "reserved", "committed");
  if (items.length === 0) {
    logger.warn({ orderId, eventId: scheduled.eventId }, "shipment scheduled but nothing reserved (released first, or committed already): nothing to commit");
    return;
  }
  for (const line of items) await db.sellStock(tx, line);
  const committed = newEvent("StockCommitted", { orderId, items }, { producer: "inventory", causedBy: scheduled });
  await outbox.add(tx, committed, { topic: topics.inventory, key: orderId });
}

/** An order's lines as one line per SKU (quantities summed), sorted by SKU. */
export function stockLines(items: readonly { sku: string; quantity: number }[]): StockLine[] {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of items) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return [...bySku].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
}

export const listStock = (pool: Pool): Promise<db.StockRow[]> => db.allStock(pool);
export const getStock = (pool: Pool, sku: string): Promise<db.StockRow | undefined> => db.stockOf(pool, sku);
