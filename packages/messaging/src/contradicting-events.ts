/**
 * Contradicting events: a credential can leak, so a service does not take a well-formed event on
 * trust when it contradicts what the service knows, such as a cancellation of an order it knows is
 * confirmed, or a capture that is not the order total. The domain decides what contradicts it;
 * the handler then reports the event here (a warning with the order id and the event type, and
 * `contradicting_events_total{event_type}`) and returns normally without acting on it. The inbox
 * records it and the partition moves on: retrying cannot change the facts, and a dead letter
 * would invite someone to re-drive the forgery.
 */
import type { Event } from "./event";
import type { Logger } from "./logger";
import { contradictingEvents } from "./metrics";

/** An event not acted on, and what it contradicts. */
export interface Contradiction {
  event: Event & { orderId?: string };
  contradicts: string;
}

export function reportContradiction(logger: Logger, { event, contradicts }: Contradiction): void {
  contradictingEvents.inc({ event_type: event.eventType });
  logger.warn({ orderId: event.orderId, eventType: event.eventType, eventId: event.eventId, contradicts },
    `${event.eventType} contradicts what this service knows (${contradicts}): not acted on`);
}
