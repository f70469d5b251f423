/**
 * What the warehouse does with the events it consumes: store each as a fact about its order
 * and act when the order's shipment has all it needs (shipments.ts). A batch of events is
 * handled at once, with a fixed number of statements. A fact that contradicts what the warehouse
 * knows (a capture that is not the total, a cancellation of a confirmed order) is reported, not
 * acted on. Events not listed here need nothing from the warehouse.
 */
import { inboxTopicsOf, personalFields, type EventType, type ShippingAddress, type ShopEvent } from "@shop/contracts";
import { reportContradiction, type BatchHandler, type Keyring, type Logger, type Outbox } from "@shop/messaging";
import { recordFacts, type OpenAddress, type ShipmentFact } from "./shipments";

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

/** The sealed address lines of OrderPlaced (its fields marked "address" in the schema), opened with the keyring. */
export function addressOpener(keyring: Keyring): OpenAddress {
  const lines = (personalFields().OrderPlaced ?? []).filter(({ category }) => category === "address")
    .map(({ path }) => path.replace(/^shippingAddress\./, "") as keyof ShippingAddress);
  return (sealed) => {
    const opened = { ...sealed };
    for (const line of lines) {
      const value = keyring.open(sealed[line], `shippingAddress.${line}`);
      if (value === undefined) return undefined; // erased
      opened[line] = value;
    }
    return opened;
  };
}

export function eventHandler({ outbox, logger, keyring }: { outbox: Outbox; logger: Logger; keyring: Keyring }): BatchHandler<ShopEvent> {
  const openAddress = addressOpener(keyring);
  return async (events, tx) => {
    const received = events.flatMap(({ event, traceContext }) => (isShipmentFact(event) ? [{ fact: event, traceContext }] : []));
    if (received.length === 0) return;
    const { contradictions } = await recordFacts(tx, outbox, received, openAddress);
    for (const contradiction of contradictions) reportContradiction(logger, contradiction);
  };
}
