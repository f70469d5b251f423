/**
 * What the payment service does with the events it consumes: store each as a fact about its
 * order and act when the order's payment has all it needs (payments.ts). A batch of events is
 * handled at once, with a fixed number of statements. A fact that contradicts what payment knows
 * (a cancellation of a confirmed order) is reported, not acted on. Events not listed here need
 * nothing from payment.
 */
import type { ShopEvent } from "@shop/contracts";
import { reportContradiction, type BatchHandler, type Logger, type Outbox } from "@shop/messaging";
import { eventsOfType } from "@shop/service-kit";
import { recordFacts } from "./payments";

/** The events payment learns from (it consumes their topics: contracts' consumers.ts). */
const paymentFacts = [
  "OrderPlaced", // the amount and the card
  "StockReserved", // the go-ahead: charge
  "OrderCancelled", // never charge; refund if charged
  "ShipmentFailed", // refund
  "OrderConfirmed", // final: a cancellation after it contradicts it
] as const;

export interface EventDeps {
  outbox: Outbox;
  logger: Logger;
}

export function eventHandler({ outbox, logger }: EventDeps): BatchHandler<ShopEvent> {
  return async (events, tx) => {
    const received = eventsOfType(events, paymentFacts).map(({ event, traceContext }) => ({ fact: event, traceContext }));
    if (received.length === 0) return;
    const { contradictions } = await recordFacts(tx, outbox, received);
    for (const contradiction of contradictions) reportContradiction(logger, contradiction);
  };
}
