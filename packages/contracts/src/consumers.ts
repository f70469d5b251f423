/**
 * The six services and the topics each one consumes. With topicSpecs' producers (topics.ts) this
 * is the ownership table of ARCHITECTURE §4 and §10: the Kafka ACLs are generated from these two
 * tables (infra/src/kafka-acls.ts), and each service's events.ts takes its topics from here, so
 * what a service reads and what it is allowed to read cannot drift apart.
 */
import { topics, type Topic } from "./topics";

export const services = ["order", "inventory", "payment", "email", "warehouse", "analytics"] as const;
export type Service = (typeof services)[number];

export const topicsConsumedBy: Record<Service, readonly Topic[]> = {
  order: [topics.catalog, topics.inventory, topics.payments, topics.shipments],
  inventory: [topics.orders, topics.payments, topics.shipments],
  payment: [topics.orders, topics.inventory, topics.shipments],
  // The keyring of the services that open personal data reads datakeys (decision 014).
  email: [topics.orders, topics.datakeys],
  warehouse: [topics.orders, topics.payments, topics.datakeys],
  // Analytics counts every saga fact; the data keys are none of its business.
  analytics: Object.values(topics).filter((topic) => topic !== topics.datakeys),
};

/** The topics a service's inbox consumer subscribes to: what it reads, but datakeys (its keyring reads that one). */
export function inboxTopicsOf(service: Service): Topic[] {
  return topicsConsumedBy[service].filter((topic) => topic !== topics.datakeys);
}
