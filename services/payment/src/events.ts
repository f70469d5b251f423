/**
 * What the payment service does with each event it consumes: store it as a fact about the
 * order and act if the order's payment now has all it needs (payments.ts). Events not listed
 * here need nothing from payment.
 */
import { topics, type EventOf, type EventType, type ShopEvent } from "@shop/contracts";
import type { HandlerContext, Outbox } from "@shop/messaging";
import { recordFact, type PaymentFact } from "./payments";

/** The topics payment consumes: order details and cancellations, reservations, shipment failures. */
export const consumedTopics = [topics.orders, topics.inventory, topics.shipments];

type Handlers = { [T in EventType]?: (event: EventOf<T>, context: HandlerContext) => Promise<unknown> };

export function eventHandler(outbox: Outbox) {
  const record = (event: PaymentFact, { tx }: HandlerContext) => recordFact(tx, outbox, event);

  const handlers: Handlers = {
    OrderPlaced: record, // the amount and the card
    StockReserved: record, // the go-ahead: charge
    OrderCancelled: record, // never charge; refund if charged
    ShipmentFailed: record, // refund
  };

  return async (event: ShopEvent, context: HandlerContext): Promise<void> => {
    const handle = handlers[event.eventType] as ((event: ShopEvent, context: HandlerContext) => Promise<unknown>) | undefined;
    await handle?.(event, context);
  };
}
