/**
 * The warehouse's business: book a shipment once an order is paid, report when the carrier
 * cannot ship, and never ship an order known to be cancelled.
 *
 * What the warehouse needs arrives on two topics, consumed independently, so in any order: the
 * address on OrderPlaced and the cancellation on OrderCancelled (orders), the go-ahead on
 * PaymentCaptured (payments). No handler waits for another: each stores its fact on the
 * order's shipment row, under a row lock, and nextStep() decides from the row alone what to do
 * now. The change and its event commit together.
 */
import type { Pool, PoolClient } from "pg";
import { newEvent, topics, type EventOf, type ShopEvent } from "@shop/contracts";
import type { Outbox } from "@shop/messaging";
import { book } from "./carrier";
import * as db from "./db";

export type ShipmentStatus = "pending" | "scheduled" | "failed" | "cancelled";

/** The events the warehouse learns something from. */
export type ShipmentFact = EventOf<"OrderPlaced" | "PaymentCaptured" | "OrderCancelled">;

export type Step = "ship" | "cancel";

/** The row with one more fact stored on it. */
export function withFact(shipment: db.ShipmentRow, fact: ShipmentFact): db.ShipmentRow {
  switch (fact.eventType) {
    case "OrderPlaced": return { ...shipment, shippingAddress: fact.shippingAddress };
    case "PaymentCaptured": return { ...shipment, paid: true };
    case "OrderCancelled": return { ...shipment, cancelled: true };
  }
}

/** The rules, whatever order the facts came in. Read each line as "in this state, do this". */
export function nextStep(shipment: db.ShipmentRow): Step | undefined {
  const open = shipment.status === "pending" || shipment.status === "scheduled";
  if (open && shipment.cancelled) return "cancel"; // never ship a cancelled order
  if (shipment.status === "pending" && shipment.paid && shipment.shippingAddress) return "ship";
  return undefined; // waiting for a fact, or done
}

/**
 * Stores the fact and takes the step the row now calls for, inside the caller's transaction
 * (the inbox's). Each step moves the status out of the state that allows it, so it happens at
 * most once per order, however often or in whatever order the facts arrive.
 */
export async function recordFact(tx: PoolClient, outbox: Outbox, fact: ShipmentFact): Promise<ShipmentStatus> {
  const { orderId } = fact;
  const shipment = withFact(await db.lockShipment(tx, orderId), fact);
  const emit = (event: ShopEvent) => outbox.add(tx, event, { topic: topics.shipments, key: orderId });
  const context = { producer: "warehouse" as const, causedBy: fact };
  let next = shipment;

  switch (nextStep(shipment)) {
    case "ship": {
      const booking = book(orderId, shipment.shippingAddress!); // nextStep ships only with an address
      if (booking.outcome === "booked") {
        next = { ...shipment, status: "scheduled", shipmentId: booking.shipmentId, carrier: booking.carrier };
        await emit(newEvent("ShipmentScheduled", { orderId, shipmentId: booking.shipmentId, carrier: booking.carrier }, context));
      } else {
        next = { ...shipment, status: "failed", reason: booking.reason };
        await emit(newEvent("ShipmentFailed", { orderId, reason: booking.reason }, context));
      }
      break;
    }
    case "cancel":
      // A scheduled parcel is cancelled only when the order timed out while the shipment was on
      // its way to order. Simplification: the parcel is stopped before it leaves, and no event
      // says so (the contracts have none): order, payment and inventory act on OrderCancelled.
      next = { ...shipment, status: "cancelled" };
      break;
  }
  await db.saveShipment(tx, next);
  return next.status;
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
