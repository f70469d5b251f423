/**
 * The checkout saga, from the order's point of view: which fact moves an order from which
 * status to which. This table is the whole state machine; everything else in the service
 * stores what it decides. Read a row as "in status X, when fact F arrives, go to Y".
 *
 * Facts come from three topics, consumed independently, so they can arrive out of causal
 * order (PaymentCaptured before StockReserved, say). Each fact implies the ones before it, so a
 * later fact moves the order forward from any earlier status. A final status never changes:
 * a cancelled order stays cancelled whatever arrives later.
 */
import type { CancellationReason, Cents } from "@shop/contracts";

export type OrderStatus = "PENDING" | "RESERVED" | "PAID" | "CONFIRMED" | "CANCELLED";

/** What order reacts to: the other services' events, and its own deadline. */
export type SagaFact =
  | "StockReserved"
  | "StockReservationFailed"
  | "PaymentCaptured"
  | "PaymentFailed"
  | "ShipmentScheduled"
  | "ShipmentFailed"
  | "DeadlinePassed";

/** Where a fact moves an order: a cancellation always says why, no other move has a reason. */
export type Transition = { to: "CANCELLED"; reason: CancellationReason } | { to: Exclude<OrderStatus, "CANCELLED"> };

const cancel = (reason: CancellationReason): Transition => ({ to: "CANCELLED", reason });

/** Missing entries mean "ignore": a duplicate, a fact already implied, or a final order. */
const transitions: Record<OrderStatus, Partial<Record<SagaFact, Transition>>> = {
  PENDING: {
    StockReserved: { to: "RESERVED" },
    StockReservationFailed: cancel("out_of_stock"),
    PaymentCaptured: { to: "PAID" },
    PaymentFailed: cancel("payment_declined"),
    ShipmentScheduled: { to: "CONFIRMED" },
    ShipmentFailed: cancel("fulfillment_failed"),
    DeadlinePassed: cancel("timeout"),
  },
  RESERVED: {
    PaymentCaptured: { to: "PAID" },
    PaymentFailed: cancel("payment_declined"),
    ShipmentScheduled: { to: "CONFIRMED" },
    ShipmentFailed: cancel("fulfillment_failed"),
    DeadlinePassed: cancel("timeout"),
  },
  PAID: {
    ShipmentScheduled: { to: "CONFIRMED" },
    ShipmentFailed: cancel("fulfillment_failed"),
    DeadlinePassed: cancel("timeout"),
  },
  CONFIRMED: {},
  CANCELLED: {},
};

/** The transition for `fact` in `status`, or undefined when the order ignores it. */
export function nextStatus(status: OrderStatus, fact: SagaFact): Transition | undefined {
  return transitions[status][fact];
}

export const isFinal = (status: OrderStatus): boolean => status === "CONFIRMED" || status === "CANCELLED";

/**
 * Why a fact must not move the order, though the table allows it: it contradicts the order. A
 * credential can leak (ARCHITECTURE §10), so a PaymentCaptured is believed only for the order's
 * total; anything else is not acted on, and the real outcome (a PaymentFailed, a capture of the
 * total, or the deadline) still ends the saga. Undefined: no contradiction.
 */
export function contradiction(total: Cents, fact: SagaFact, capturedAmount: Cents | undefined): string | undefined {
  if (fact === "PaymentCaptured" && capturedAmount !== total) return `captured ${capturedAmount} cents, the order total is ${total}`;
  return undefined;
}
