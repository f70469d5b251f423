/**
 * What the order service does with the events it consumes, a batch at a time: products listed
 * on the catalogue are stored, and the other services' saga facts move their orders on
 * (orders.ts, applyFacts), each with a fixed number of statements per batch. A fact that
 * contradicts its order (a capture that is not the total) is reported, not acted on. Events not
 * listed here (StockReleased, StockCommitted, PaymentRefunded) need nothing from order.
 */
import { topicsConsumedBy, type EventOf, EventType, ShopEvent } from "@shop/contracts";
import { reportContradiction, type BatchHandler, type Logger, type Outbox } from "@shop/messaging";
import { upsertProducts } from "./db";
import { applyFacts, type Fact } from "./orders";
import type { SagaFact } from "./order-saga";

/** The topics order consumes: the catalogue and the other services' saga facts. */
export const consumedTopics = [...topicsConsumedBy.order];

/** The events that are saga facts: each is the fact of the same name (order-saga.ts). */
const sagaFacts = new Set<EventType>(["StockReserved", "StockReservationFailed", "PaymentCaptured", "PaymentFailed", "ShipmentScheduled", "ShipmentFailed"]);

export function eventHandler({ outbox, logger }: { outbox: Outbox; logger: Logger }): BatchHandler<ShopEvent> {
  return async (events, tx) => {
    const products: EventOf<"ProductListed">[] = [];
    const facts: Fact[] = [];
    for (const { event, traceContext } of events) {
      if (event.eventType === "ProductListed") products.push(event);
      else if (sagaFacts.has(event.eventType) && "orderId" in event) {
        const capturedAmount = event.eventType === "PaymentCaptured" ? event.amount : undefined;
        facts.push({ fact: event.eventType as SagaFact, orderId: event.orderId, capturedAmount, event, traceContext });
      }
    }
    await upsertProducts(tx, products);
    if (facts.length === 0) return;
    const { contradictions } = await applyFacts(tx, outbox, facts);
    for (const contradiction of contradictions) reportContradiction(logger, contradiction);
  };
}
