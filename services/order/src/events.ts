/**
 * What the order service does with each event it consumes: one call per event type. Events
 * not listed here (StockReleased, StockCommitted, PaymentRefunded) need nothing from order.
 */
import type { EventOf, EventType, ShopEvent } from "@shop/contracts";
import type { HandlerContext, Outbox } from "@shop/messaging";
import { upsertProduct } from "./db";
import { applyFact } from "./orders";
import type { SagaFact } from "./order-saga";

/** The topics order consumes: the catalogue and the other services' saga facts. */
export const consumedTopics = ["catalog", "inventory", "payments", "shipments"];

type Handlers = { [T in EventType]?: (event: EventOf<T>, context: HandlerContext) => Promise<unknown> };

export function eventHandler(outbox: Outbox) {
  const fact = (name: SagaFact) => (event: ShopEvent & { orderId: string }, { tx }: HandlerContext) =>
    applyFact(tx, outbox, { fact: name, orderId: event.orderId, event });

  const handlers: Handlers = {
    ProductListed: (event, { tx }) => upsertProduct(tx, event.sku, event.name, event.price),
    StockReserved: fact("StockReserved"),
    StockReservationFailed: fact("StockReservationFailed"),
    PaymentCaptured: fact("PaymentCaptured"),
    PaymentFailed: fact("PaymentFailed"),
    ShipmentScheduled: fact("ShipmentScheduled"),
    ShipmentFailed: fact("ShipmentFailed"),
  };

  return async (event: ShopEvent, context: HandlerContext): Promise<void> => {
    const handle = handlers[event.eventType] as ((event: ShopEvent, context: HandlerContext) => Promise<unknown>) | undefined;
    await handle?.(event, context);
  };
}
