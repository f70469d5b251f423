/**
 * What the warehouse does with the events it consumes: store each as a fact about its order
 * and act when the order's shipment has all it needs (shipments.ts). A batch of events is
 * handled at once, with a fixed number of statements. A fact that contradicts what the warehouse
 * knows (a capture that is not the total, a cancellation of a confirmed order) is reported, not
 * acted on. Events not listed here need nothing from the warehouse.
 */
import { inboxTopicsOf, type EventType, type ShopEvent } from "@shop/contracts";
import { reportContradiction, type BatchHandler, type Logger, type Outbox } from "@shop/messaging";
import { recordFacts, type ShipmentFact } from "./shipments";

/** The topics the warehouse consumes: order details and cancellations, captured payments. */
export const consumedTopics = inboxTopicsOf("warehouse");

/** The events the warehouse learns from. */
const shipmentFacts = new Set<EventType>([
  "OrderPlaced", // the address and the total
  "PaymentCaptured", // the go-ahead: ship, if it is the total
  "OrderCancelled", // never ship; cancel a scheduled shipment
  "OrderConfirmed", // final: an OrderCancelled after it contradicts it
]);

const isShipmentFact = (event: ShopEvent): event is ShipmentFact => shipmentFacts.has(event.eventType);

export function eventHandler({ outbox, logger }: { outbox: Outbox; logger: Logger }): BatchHandler<ShopEvent> {
  return async (events, tx) => {
    const received = events.flatMap(({ event, traceContext }) => (isShipmentFact(event) ? [{ fact: event, traceContext }] : []));
    if (received.length === 0) return;
    const { contradictions } = await recordFacts(tx, outbox, received);
    for (const contradiction of contradictions) reportContradiction(logger, contradiction);
  };
}
