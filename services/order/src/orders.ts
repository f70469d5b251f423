/**
 * The order service's business: placing an order, moving it through the saga as facts
 * arrive (order-saga.ts decides, this file stores and announces), and cancelling orders that
 * take too long. Every change and the event announcing it commit in one transaction.
 */
import { randomUUID } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import { newEvent, topics, type OrderLine, type ShippingAddress } from "@shop/contracts";
import { withTransaction, type Outbox } from "@shop/messaging";
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
    await db.addHistory(tx, order.id, placed);
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
}

/**
 * Records the fact in the order's history and applies the saga's transition, inside the
 * caller's transaction (the inbox's, or the deadline watch's). Announces a final status with
 * OrderConfirmed or OrderCancelled; a final order never changes again, so each is sent once.
 */
export async function applyFact(tx: PoolClient, outbox: Outbox, { fact, orderId, event }: Fact, now = new Date()): Promise<OrderStatus | undefined> {
  const order = await db.findOrder(tx, orderId, { forUpdate: true });
  if (!order) return undefined; // not one of ours
  if (event) await db.addHistory(tx, orderId, event);
  const transition = nextStatus(order.status, fact);
  if (!transition) return order.status;
  await db.updateStatus(tx, orderId, transition.to, transition.reason ?? null);
  const context = { producer: "order" as const, now: () => now, ...(event ? { causedBy: event } : {}) };
  if (transition.to === "CONFIRMED") {
    const confirmed = newEvent("OrderConfirmed", { orderId, customerEmail: order.email, items: order.items, total: order.total }, context);
    await db.addHistory(tx, orderId, confirmed);
    await outbox.add(tx, confirmed, { topic: topics.orders, key: orderId });
  }
  if (transition.to === "CANCELLED") {
    const cancelled = newEvent("OrderCancelled", { orderId, reason: transition.reason!, customerEmail: order.email }, context);
    await db.addHistory(tx, orderId, cancelled);
    await outbox.add(tx, cancelled, { topic: topics.orders, key: orderId });
  }
  return transition.to;
}

/** Cancels (reason timeout) the orders in flight past their deadline, a batch at a time; returns how many. */
export async function cancelOverdue(deps: OrdersDeps, limit = 100): Promise<number> {
  const now = deps.now?.() ?? new Date();
  return withTransaction(deps.pool, async (tx) => {
    const ids = await db.overdueOrderIds(tx, now, limit);
    for (const orderId of ids) await applyFact(tx, deps.outbox, { fact: "DeadlinePassed", orderId }, now);
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
