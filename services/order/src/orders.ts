/**
 * The order service's business: placing an order, moving it through the saga as facts
 * arrive (order-saga.ts decides, this file stores and announces), and cancelling orders that
 * take too long. Every change and the event announcing it commit in one transaction; a batch
 * of facts is applied with a fixed number of statements (load, decide in memory, save).
 */
import { randomUUID } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import { newEvent, personalFields, topics, type Cents, type EventOf, type OrderLine } from "@shop/contracts";
import { sealFields, withTransaction, type Contradiction, type OutgoingEvent, type Outbox, type TraceContext } from "@shop/messaging";

type OrderConfirmed = EventOf<"OrderConfirmed">;
type OrderCancelled = EventOf<"OrderCancelled">;
type OrderPlaced = EventOf<"OrderPlaced">;
import { bodySha256 } from "./body-hash";
import { eraseKeys, keysOf, type CustomerKeys, type Keks } from "./customer-keys";
import * as db from "./db";
import { contradiction, nextStatus, type OrderStatus, type SagaFact } from "./order-saga";
import type { OrderRequest } from "./order-request";

export type { OrderRequest } from "./order-request"; // the type of POST /orders' schema

export interface OrderView {
  orderId: string;
  status: OrderStatus;
  reason?: string;
  total: Cents;
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
  /** The key-encryption keys that wrap the customers' data keys (customer-keys.ts). */
  keks: Keks;
  sagaTimeoutMs: number;
  now?: () => Date;
}

/** One POST /orders: the request and its Idempotency-Key, if it has one. */
export interface Placement {
  request: OrderRequest;
  idempotencyKey?: string;
}

/** What became of a placement: the order (new, or the one its key placed before), or the client's mistake. */
export type PlacementResult = { order: { orderId: string; status: OrderStatus } } | { error: UnknownSkuError | IdempotencyKeyReusedError };

/**
 * Places a batch of orders in ONE transaction, with at most five statements whatever the
 * batch's size (placement-queue.ts gathers the requests that arrive while the previous batch
 * commits): look up the keys given, price every line from the local catalogue, insert the new
 * orders PENDING, add their history, and add every OrderPlaced with one outbox.addMany. A key
 * placed before with the same body gets that order back, writing nothing; with another body,
 * IdempotencyKeyReusedError; an unknown SKU, UnknownSkuError: each for its own request only.
 * The personal fields (e-mail, address lines) are sealed with the customer's data keys, issued
 * in this transaction when the customer has none (two more statements, customer-keys.ts): the
 * order row and OrderPlaced hold only sealed values. Results come in the order of the placements.
 */
export async function placeOrders(deps: OrdersDeps, placements: readonly Placement[]): Promise<PlacementResult[]> {
  const now = deps.now?.() ?? new Date();
  const deadline = new Date(now.getTime() + deps.sagaTimeoutMs);
  return withTransaction(deps.pool, async (tx) => {
    const keys = placements.flatMap(({ idempotencyKey }) => (idempotencyKey ? [idempotencyKey] : []));
    const placedBefore = await db.ordersByIdempotencyKeys(tx, keys);
    const prices = await db.prices(tx, placements.flatMap(({ request }) => request.items.map((item) => item.sku)));

    const results: PlacementResult[] = [];
    const newOrders: { order: db.OrderRow; idempotencyKey: string | null; placed: OrderPlaced; resultIndex: number }[] = [];
    for (const { request, idempotencyKey } of placements) {
      const requestSha256 = bodySha256(request);
      // A key placed before, or earlier in this batch: that order again (or 422).
      const earlier = idempotencyKey ? placedBefore.get(idempotencyKey) : undefined;
      if (earlier) {
        results.push(sameOrderAgain(earlier, requestSha256));
        continue;
      }
      const unknown = request.items.find(({ sku }) => !prices.has(sku));
      if (unknown) {
        results.push({ error: new UnknownSkuError(unknown.sku) });
        continue;
      }
      const order = newOrder(request, prices, requestSha256, now);
      const placed = newEvent("OrderPlaced", {
        orderId: order.id, customerId: order.customerId, items: order.items, total: order.total,
        paymentMethod: order.paymentMethod, shippingAddress: order.shippingAddress, couponCode: null,
      }, { producer: "order", now: () => now });
      newOrders.push({ order, idempotencyKey: idempotencyKey ?? null, placed, resultIndex: results.length });
      if (idempotencyKey) placedBefore.set(idempotencyKey, order);
      results.push({ order: { orderId: order.id, status: order.status } });
    }

    const { keys: dataKeys, issued } = await keysOf(tx, deps.keks, newOrders.map(({ order }) => order.customerId));
    for (const entry of newOrders) Object.assign(entry, sealed(entry, dataKeys.get(entry.order.customerId)!));

    const inserted = await db.insertOrders(tx, newOrders.map(({ order, idempotencyKey }) => ({ order, idempotencyKey, deadline })));
    const raced = newOrders.filter(({ order }) => !inserted.has(order.id));
    if (raced.length > 0) {
      // Another instance committed an order with the same key between our look-up and our insert:
      // that one counts. (Rare: the look-up above runs in the same moment.)
      const theirs = await db.ordersByIdempotencyKeys(tx, raced.map(({ idempotencyKey }) => idempotencyKey!));
      for (const { order, idempotencyKey, resultIndex } of raced) results[resultIndex] = sameOrderAgain(theirs.get(idempotencyKey!)!, order.bodySha256!);
    }
    const stored = newOrders.filter(({ order }) => inserted.has(order.id));
    await db.addHistory(tx, stored.map(({ order, placed }) => historyEntry(order.id, placed)));
    await deps.outbox.addMany(tx, [...issued, ...stored.map(({ order, placed }) => ({ event: placed, topic: topics.orders, key: order.id }))]);
    return results;
  });
}

/** The order and its OrderPlaced with every personal field sealed: what order stores and publishes. */
function sealed({ order, placed }: { order: db.OrderRow; placed: OrderPlaced }, keys: CustomerKeys): { order: db.OrderRow; placed: OrderPlaced } {
  const keyFor = (category: string) => keys[category as keyof CustomerKeys];
  const sealedPlaced = sealFields(placed, personalFields().OrderPlaced ?? [], keyFor);
  // The e-mail waits in the row for OrderConfirmed or OrderCancelled: sealed as their customerEmail.
  const { customerEmail } = sealFields({ customerEmail: order.email }, personalFields().OrderConfirmed ?? [], keyFor);
  return { order: { ...order, email: customerEmail, shippingAddress: sealedPlaced.shippingAddress }, placed: sealedPlaced };
}

/** What DELETE /customers/:customerId/personal-data erased. */
export interface Erasure {
  customerId: string;
  /** The data keys forgotten: 0 when the customer had none left (never ordered, or erased before). */
  erasedKeys: number;
  /** The customer's orders whose personal fields can no longer be read (in order's tables and on every topic). */
  orders: number;
}

/**
 * Erases a customer's personal data by erasing their data keys (crypto-shredding), in one
 * transaction with the CustomerDataKeyErased events. Order's own copies (orders.email,
 * orders.shipping_address) hold only values sealed with those keys: they are unreadable from the
 * commit on, and so is every event on every topic. The orders themselves, their amounts, items
 * and states, stay. An order of this customer still in flight completes without the fields.
 */
export async function eraseCustomer(deps: Pick<OrdersDeps, "pool" | "outbox">, customerId: string): Promise<Erasure> {
  return withTransaction(deps.pool, async (tx) => {
    const erased = await eraseKeys(tx, customerId);
    await deps.outbox.addMany(tx, erased);
    const orders = await db.countOrdersOf(tx, customerId);
    return { customerId, erasedKeys: erased.length, orders };
  });
}

/**
 * One order on its own (a batch of one): the order, or the client's mistake thrown
 * (UnknownSkuError, IdempotencyKeyReusedError).
 */
export async function placeOrder(deps: OrdersDeps, request: OrderRequest, idempotencyKey?: string): Promise<{ orderId: string; status: OrderStatus }> {
  const [result] = await placeOrders(deps, [{ request, idempotencyKey }]);
  if ("error" in result!) throw result.error;
  return result!.order;
}

/** A new order, PENDING, priced from the catalogue (every SKU known). */
function newOrder(request: OrderRequest, prices: Map<string, Cents>, requestSha256: string, now: Date): db.OrderRow {
  const items: OrderLine[] = request.items.map(({ sku, quantity }) => ({ sku, quantity, unitPrice: prices.get(sku)! }));
  return {
    id: randomUUID(), status: "PENDING", reason: null, customerId: request.customerId, email: request.email, items,
    total: items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0),
    paymentMethod: request.paymentMethod, shippingAddress: request.shippingAddress, createdAt: now, bodySha256: requestSha256,
  };
}

/** The order a repeated Idempotency-Key placed, if the body is the same; an order from before body hashes were kept is taken as the same. */
function sameOrderAgain(existing: db.OrderRow, requestSha256: string): PlacementResult {
  if (existing.bodySha256 !== null && existing.bodySha256 !== requestSha256) return { error: new IdempotencyKeyReusedError() };
  return { order: { orderId: existing.id, status: existing.status } };
}

/** A fact about an order (another service's event, or the deadline), as the saga sees it. */
export interface Fact {
  fact: SagaFact;
  orderId: string;
  /** PaymentCaptured only: the amount charged (the order confirms only a capture of its total). */
  capturedAmount?: Cents;
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
 * again, so each is sent once. A fact about an order that is not ours changes nothing, and so
 * does a fact that contradicts its order (order-saga.ts, contradiction): those are returned for
 * the caller to report. Returns each known order's status afterwards.
 */
export async function applyFacts(tx: PoolClient, outbox: Outbox, facts: readonly Fact[], now = new Date()): Promise<AppliedFacts> {
  const orders = await db.lockOrders(tx, facts.map((fact) => fact.orderId));
  const statusBefore = new Map([...orders].map(([id, order]) => [id, order.status]));
  const history: db.HistoryEntry[] = [];
  const outgoing: OutgoingEvent[] = [];
  const contradictions: Contradiction[] = [];
  for (const fact of facts) {
    const order = orders.get(fact.orderId);
    if (!order) continue; // not one of ours
    const decision = decideFact(order, fact, now);
    if (decision.contradiction) contradictions.push(decision.contradiction);
    orders.set(order.id, decision.order);
    history.push(...decision.history);
    if (decision.event) outgoing.push({ event: decision.event, topic: topics.orders, key: order.id, traceContext: fact.traceContext });
  }
  await db.addHistory(tx, history);
  await db.updateStatuses(tx, [...orders.values()].filter((order) => order.status !== statusBefore.get(order.id)));
  await outbox.addMany(tx, outgoing);
  return { statuses: new Map([...orders].map(([id, order]) => [id, order.status])), contradictions };
}

/** What a batch of facts did: each known order's status afterwards, and the facts not acted on because they contradict their order. */
export interface AppliedFacts {
  statuses: Map<string, OrderStatus>;
  contradictions: Contradiction[];
}

/**
 * One fact about an order, in memory: the order after it, the history rows it adds, and the
 * event announcing a final status. A fact that contradicts the order changes nothing and adds no
 * history: it comes back as the contradiction.
 */
export function decideFact(order: db.OrderRow, { fact, event, orderId, capturedAmount }: Fact, now: Date): {
  order: db.OrderRow; history: db.HistoryEntry[]; event?: OrderConfirmed | OrderCancelled; contradiction?: Contradiction;
} {
  const contradicts = event && contradiction(order.total, fact, capturedAmount);
  if (contradicts) return { order, history: [], contradiction: { event: { ...event, orderId }, contradicts } };
  const history: db.HistoryEntry[] = event ? [historyEntry(order.id, event)] : [];
  const transition = nextStatus(order.status, fact);
  if (!transition) return { order, history };
  const changed = { ...order, status: transition.to, reason: transition.to === "CANCELLED" ? transition.reason : null };
  const context = { producer: "order" as const, now: () => now, ...(event ? { causedBy: event } : {}) };
  let announced: OrderConfirmed | OrderCancelled | undefined;
  if (transition.to === "CONFIRMED") {
    announced = newEvent("OrderConfirmed", { orderId: order.id, customerEmail: order.email, items: order.items, total: order.total }, context);
  }
  if (transition.to === "CANCELLED") {
    announced = newEvent("OrderCancelled", { orderId: order.id, reason: transition.reason, customerEmail: order.email }, context);
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
  return (await applyFacts(tx, outbox, [fact], now)).statuses.get(fact.orderId);
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
