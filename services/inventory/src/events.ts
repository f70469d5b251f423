/**
 * What the inventory service does with the events it consumes, a batch at a time: each event
 * becomes a request (reserve, release, cancel, commit) and the batch's requests are carried out
 * together (stock.ts), with a fixed number of statements. OrderConfirmed is remembered on the
 * order's reservations: an OrderCancelled after it contradicts the order and takes nothing back.
 * Events not listed here (PaymentCaptured, PaymentRefunded) need nothing from inventory.
 */
import type { ShopEvent } from "@shop/contracts";
import type { BatchHandler, ReceivedEvent } from "@shop/messaging";
import { handleStockRequests, type StockDeps, type StockRequest } from "./stock";

/** What the handler needs: the outbox its events go to, and the logger. */
export type EventDeps = StockDeps;

/** The request an event makes of inventory, if any. */
function requestOf({ event, traceContext }: ReceivedEvent<ShopEvent>): StockRequest | undefined {
  switch (event.eventType) {
    case "OrderPlaced": return { action: "reserve", event, traceContext };
    case "PaymentFailed": return { action: "release", event, traceContext };
    case "ShipmentFailed": return { action: "release", event, traceContext };
    case "OrderCancelled": return { action: "cancel", event, traceContext };
    case "ShipmentScheduled": return { action: "commit", event, traceContext };
    case "OrderConfirmed": return { action: "confirm", event, traceContext };
    default: return undefined;
  }
}

export function eventHandler(deps: EventDeps): BatchHandler<ShopEvent> {
  return (events, tx) => handleStockRequests(deps, tx, events.flatMap((received) => requestOf(received) ?? []));
}
