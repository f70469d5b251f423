/**
 * The payment service's business: charge an order once its stock is reserved, refund it when
 * shipping fails or the order is cancelled, never charge an order known to be cancelled, and
 * never refund an order known to be confirmed (a cancellation after it contradicts it).
 *
 * What payment needs arrives on three topics, consumed independently, so in any order: the
 * amount and card on OrderPlaced (orders), the go-ahead on StockReserved (inventory), the
 * cancellation on OrderCancelled (orders) or ShipmentFailed (shipments). No handler waits for
 * another: each stores its fact on the order's payment row, under a row lock, and nextStep()
 * decides from the row alone what to do now. The change and its event commit together.
 * A batch of facts is stored with a fixed number of statements: load every row it touches,
 * decide fact by fact in memory, save (recordFacts).
 */
import type { Pool, PoolClient } from "pg";
import { newEvent, topics, type Cents, type EventOf, type ShopEvent } from "@shop/contracts";
import type { Contradiction, Outbox, OutgoingEvent, TraceContext } from "@shop/messaging";
import * as db from "./db";
import { charge } from "./provider";

export type PaymentStatus = "pending" | "captured" | "declined" | "refunded" | "cancelled";

/** The events payment learns something from. */
export type PaymentFact = EventOf<"OrderPlaced" | "StockReserved" | "OrderCancelled" | "ShipmentFailed" | "OrderConfirmed">;

/** What to do now, with what the step acts on: the order to charge, or the capture to refund. */
export type Step = { step: "charge"; order: db.OrderToCharge } | { step: "refund"; capture: db.Capture } | { step: "cancel" };

/** The row with one more fact stored on it. */
export function withFact(payment: db.PaymentRow, fact: PaymentFact): db.PaymentRow {
  switch (fact.eventType) {
    case "OrderPlaced": return { ...payment, order: { amount: fact.total, paymentMethod: fact.paymentMethod } };
    case "StockReserved": return { ...payment, stockReserved: true };
    case "OrderCancelled": case "ShipmentFailed": return { ...payment, cancelled: true };
    case "OrderConfirmed": return { ...payment, orderConfirmed: true };
  }
}

/**
 * What a fact contradicts, if anything: a cancellation (OrderCancelled, ShipmentFailed) of an
 * order payment knows is confirmed. Such a fact is not stored and changes nothing: a credential
 * can leak, and a forged cancellation must not refund a fulfilled order.
 */
export function contradiction(payment: db.PaymentRow, fact: PaymentFact): string | undefined {
  const cancels = fact.eventType === "OrderCancelled" || fact.eventType === "ShipmentFailed";
  return cancels && payment.orderConfirmed ? "the order was confirmed" : undefined;
}

/** The rules, whatever order the facts came in. Read each line as "in this state, do this". */
export function nextStep(payment: db.PaymentRow): Step | undefined {
  if (payment.status === "pending" && payment.cancelled) return { step: "cancel" }; // never charge a cancelled order
  if (payment.status === "pending" && payment.stockReserved && payment.order) return { step: "charge", order: payment.order };
  if (payment.status === "captured" && payment.cancelled) return { step: "refund", capture: payment.capture }; // shipping failed, or a charge and a cancel crossed
  return undefined; // waiting for a fact, or done: a decline, refund or cancel is final
}

/** A fact, and the trace context of its consumer span (the events it causes continue that trace). */
export interface ReceivedFact {
  fact: PaymentFact;
  traceContext?: TraceContext;
}

/**
 * Stores a batch of facts and takes the steps the rows then call for, inside the caller's
 * transaction (the inbox's), with four statements whatever the batch's size: load (create and
 * lock every order's row), decide (per fact, in order, in memory: applyFact), save (every
 * changed row), and add every event to the outbox. Each step moves the status out of the state
 * that allows it, so it happens at most once per order, however often or in whatever order the
 * facts arrive. Returns each order's status afterwards, and the facts that contradicted their
 * row (not acted on), for the caller to report.
 */
export async function recordFacts(tx: PoolClient, outbox: Outbox, facts: readonly ReceivedFact[]): Promise<RecordedFacts> {
  const payments = await db.lockPayments(tx, facts.map(({ fact }) => fact.orderId));
  const outgoing: OutgoingEvent[] = [];
  const contradictions: Contradiction[] = [];
  for (const { fact, traceContext } of facts) {
    const { payment, event, contradicts } = applyFact(payments.get(fact.orderId)!, fact);
    payments.set(fact.orderId, payment);
    if (event) outgoing.push({ event, topic: topics.payments, key: fact.orderId, traceContext });
    if (contradicts) contradictions.push({ event: fact, contradicts });
  }
  await db.savePayments(tx, [...payments.values()]);
  await outbox.addMany(tx, outgoing);
  return { statuses: new Map([...payments].map(([orderId, payment]) => [orderId, payment.status])), contradictions };
}

export interface RecordedFacts {
  statuses: Map<string, PaymentStatus>;
  contradictions: Contradiction[];
}

/**
 * One fact, decided in memory: the row with the fact stored and the step taken, and the event
 * announcing the step, if any; or the row unchanged and what the fact contradicts.
 */
export function applyFact(before: db.PaymentRow, fact: PaymentFact): { payment: db.PaymentRow; event?: ShopEvent; contradicts?: string } {
  const contradicts = contradiction(before, fact);
  if (contradicts) return { payment: before, contradicts };
  const { orderId } = fact;
  const payment = withFact(before, fact);
  const context = { producer: "payment" as const, causedBy: fact };

  const next = nextStep(payment);
  switch (next?.step) {
    case "charge": {
      const { amount, paymentMethod } = next.order;
      const result = charge({ orderId, amount, paymentMethod });
      if (result.outcome === "captured") {
        return {
          payment: { ...payment, status: "captured", capture: { paymentId: result.paymentId, amount } },
          event: newEvent("PaymentCaptured", { orderId, paymentId: result.paymentId, amount }, context),
        };
      }
      return {
        payment: { ...payment, status: "declined", capture: null, reason: result.reason },
        event: newEvent("PaymentFailed", { orderId, reason: result.reason }, context),
      };
    }
    case "refund":
      // Simplification: the simulated provider's refunds always succeed, so there is no call to make.
      return {
        payment: { ...payment, status: "refunded", capture: next.capture },
        event: newEvent("PaymentRefunded", { orderId, paymentId: next.capture.paymentId, amount: next.capture.amount }, context),
      };
    case "cancel":
      return { payment: { ...payment, status: "cancelled", capture: null } };
    case undefined:
      return { payment };
  }
}

/** GET /payments/:orderId. capturedAmount - refundedAmount is what the customer paid in the end. */
export interface PaymentView {
  orderId: string;
  status: PaymentStatus;
  /** The order total; null while OrderPlaced has not arrived. */
  amount: Cents | null;
  capturedAmount: Cents;
  refundedAmount: Cents;
  paymentId?: string;
  reason?: string;
}

export async function getPayment(pool: Pool, orderId: string): Promise<PaymentView | undefined> {
  const payment = await db.findPayment(pool, orderId);
  if (!payment) return undefined;
  return {
    orderId, status: payment.status, amount: payment.order?.amount ?? null,
    capturedAmount: payment.capture?.amount ?? 0, refundedAmount: db.refundedAmount(payment),
    ...(payment.capture ? { paymentId: payment.capture.paymentId } : {}),
    ...(payment.reason ? { reason: payment.reason } : {}),
  };
}
