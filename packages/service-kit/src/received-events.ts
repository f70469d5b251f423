import type { EventOf, EventType, ShopEvent } from "@shop/contracts";
import type { ReceivedEvent } from "@shop/messaging";

/**
 * The events of a batch whose type is one of `types`, typed as those events: each events.ts
 * names the events its service acts on, and gets them back with their own fields, without a
 * cast of its own (this is the one).
 */
export function eventsOfType<T extends EventType>(events: readonly ReceivedEvent<ShopEvent>[], types: readonly T[]): ReceivedEvent<EventOf<T>>[] {
  const wanted = new Set<EventType>(types);
  return events.filter(({ event }) => wanted.has(event.eventType)) as ReceivedEvent<EventOf<T>>[];
}
