/**
 * What the order service does with the events it consumes, a batch at a time: products listed
 * on the catalogue are stored, and the other services' saga facts move their orders on
 * (orders.ts, applyFacts), each with a fixed number of statements per batch. A fact that
 * contradicts its order (a capture that is not the total) is reported, not acted on. Events not
 * listed here (StockReleased, StockCommitted, PaymentRefunded) need nothing from order.
 */
import type { ShopEvent } from "@shop/contracts";
import { reportContradiction, type BatchHandler, type Logger, type Outbox } from "@shop/messaging";
import { eventsOfType } from "@shop/service-kit";
import { upsertProducts } from "./db";
import { applyFacts } from "./orders";

/** The other services' events that are saga facts: each is the fact of the same name (order-saga.ts). */
const sagaFacts = ["StockReserved", "StockReservationFailed", "PaymentCaptured", "PaymentFailed", "ShipmentScheduled", "ShipmentFailed"] as const;

export interface EventDeps {
  outbox: Outbox;
  logger: Logger;
}

export function eventHandler({ outbox, logger }: EventDeps): BatchHandler<ShopEvent> {
  return async (events, tx) => {
    await upsertProducts(tx, eventsOfType(events, ["ProductListed"]).map(({ event }) => event));
    const facts = eventsOfType(events, sagaFacts).map(({ event, traceContext }) => ({
      fact: event.eventType, orderId: event.orderId, capturedAmount: event.eventType === "PaymentCaptured" ? event.amount : undefined, event, traceContext,
    }));
    if (facts.length === 0) return;
    const { contradictions } = await applyFacts(tx, outbox, facts);
    for (const contradiction of contradictions) reportContradiction(logger, contradiction);
  };
}
