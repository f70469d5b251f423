/**
 * What the warehouse does with each event it consumes: store it as a fact about the order and
 * act if the order's shipment now has all it needs (shipments.ts). Events not listed here need
 * nothing from the warehouse.
 */
import { topics, type EventOf, type EventType, type ShopEvent } from "@shop/contracts";
import type { HandlerContext, Outbox } from "@shop/messaging";
import { recordFact, type ShipmentFact } from "./shipments";

/** The topics the warehouse consumes: order details and cancellations, captured payments. */
export const consumedTopics = [topics.orders, topics.payments];

type Handlers = { [T in EventType]?: (event: EventOf<T>, context: HandlerContext) => Promise<unknown> };

export function eventHandler(outbox: Outbox) {
  const record = (event: ShipmentFact, { tx }: HandlerContext) => recordFact(tx, outbox, event);

  const handlers: Handlers = {
    OrderPlaced: record, // the address
    PaymentCaptured: record, // the go-ahead: ship
    OrderCancelled: record, // never ship
  };

  return async (event: ShopEvent, context: HandlerContext): Promise<void> => {
    const handle = handlers[event.eventType] as ((event: ShopEvent, context: HandlerContext) => Promise<unknown>) | undefined;
    await handle?.(event, context);
  };
}
