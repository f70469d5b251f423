/**
 * What the warehouse does with the events it consumes: store each as a fact about its order
 * and act when the order's shipment has all it needs (shipments.ts). A batch of events is
 * handled at once, with a fixed number of statements. A fact that contradicts what the warehouse
 * knows (a capture that is not the total, a cancellation of a confirmed order) is reported, not
 * acted on. Events not listed here need nothing from the warehouse.
 */
import { personalFields, type ShippingAddress, type ShopEvent } from "@shop/contracts";
import { reportContradiction, type BatchHandler, type Keyring, type Logger, type Outbox } from "@shop/messaging";
import { eventsOfType } from "@shop/service-kit";
import { recordFacts, type OpenAddress } from "./shipments";

/** The events the warehouse learns from (it consumes their topics: contracts' consumers.ts). */
const shipmentFacts = [
  "OrderPlaced", // the address and the total
  "PaymentCaptured", // the go-ahead: ship, if it is the total
  "OrderCancelled", // never ship; cancel a scheduled shipment
  "OrderConfirmed", // final: an OrderCancelled after it contradicts it
] as const;

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

export interface EventDeps {
  outbox: Outbox;
  logger: Logger;
  /** Opens the sealed address of OrderPlaced. */
  keyring: Keyring;
}

export function eventHandler({ outbox, logger, keyring }: EventDeps): BatchHandler<ShopEvent> {
  const openAddress = addressOpener(keyring);
  return async (events, tx) => {
    const received = eventsOfType(events, shipmentFacts).map(({ event, traceContext }) => ({ fact: event, traceContext }));
    if (received.length === 0) return;
    const { contradictions } = await recordFacts(tx, outbox, received, openAddress);
    for (const contradiction of contradictions) reportContradiction(logger, contradiction);
  };
}
