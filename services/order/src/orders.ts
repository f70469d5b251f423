/**
 * The order service's business: placing an order, moving it through the saga as facts
 * arrive (order-saga.ts decides, this file stores and announces), and cancelling orders that
 * take too long. Every change and the event announcing it commit in one transaction.
 */
import { randomUUID } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import { newEvent, topics, type OrderLine, type ShippingAddress } from "@shop/contracts";
import { withTransaction, type Outbox } from "@shop/messaging";
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

export interface OrdersDeps {
  pool: Pool;
  outbox: Outbox;
  sagaTimeoutMs: number;
  now?: () => Date;
}

/**
 * Prices the order from the local catalogue, stores it PENDING and adds OrderPlaced to the
 * outbox, in one transaction. The same idempotency key returns the order it created first.
 */
export async function placeOrder(deps: OrdersDeps, request: OrderRequest, idempotencyKey?: string): Promise<{ orderId: string; status: OrderStatus }> {
  const now = deps.now?.() ?? new Date();
  return withTransaction(deps.pool, async (tx) => {
    if (idempotencyKey) {
      const existing = await db.orderByIdempotencyKey(tx, idempotencyKey);
      if (existing) return { orderId: existing.id, status: existing.status };
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
      paymentMethod: request.paymentMethod, shippingAddress: request.shippingAddress, createdAt: now,
    };
    const inserted = await db.insertOrder(tx, order, idempotencyKey ?? null, new Date(now.getTime() + deps.sagaTimeoutMs));
    if (!inserted) {
      // Another request with the same key committed between our check and our insert.
      const winner = (await db.orderByIdempotencyKey(tx, idempotencyKey!))!;
      return { orderId: winner.id, status: winner.status };
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
