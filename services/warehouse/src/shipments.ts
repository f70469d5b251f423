/**
 * The warehouse's business: book a shipment once an order is paid its total, report when the
 * carrier cannot ship, never ship an order known to be cancelled, and never cancel the shipment
 * of an order known to be confirmed.
 *
 * What the warehouse needs arrives on two topics, consumed independently, so in any order: the
 * address and total on OrderPlaced, the cancellation on OrderCancelled and the confirmation on
 * OrderConfirmed (orders), the go-ahead on PaymentCaptured (payments). No handler waits for
 * another: each stores its fact on the order's shipment row, under a row lock, and nextStep()
 * decides from the row alone what to do now; a fact that contradicts what the row knows
 * (contradiction()) is not stored, since a credential can leak. The change and its event commit
 * together. A batch of facts is stored with a fixed number of statements: load every row it
 * touches, decide fact by fact in memory, save (recordFacts).
 *
 * The address lines arrive sealed (docs/decisions/014) and are stored that way: they are opened
 * only to book the parcel (OpenAddress). A customer erased before the booking has no address to
 * ship to: the shipment fails with a reason, and the saga refunds and releases as for any
 * ShipmentFailed.
 */
import type { Pool, PoolClient } from "pg";
import { newEvent, topics, type EventOf, type ShippingAddress, type ShopEvent } from "@shop/contracts";
import type { Contradiction, Outbox, OutgoingEvent, TraceContext } from "@shop/messaging";
import { book } from "./carrier";
import * as db from "./db";

export type ShipmentStatus = "pending" | "scheduled" | "failed" | "cancelled";

/** The events the warehouse learns something from. */
export type ShipmentFact = EventOf<"OrderPlaced" | "PaymentCaptured" | "OrderCancelled" | "OrderConfirmed">;

/** What to do now, with what the step acts on: the (sealed) address to ship to. */
export type Step = { step: "ship"; shippingAddress: ShippingAddress } | { step: "cancel" };

/** The address with its sealed lines opened, or undefined when the customer was erased. */
export type OpenAddress = (sealed: ShippingAddress) => ShippingAddress | undefined;

/** Why a shipment fails when its customer's personal data was erased before the booking. */
export const erasedAddressReason = "the customer's address was erased before the shipment was booked";

/** The row with one more fact stored on it. */
export function withFact(shipment: db.ShipmentRow, fact: ShipmentFact): db.ShipmentRow {
  switch (fact.eventType) {
    case "OrderPlaced": return { ...shipment, shippingAddress: fact.shippingAddress, orderTotal: fact.total };
    case "PaymentCaptured": return { ...shipment, paid: true, capturedAmount: fact.amount };
    case "OrderCancelled": return { ...shipment, cancelled: true };
    case "OrderConfirmed": return { ...shipment, orderConfirmed: true };
  }
}

/** What a fact contradicts, if anything: such a fact is not stored and changes nothing. */
export function contradiction(shipment: db.ShipmentRow, fact: ShipmentFact): string | undefined {
  const { orderTotal } = shipment;
  if (fact.eventType === "PaymentCaptured" && orderTotal !== null && fact.amount !== orderTotal) {
    return `captured ${fact.amount} cents, the order total is ${orderTotal}`;
  }
  if (fact.eventType === "OrderCancelled" && shipment.orderConfirmed) return "the order was confirmed";
  return undefined;
}

/** The rules, whatever order the facts came in. Read each line as "in this state, do this". */
export function nextStep(shipment: db.ShipmentRow): Step | undefined {
  const open = shipment.status === "pending" || shipment.status === "scheduled";
  const paidInFull = shipment.paid && shipment.capturedAmount === shipment.orderTotal; // also checks a capture stored before the total was known
  if (open && shipment.cancelled) return { step: "cancel" }; // never ship a cancelled order
  if (shipment.status === "pending" && paidInFull && shipment.shippingAddress) return { step: "ship", shippingAddress: shipment.shippingAddress };
  return undefined; // waiting for a fact, or done
}

/** A fact, and the trace context of its consumer span (the events it causes continue that trace). */
export interface ReceivedFact {
  fact: ShipmentFact;
  traceContext?: TraceContext;
}

/**
 * Stores a batch of facts and takes the steps the rows then call for, inside the caller's
 * transaction (the inbox's), with four statements whatever the batch's size: load (create and
 * lock every order's row), decide (per fact, in order, in memory: applyFact), save (every
 * row), and add every event to the outbox. Each step moves the status out of the state that
 * allows it, so it happens at most once per order, however often or in whatever order the
 * facts arrive. Returns each order's status afterwards, and the facts that contradicted their
 * row (not acted on), for the caller to report.
 */
export async function recordFacts(tx: PoolClient, outbox: Outbox, facts: readonly ReceivedFact[], openAddress: OpenAddress): Promise<RecordedFacts> {
  const shipments = await db.lockShipments(tx, facts.map(({ fact }) => fact.orderId));
  const outgoing: OutgoingEvent[] = [];
  const contradictions: Contradiction[] = [];
  for (const { fact, traceContext } of facts) {
    const { shipment, event, contradicts } = applyFact(shipments.get(fact.orderId)!, fact, openAddress);
    shipments.set(fact.orderId, shipment);
    if (event) outgoing.push({ event, topic: topics.shipments, key: fact.orderId, traceContext });
    if (contradicts) contradictions.push({ event: fact, contradicts });
  }
  await db.saveShipments(tx, [...shipments.values()]);
  await outbox.addMany(tx, outgoing);
  return { statuses: new Map([...shipments].map(([orderId, shipment]) => [orderId, shipment.status])), contradictions };
}

export interface RecordedFacts {
  statuses: Map<string, ShipmentStatus>;
  contradictions: Contradiction[];
}

/**
 * One fact, decided in memory: the row with the fact stored and the step taken, and the event
 * announcing the step, if any; or the row unchanged and what the fact contradicts.
 */
export function applyFact(before: db.ShipmentRow, fact: ShipmentFact, openAddress: OpenAddress): { shipment: db.ShipmentRow; event?: ShopEvent; contradicts?: string } {
  const contradicts = contradiction(before, fact);
  if (contradicts) return { shipment: before, contradicts };
  const { orderId } = fact;
  const shipment = withFact(before, fact);
  const context = { producer: "warehouse" as const, causedBy: fact };

  const next = nextStep(shipment);
  switch (next?.step) {
    case "ship": {
      const address = openAddress(next.shippingAddress);
      const booking = address ? book(orderId, address) : { outcome: "refused" as const, reason: erasedAddressReason };
      if (booking.outcome === "booked") {
        return {
          shipment: { ...shipment, status: "scheduled", shipmentId: booking.shipmentId, carrier: booking.carrier },
          event: newEvent("ShipmentScheduled", { orderId, shipmentId: booking.shipmentId, carrier: booking.carrier }, context),
        };
      }
      return {
        shipment: { ...shipment, status: "failed", reason: booking.reason },
        event: newEvent("ShipmentFailed", { orderId, reason: booking.reason }, context),
      };
    }
    case "cancel":
      // A scheduled parcel is cancelled only when the order timed out while the shipment was on
      // its way to order. Simplification: the parcel is stopped before it leaves, and no event
      // says so (the contracts have none): order, payment and inventory act on OrderCancelled.
      return { shipment: { ...shipment, status: "cancelled" } };
    case undefined:
      return { shipment };
  }
}

/** GET /shipments/:orderId. */
export interface ShipmentView {
  orderId: string;
  status: ShipmentStatus;
  /** The destination; null while OrderPlaced has not arrived. */
  country: string | null;
  shipmentId?: string;
  carrier?: string;
  reason?: string;
}

export async function getShipment(pool: Pool, orderId: string): Promise<ShipmentView | undefined> {
  const shipment = await db.findShipment(pool, orderId);
  if (!shipment) return undefined;
  return {
    orderId, status: shipment.status, country: shipment.shippingAddress?.country ?? null,
    ...(shipment.shipmentId ? { shipmentId: shipment.shipmentId } : {}),
    ...(shipment.carrier ? { carrier: shipment.carrier } : {}),
    ...(shipment.reason ? { reason: shipment.reason } : {}),
  };
}
