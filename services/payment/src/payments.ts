/**
 * The payment service's business: charge an order once its stock is reserved, refund it when
 * shipping fails or the order is cancelled, and never charge an order known to be cancelled.
 *
 * What payment needs arrives on three topics, consumed independently, so in any order: the
 * amount and card on OrderPlaced (orders), the go-ahead on StockReserved (inventory), the
 * cancellation on OrderCancelled (orders) or ShipmentFailed (shipments). No handler waits for
 * another: each stores its fact on the order's payment row, under a row lock, and nextStep()
 * decides from the row alone what to do now. The change and its event commit together.
 */
import type { Pool, PoolClient } from "pg";
import { newEvent, topics, type EventOf, type ShopEvent } from "@shop/contracts";
import type { Outbox } from "@shop/messaging";
import * as db from "./db";
import { charge } from "./provider";

export type PaymentStatus = "pending" | "captured" | "declined" | "refunded" | "cancelled";

/** The events payment learns something from. */
export type PaymentFact = EventOf<"OrderPlaced" | "StockReserved" | "OrderCancelled" | "ShipmentFailed">;

export type Step = "charge" | "refund" | "cancel";

/** The row with one more fact stored on it. */
export function withFact(payment: db.PaymentRow, fact: PaymentFact): db.PaymentRow {
  switch (fact.eventType) {
    case "OrderPlaced": return { ...payment, amount: fact.total, paymentMethod: fact.paymentMethod };
    case "StockReserved": return { ...payment, stockReserved: true };
    case "OrderCancelled": case "ShipmentFailed": return { ...payment, cancelled: true };
  }
}

/** The rules, whatever order the facts came in. Read each line as "in this state, do this". */
export function nextStep(payment: db.PaymentRow): Step | undefined {
  const orderKnown = payment.amount !== null && payment.paymentMethod !== null;
  if (payment.status === "pending" && payment.cancelled) return "cancel"; // never charge a cancelled order
  if (payment.status === "pending" && payment.stockReserved && orderKnown) return "charge";
  if (payment.status === "captured" && payment.cancelled) return "refund"; // shipping failed, or a charge and a cancel crossed
  return undefined; // waiting for a fact, or done: a decline, refund or cancel is final
}

/**
 * Stores the fact and takes the step the row now calls for, inside the caller's transaction
 * (the inbox's). Each step moves the status out of the state that allows it, so it happens at
 * most once per order, however often or in whatever order the facts arrive.
 */
export async function recordFact(tx: PoolClient, outbox: Outbox, fact: PaymentFact): Promise<PaymentStatus> {
  const { orderId } = fact;
  const payment = withFact(await db.lockPayment(tx, orderId), fact);
  const emit = (event: ShopEvent) => outbox.add(tx, event, { topic: topics.payments, key: orderId });
  const context = { producer: "payment" as const, causedBy: fact };
  let next = payment;

  switch (nextStep(payment)) {
    case "charge": {
      const amount = payment.amount!; // nextStep charges only when the order is known
      const result = charge({ orderId, amount, paymentMethod: payment.paymentMethod! });
      if (result.outcome === "captured") {
        next = { ...payment, status: "captured", paymentId: result.paymentId };
        await emit(newEvent("PaymentCaptured", { orderId, paymentId: result.paymentId, amount }, context));
      } else {
        next = { ...payment, status: "declined", reason: result.reason };
        await emit(newEvent("PaymentFailed", { orderId, reason: result.reason }, context));
      }
      break;
    }
    case "refund":
      // Simplification: the simulated provider's refunds always succeed, so there is no call to make.
      next = { ...payment, status: "refunded", refundedAmount: payment.amount! };
      await emit(newEvent("PaymentRefunded", { orderId, paymentId: payment.paymentId!, amount: payment.amount! }, context));
      break;
    case "cancel":
      next = { ...payment, status: "cancelled" };
      break;
  }
  await db.savePayment(tx, next);
  return next.status;
}

/** GET /payments/:orderId. capturedAmount - refundedAmount is what the customer paid in the end. */
export interface PaymentView {
  orderId: string;
  status: PaymentStatus;
  /** The order total in cents; null while OrderPlaced has not arrived. */
  amount: number | null;
  capturedAmount: number;
  refundedAmount: number;
  paymentId?: string;
  reason?: string;
}

export async function getPayment(pool: Pool, orderId: string): Promise<PaymentView | undefined> {
  const payment = await db.findPayment(pool, orderId);
  if (!payment) return undefined;
  return {
    orderId, status: payment.status, amount: payment.amount,
    capturedAmount: payment.paymentId ? payment.amount! : 0, refundedAmount: payment.refundedAmount,
    ...(payment.paymentId ? { paymentId: payment.paymentId } : {}),
    ...(payment.reason ? { reason: payment.reason } : {}),
  };
}
