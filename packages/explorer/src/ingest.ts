/**
 * What happens to each message the explorer reads: decoded through the registry with the codec
 * the services use (so it shows what a service would see: an encrypted field stays ciphertext),
 * kept among its topic's latest messages, and, when it is a saga event, added to its saga.
 */
import type { Codec } from "@shop/messaging";
import type { RawMessage } from "./kafka";
import type { SagaStore, SeenEvent } from "./sagas";

export interface ShownMessage {
  partition: number;
  offset: string;
  key: string | null;
  timestamp: string;
  headers: Record<string, string>;
  value: unknown;
  /** Why the value could not be decoded, when it could not. */
  undecodable?: string;
}

export interface LatestMessages {
  add(topic: string, message: ShownMessage): void;
  of(topic: string): ShownMessage[];
}

/** The last `perTopic` messages of each topic, newest first. */
export function createLatestMessages(perTopic: number): LatestMessages {
  const byTopic = new Map<string, ShownMessage[]>();
  return {
    add(topic, message) {
      const list = byTopic.get(topic) ?? byTopic.set(topic, []).get(topic)!;
      list.unshift(message);
      if (list.length > perTopic) list.pop();
    },
    of: (topic) => byTopic.get(topic) ?? [],
  };
}

function asSagaEvent(message: RawMessage, value: unknown): SeenEvent | undefined {
  const event = value as Partial<Record<"eventId" | "eventType" | "producer" | "orderId" | "occurredAt" | "causationId", string | null>>;
  if (!event?.orderId || !event.eventId || !event.eventType || !event.occurredAt) return undefined; // catalog entries have no saga
  return {
    eventId: event.eventId, eventType: event.eventType, producer: event.producer ?? "?", orderId: event.orderId, occurredAt: event.occurredAt,
    causationId: event.causationId ?? null, topic: message.topic, partition: message.partition, offset: message.offset,
    headers: message.headers, payload: value,
  };
}

/** Returns the orderIds whose saga changed. */
export function ingester(codec: Codec, sagas: SagaStore, latest: LatestMessages) {
  return async (messages: readonly RawMessage[]): Promise<string[]> => {
    const changed: string[] = [];
    for (const message of messages) {
      const shown: ShownMessage = {
        partition: message.partition, offset: message.offset, key: message.key, timestamp: message.timestamp, headers: message.headers, value: null,
      };
      try {
        shown.value = message.value ? await codec.decode(message.value) : null;
      } catch (error) {
        shown.undecodable = (error as Error).message; // a poison message, or the registry down: shown, not fatal
      }
      latest.add(message.topic, shown);
      const event = asSagaEvent(message, shown.value);
      if (event) changed.push(sagas.add(event).orderId);
    }
    return changed;
  };
}
