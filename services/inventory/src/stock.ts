/**
 * The inventory service's business: the catalogue it seeds and publishes, and each order's
 * reservation, which is made all-or-nothing, then released (compensation) or committed (sale).
 * Every change and the event announcing it commit in one transaction. The rules themselves are
 * in stock-book.ts; this file loads what a batch needs, applies them, and saves.
 */
import fs from "node:fs";
import type { Pool, PoolClient } from "pg";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { newEvent, topics, type OrderLine } from "@shop/contracts";
import { withTransaction, type Outbox, type OutgoingEvent, type TraceContext } from "@shop/messaging";
import type { Logger } from "@shop/observability";
import * as db from "./db";
import { StockBook, type Cause } from "./stock-book";

export { stockLines } from "./stock-book";

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

/** What inventory is asked to do, and by which event (stock-book.ts has the rules for each). */
export type StockRequest =
  | { action: "reserve"; event: Cause & { items: OrderLine[] }; traceContext?: TraceContext }
  | { action: "release" | "cancel" | "commit" | "confirm"; event: Cause; traceContext?: TraceContext };

/**
 * Carries out a batch of requests inside the caller's transaction (the inbox's), with at most
 * nine statements whatever the batch's size:
 *   1. load:   lock the batch's orders, read their reservations and earlier releases, lock the
 *              products they name (orders first, then products, each in sorted order);
 *   2. decide: request by request, in order, in memory (StockBook), so that two events of one
 *              order, or two orders wanting the same units, see each other;
 *   3. save:   the stock counts, the new and moved reservations, the releases to remember, and
 *              every event with one outbox.addMany.
 */
export async function handleStockRequests({ outbox, logger }: StockDeps, tx: PoolClient, requests: readonly StockRequest[]): Promise<void> {
  if (requests.length === 0) return;
  const orderIds = requests.map(({ event }) => event.orderId);
  await db.lockOrders(tx, orderIds);
  const reservations = await db.reservationsOf(tx, orderIds);
  const releasedOrders = await db.releasedOrdersOf(tx, orderIds);
  const skus = [...requests.flatMap((r) => (r.action === "reserve" ? r.event.items.map((item) => item.sku) : [])), ...reservations.map((r) => r.sku)];
  const book = new StockBook(await db.lockProducts(tx, skus), reservations, releasedOrders, logger);

  const outgoing: OutgoingEvent[] = [];
  for (const request of requests) {
    for (const event of decide(book, request)) {
      if (event) outgoing.push({ event, topic: topics.inventory, key: request.event.orderId, traceContext: request.traceContext });
    }
  }

  const changes = book.changes();
  await db.saveStock(tx, changes.products);
  await db.insertReservations(tx, changes.newReservations);
  await db.updateReservations(tx, changes.movedReservations);
  await db.rememberReleases(tx, changes.newReleases);
  await outbox.addMany(tx, outgoing);
}

/** One request, in memory: the StockBook rule it calls for, and the events to publish. */
function decide(book: StockBook, request: StockRequest) {
  switch (request.action) {
    case "reserve": return [book.reserve(request.event)];
    case "release": return [book.release(request.event)];
    case "cancel": return book.cancel(request.event);
    case "commit": return [book.commit(request.event)];
    case "confirm": book.confirm(request.event); return [];
  }
}

/** One request on its own (a batch of one): for tests and tools. */
export const reserve = (deps: StockDeps, tx: PoolClient, placed: Cause & { items: OrderLine[] }) => handleStockRequests(deps, tx, [{ action: "reserve", event: placed }]);
export const release = (deps: StockDeps, tx: PoolClient, cause: Cause) => handleStockRequests(deps, tx, [{ action: "release", event: cause }]);
export const cancel = (deps: StockDeps, tx: PoolClient, cancelled: Cause) => handleStockRequests(deps, tx, [{ action: "cancel", event: cancelled }]);
export const commit = (deps: StockDeps, tx: PoolClient, scheduled: Cause) => handleStockRequests(deps, tx, [{ action: "commit", event: scheduled }]);

export const listStock = (pool: Pool): Promise<db.StockRow[]> => db.allStock(pool);
export const getStock = (pool: Pool, sku: string): Promise<db.StockRow | undefined> => db.stockOf(pool, sku);
