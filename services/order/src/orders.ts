/**
 * The order service's business: placing an order, moving it through the saga as facts
 * arrive (order-saga.ts decides, this file stores and announces), and cancelling orders that
 * take too long. Every change and the event announcing it commit in one transaction; a batch
 * of facts is applied with a fixed number of statements (load, decide in memory, save).
 */
import { randomUUID } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import { newEvent, topics, type EventOf, type OrderLine, type ShippingAddress } from "@shop/contracts";
import { withTransaction, type OutgoingEvent, type Outbox, type TraceContext } from "@shop/messaging";

type OrderConfirmed = EventOf<"OrderConfirmed">;
type OrderCancelled = EventOf<"OrderCancelled">;
import { bodySha256 } from "./body-hash";
import * as db from "./db";
import { isFinal, nextStatus, type OrderStatus, type SagaFact } from "./order-saga";

export interface OrderRequest {
  customerId: string;
  items: { sku: string; quantity: number }[];
  paymentMethod: string;
  shippingAddress: ShippingAddress;
  email: string;
}

export interface OrderView {
  orderId: string;
  status: OrderStatus;
  reason?: string;
  total: number;
  items: OrderLine[];
  history: db.HistoryRow[];
}

/** A SKU the catalogue does not list: the client's mistake, answered with 400. */
export class UnknownSkuError extends Error {
  constructor(readonly sku: string) {
    super(`items: unknown sku "${sku}"`);
  }
}

/** An Idempotency-Key sent again with another body: the client's mistake (a key names one request), answered with 422. */
export class IdempotencyKeyReusedError extends Error {
  constructor() {
    super("Idempotency-Key: this key was used with a different request body; send a new key for a new order");
  }
}

export interface OrdersDeps {
  pool: Pool;
  outbox: Outbox;
  sagaTimeoutMs: number;
  now?: () => Date;
}

/**
 * Prices the order from the local catalogue, stores it PENDING and adds OrderPlaced to the
 * outbox, in one transaction. The same idempotency key with the same body returns the order it
 * created first, writing nothing; with another body it throws IdempotencyKeyReusedError.
 */
export async function placeOrder(deps: OrdersDeps, request: OrderRequest, idempotencyKey?: string): Promise<{ orderId: string; status: OrderStatus }> {
  const now = deps.now?.() ?? new Date();
  const requestSha256 = bodySha256(request);
  return withTransaction(deps.pool, async (tx) => {
    if (idempotencyKey) {
      const existing = await db.orderByIdempotencyKey(tx, idempotencyKey);
      if (existing) return sameOrderAgain(existing, requestSha256);
    }
    const prices = await db.prices(tx, request.items.map((item) => item.sku));
    const items: OrderLine[] = request.items.map(({ sku, quantity }) => {
      const unitPrice = prices.get(sku);
      if (unitPrice === undefined) throw new UnknownSkuError(sku);
      return { sku, quantity, unitPrice };
    });
    const order: db.OrderRow = {
      id: randomUUID(), status: "PENDING", reason: null, customerId: request.customerId, email: request.email, items,
      total: items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0),
      paymentMethod: request.paymentMethod, shippingAddress: request.shippingAddress, createdAt: now, bodySha256: requestSha256,
    };
    const inserted = await db.insertOrder(tx, order, idempotencyKey ?? null, new Date(now.getTime() + deps.sagaTimeoutMs));
    if (!inserted) {
      // Another request with the same key committed between our check and our insert.
      return sameOrderAgain((await db.orderByIdempotencyKey(tx, idempotencyKey!))!, requestSha256);
    }
    const placed = newEvent("OrderPlaced", {
      orderId: order.id, customerId: order.customerId, items, total: order.total,
      paymentMethod: order.paymentMethod, shippingAddress: order.shippingAddress, couponCode: null,
    }, { producer: "order", now: () => now });
    await db.addHistory(tx, [historyEntry(order.id, placed)]);
    await deps.outbox.add(tx, placed, { topic: topics.orders, key: order.id });
    return { orderId: order.id, status: order.status };
  });
}

/** The order a repeated Idempotency-Key placed, if the body is the same; an order from before body hashes were kept is taken as the same. */
function sameOrderAgain(existing: db.OrderRow, requestSha256: string): { orderId: string; status: OrderStatus } {
  if (existing.bodySha256 !== null && existing.bodySha256 !== requestSha256) throw new IdempotencyKeyReusedError();
  return { orderId: existing.id, status: existing.status };
}

/** A fact about an order (another service's event, or the deadline), as the saga sees it. */
export interface Fact {
  fact: SagaFact;
  orderId: string;
  /** The event that carries the fact; absent for the deadline. */
  event?: { eventId: string; eventType: string; occurredAt: string; producer: string };
  /** The trace context the events it causes continue (the consumer span's); default: the active one. */
  traceContext?: TraceContext;
}

/**
 * Applies a batch of facts inside the caller's transaction (the inbox's, or the deadline
 * watch's) with at most four statements, whatever the batch's size:
 *   1. load:   the batch's orders, locked (in id order: two batches cannot deadlock);
 *   2. decide: fact by fact, in order, in memory (decideFact), so that two facts of one order
 *              in the same batch see each other;
 *   3. save:   the history rows, the changed statuses, and one outbox.addMany.
 * A final status is announced with OrderConfirmed or OrderCancelled; a final order never changes
 * again, so each is sent once. A fact about an order that is not ours changes nothing.
 * Returns each known order's status afterwards.
 */
export async function applyFacts(tx: PoolClient, outbox: Outbox, facts: readonly Fact[], now = new Date()): Promise<Map<string, OrderStatus>> {
  const orders = await db.lockOrders(tx, facts.map((fact) => fact.orderId));
  const statusBefore = new Map([...orders].map(([id, order]) => [id, order.status]));
  const history: db.HistoryEntry[] = [];
  const outgoing: OutgoingEvent[] = [];
  for (const fact of facts) {
    const order = orders.get(fact.orderId);
    if (!order) continue; // not one of ours
    const decision = decideFact(order, fact, now);
    orders.set(order.id, decision.order);
    history.push(...decision.history);
    if (decision.event) outgoing.push({ event: decision.event, topic: topics.orders, key: order.id, traceContext: fact.traceContext });
  }
  await db.addHistory(tx, history);
  await db.updateStatuses(tx, [...orders.values()].filter((order) => order.status !== statusBefore.get(order.id)));
  await outbox.addMany(tx, outgoing);
  return new Map([...orders].map(([id, order]) => [id, order.status]));
}

/** One fact about an order, in memory: the order after it, the history rows it adds, and the event announcing a final status. */
export function decideFact(order: db.OrderRow, { fact, event }: Fact, now: Date): { order: db.OrderRow; history: db.HistoryEntry[]; event?: OrderConfirmed | OrderCancelled } {
  const history: db.HistoryEntry[] = event ? [historyEntry(order.id, event)] : [];
  const transition = nextStatus(order.status, fact);
  if (!transition) return { order, history };
  const changed = { ...order, status: transition.to, reason: transition.reason ?? null };
  const context = { producer: "order" as const, now: () => now, ...(event ? { causedBy: event } : {}) };
  let announced: OrderConfirmed | OrderCancelled | undefined;
  if (transition.to === "CONFIRMED") {
    announced = newEvent("OrderConfirmed", { orderId: order.id, customerEmail: order.email, items: order.items, total: order.total }, context);
  }
  if (transition.to === "CANCELLED") {
    announced = newEvent("OrderCancelled", { orderId: order.id, reason: transition.reason!, customerEmail: order.email }, context);
  }
  if (announced) history.push(historyEntry(order.id, announced));
  return { order: changed, history, ...(announced ? { event: announced } : {}) };
}

/** What an order's history keeps of an event. */
function historyEntry(orderId: string, { eventId, eventType, occurredAt, producer }: NonNullable<Fact["event"]>): db.HistoryEntry {
  return { orderId, eventId, eventType, occurredAt, producer };
}

/** One fact on its own (the same statements as a batch of one). Returns the order's status, or undefined when it is not ours. */
export async function applyFact(tx: PoolClient, outbox: Outbox, fact: Fact, now = new Date()): Promise<OrderStatus | undefined> {
  return (await applyFacts(tx, outbox, [fact], now)).get(fact.orderId);
}

/** Cancels (reason timeout) the orders in flight past their deadline, a batch at a time; returns how many. */
export async function cancelOverdue(deps: OrdersDeps, limit = 100): Promise<number> {
  const now = deps.now?.() ?? new Date();
  return withTransaction(deps.pool, async (tx) => {
    const ids = await db.overdueOrderIds(tx, now, limit);
    await applyFacts(tx, deps.outbox, ids.map((orderId) => ({ fact: "DeadlinePassed" as const, orderId })), now);
    return ids.length;
  });
}

export async function getOrder(pool: Pool, orderId: string): Promise<OrderView | undefined> {
  const order = await db.findOrder(pool, orderId);
  if (!order) return undefined;
  return {
    orderId: order.id, status: order.status, ...(order.reason ? { reason: order.reason } : {}),
    total: order.total, items: order.items, history: await db.history(pool, orderId),
  };
}
