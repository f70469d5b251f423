/** Building events: the envelope is filled here, once, so every producer fills it the same way. */
import { randomUUID } from "node:crypto";
import type { EventType, ShopEvent } from "./generated";
import { currentVersion } from "./schemas";
import type { Producer } from "./topics";

export type EventOf<T extends EventType> = Extract<ShopEvent, { eventType: T }>;

/** The envelope fields newEvent fills (orderId stays with the caller: ProductListed has none). */
export type EnvelopeField = "eventId" | "eventType" | "eventVersion" | "occurredAt" | "causationId" | "producer";
export type EventBody<T extends EventType> = Omit<EventOf<T>, EnvelopeField>;

export interface EventContext {
  producer: Producer;
  /** The event this one reacts to; its eventId becomes causationId. Omit for the first event of a saga. */
  causedBy?: { eventId: string };
  /** Injected for tests. */
  now?: () => Date;
  newId?: () => string;
}

/** A new event of the current schema version, e.g. newEvent("PaymentFailed", { orderId, reason }, { producer: "payment", causedBy }). */
export function newEvent<T extends EventType>(eventType: T, body: EventBody<T>, context: EventContext): EventOf<T> {
  const envelope = {
    eventId: (context.newId ?? randomUUID)(),
    eventType,
    eventVersion: currentVersion(eventType),
    occurredAt: (context.now?.() ?? new Date()).toISOString(), // UTC, with milliseconds
    causationId: context.causedBy?.eventId ?? null,
    producer: context.producer,
  };
  // TypeScript cannot see that envelope + body is EventOf<T> for a generic T; the tests encode every example.
  return { ...envelope, ...body } as unknown as EventOf<T>;
}
