/**
 * What the inventory service does with each event it consumes: one call per event type.
 * Events not listed here (OrderConfirmed, PaymentCaptured, PaymentRefunded) need nothing from inventory.
 */
import type { EventOf, EventType, ShopEvent } from "@shop/contracts";
import type { HandlerContext } from "@shop/messaging";
import { cancel, commit, release, reserve, type StockDeps } from "./stock";

/** The topics inventory consumes: orders to reserve for, and the facts that release or commit them. */
export const consumedTopics = ["orders", "payments", "shipments"];

type Handlers = { [T in EventType]?: (event: EventOf<T>, context: HandlerContext) => Promise<unknown> };

export function eventHandler(deps: StockDeps) {
  const handlers: Handlers = {
    OrderPlaced: (event, { tx }) => reserve(deps, tx, event),
    PaymentFailed: (event, { tx }) => release(deps, tx, event),
    ShipmentFailed: (event, { tx }) => release(deps, tx, event),
    OrderCancelled: (event, { tx }) => cancel(deps, tx, event),
    ShipmentScheduled: (event, { tx }) => commit(deps, tx, event),
  };

  return async (event: ShopEvent, context: HandlerContext): Promise<void> => {
    const handle = handlers[event.eventType] as ((event: ShopEvent, context: HandlerContext) => Promise<unknown>) | undefined;
    await handle?.(event, context);
  };
}
