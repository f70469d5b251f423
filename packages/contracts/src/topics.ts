/**
 * The topics of ARCHITECTURE §4: who writes each one, which events go on it, and which field
 * is the Kafka message key. src/schemas.ts checks that schemas/<topic>/ holds exactly these events.
 */
import type { ShopEvent } from "./generated";

export const topics = {
  catalog: "catalog",
  orders: "orders",
  inventory: "inventory",
  payments: "payments",
  shipments: "shipments",
  notifications: "notifications",
  /** The customers' data keys for personal data (docs/decisions/014): not a saga topic. */
  datakeys: "datakeys",
} as const;
export type Topic = (typeof topics)[keyof typeof topics];

/** The services that write events (analytics only reads). */
export type Producer = "order" | "inventory" | "payment" | "email" | "warehouse";

export interface TopicSpec {
  producer: Producer;
  /** The message key: per-key order is what consumers rely on. */
  key: "orderId" | "sku" | "keyId";
  /** Compacted topics keep the latest message per key, forever: they carry state, not history. */
  compacted: boolean;
  /** Topic configuration beyond the cleanup policy, as Kafka names it. */
  config?: Readonly<Record<string, string>>;
  /** In the order a saga emits them. */
  events: readonly ShopEvent["eventType"][];
}

export const topicSpecs: Record<Topic, TopicSpec> = {
  catalog: { producer: "inventory", key: "sku", compacted: true, events: ["ProductListed"] },
  orders: { producer: "order", key: "orderId", compacted: false, events: ["OrderPlaced", "OrderConfirmed", "OrderCancelled"] },
  inventory: {
    producer: "inventory", key: "orderId", compacted: false,
    events: ["StockReserved", "StockReservationFailed", "StockReleased", "StockCommitted"],
  },
  payments: { producer: "payment", key: "orderId", compacted: false, events: ["PaymentCaptured", "PaymentFailed", "PaymentRefunded"] },
  shipments: { producer: "warehouse", key: "orderId", compacted: false, events: ["ShipmentScheduled", "ShipmentFailed"] },
  notifications: { producer: "email", key: "orderId", compacted: false, events: ["EmailSent"] },
  // One compaction key per data key: an erased key's CustomerDataKeyErased supersedes its
  // CustomerDataKeyIssued. Kafka compacts only closed segments: a segment closes after an hour
  // (segment.ms) and is compacted within the next hour (max.compaction.lag.ms), so a superseded
  // wrapped key stays on disk at most about two hours after its erasure (decision 014).
  datakeys: {
    producer: "order", key: "keyId", compacted: true, events: ["CustomerDataKeyIssued", "CustomerDataKeyErased"],
    config: { "segment.ms": "3600000", "max.compaction.lag.ms": "3600000", "min.cleanable.dirty.ratio": "0.01" },
  },
};

/**
 * Each topic's owner, the one producer its events may name: what a consumer passes to
 * messaging's `consume({ topicOwners })`, which dead-letters an event naming another.
 */
export const topicOwners: Readonly<Record<Topic, Producer>> = Object.fromEntries(
  Object.entries(topicSpecs).map(([topic, spec]) => [topic, spec.producer]),
) as Record<Topic, Producer>;

/** Where a consumer parks a message that failed for good. */
export function dlqTopic<T extends string>(topic: T): `${T}.dlq` {
  return `${topic}.dlq`;
}

/** The Kafka message key: the saga's orderId, the sku on the compacted catalog topic, the keyId on datakeys. */
export function keyOf(event: ShopEvent): string {
  if (event.eventType === "ProductListed") return event.sku;
  if (event.eventType === "CustomerDataKeyIssued" || event.eventType === "CustomerDataKeyErased") return event.keyId;
  return event.orderId;
}

/** Every topic of the saga with its cleanup policy: what a service creates at start (messaging's ensureTopics). */
export const allTopics: readonly { topic: Topic; compacted: boolean; config?: Readonly<Record<string, string>> }[] = Object.entries(topicSpecs).map(
  ([topic, spec]) => ({ topic: topic as Topic, compacted: spec.compacted, ...(spec.config ? { config: spec.config } : {}) }),
);
