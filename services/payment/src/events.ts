/**
 * What the payment service does with the events it consumes: store each as a fact about its
 * order and act when the order's payment has all it needs (payments.ts). A batch of events is
 * handled at once, with a fixed number of statements. A fact that contradicts what payment knows
 * (a cancellation of a confirmed order) is reported, not acted on. Events not listed here need
 * nothing from payment.
 */
import { topicsConsumedBy, type EventType, type ShopEvent } from "@shop/contracts";
import { reportContradiction, type BatchHandler, type Logger, type Outbox } from "@shop/messaging";
import { recordFacts, type PaymentFact } from "./payments";

/** The topics payment consumes: order details and cancellations, reservations, shipment failures. */
export const consumedTopics = [...topicsConsumedBy.payment];

/** The events payment learns from. */
const paymentFacts = new Set<EventType>([
  "OrderPlaced", // the amount and the card
  "StockReserved", // the go-ahead: charge
  "OrderCancelled", // never charge; refund if charged
  "ShipmentFailed", // refund
  "OrderConfirmed", // final: a cancellation after it contradicts it
]);

const isPaymentFact = (event: ShopEvent): event is PaymentFact => paymentFacts.has(event.eventType);

export function eventHandler({ outbox, logger }: { outbox: Outbox; logger: Logger }): BatchHandler<ShopEvent> {
  return async (events, tx) => {
    const received = events.flatMap(({ event, traceContext }) => (isPaymentFact(event) ? [{ fact: event, traceContext }] : []));
    if (received.length === 0) return;
    const { contradictions } = await recordFacts(tx, outbox, received);
    for (const contradiction of contradictions) reportContradiction(logger, contradiction);
  };
}
