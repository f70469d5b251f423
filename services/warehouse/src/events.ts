/**
 * What the warehouse does with the events it consumes: store each as a fact about its order
 * and act when the order's shipment has all it needs (shipments.ts). A batch of events is
 * handled at once, with a fixed number of statements. Events not listed here need nothing from
 * the warehouse.
 */
import { topicsConsumedBy, type EventType, type ShopEvent } from "@shop/contracts";
import type { BatchHandler, Outbox } from "@shop/messaging";
import { recordFacts, type ShipmentFact } from "./shipments";

/** The topics the warehouse consumes: order details and cancellations, captured payments. */
export const consumedTopics = [...topicsConsumedBy.warehouse];

/** The events the warehouse learns from. */
const shipmentFacts = new Set<EventType>([
  "OrderPlaced", // the address
  "PaymentCaptured", // the go-ahead: ship
  "OrderCancelled", // never ship
]);

const isShipmentFact = (event: ShopEvent): event is ShipmentFact => shipmentFacts.has(event.eventType);

export function eventHandler(outbox: Outbox): BatchHandler<ShopEvent> {
  return async (events, tx) => {
    const received = events.flatMap(({ event, traceContext }) => (isShipmentFact(event) ? [{ fact: event, traceContext }] : []));
    if (received.length > 0) await recordFacts(tx, outbox, received);
  };
}
