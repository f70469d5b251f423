/**
 * An outsider with leaked credentials: builds events with the envelope every event has, encodes
 * them with the schemas the services registered (so they decode like the real thing), and writes
 * each topic with its owner's Kafka credential, the one the ACLs let write it (decision 011): what
 * is left for the domain checks to catch. And what the defences leave behind: a service's
 * contradicting_events_total, and the dead letters of a topic.
 */
import { randomUUID } from "node:crypto";
import { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import { Kafka, logLevel, type Producer } from "kafkajs";
import { waitFor } from "@shop/infra";
import { newEvent, subjectFor, topicSpecs, type EventBody, type EventType, type Producer as EventProducer, type Topic } from "@shop/contracts";
import { saslOf, useEnvironment, type ServiceProcess } from "@shop/testkit";

/** A forged event: its type, the service it claims to come from, and its payload. */
export interface Forgery {
  eventType: EventType;
  orderId: string;
  producer: EventProducer;
  payload: Record<string, unknown>;
}

export interface Forger {
  /** Encodes the event with the latest schema of `<topic>-shop.<topic>.<eventType>` and writes it to `topic`; returns its eventId. */
  send(topic: string, forgery: Forgery): Promise<string>;
  stop(): Promise<void>;
}

export async function connectForger(): Promise<Forger> {
  const env = useEnvironment();
  // Reads schemas with the services' read-only credential, as a leaked one would.
  const registry = new SchemaRegistry({ host: env.schemaRegistry.url, auth: env.schemaRegistry.auth });
  const producers = new Map<string, Producer>(); // one per topic owner whose credential leaked
  const producerFor = async (topic: string): Promise<Producer> => {
    const owner = topicSpecs[topic as Topic].producer;
    let producer = producers.get(owner);
    if (!producer) {
      producer = new Kafka({ clientId: `forger-${owner}`, brokers: env.brokers, sasl: saslOf(env.kafkaCredentials(owner)), logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      producers.set(owner, producer);
    }
    return producer;
  };
  return {
    async send(topic, { eventType, orderId, producer: claimedProducer, payload }) {
      // The payload is whatever the forgery says: the schema, not TypeScript, decides whether it encodes.
      const event = newEvent(eventType, { orderId, ...payload } as EventBody<EventType>, { producer: claimedProducer });
      const value = await registry.encode(await registry.getLatestSchemaId(subjectFor(eventType)), event);
      await (await producerFor(topic)).send({ topic, messages: [{ key: orderId, value, headers: { "event-type": eventType, "event-id": event.eventId } }] });
      return event.eventId;
    },
    stop: async () => {
      await Promise.all([...producers.values()].map((producer) => producer.disconnect()));
    },
  };
}

/** The service's contradicting_events_total for `eventType`, from its GET /metrics (0 before the first). */
export async function contradictions(service: ServiceProcess, eventType: string): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("contradicting_events_total{") && l.includes(`event_type="${eventType}"`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/** Waits until each service's count of contradicting `eventType` events is one more than `before`. */
export async function waitForContradictions(services: ServiceProcess[], eventType: string, before: number[]): Promise<void> {
  for (const [i, service] of services.entries()) {
    await waitFor(`${service.name} to count a contradicting ${eventType}`, async () => (await contradictions(service, eventType)) === before[i]! + 1,
      { timeoutMs: 30_000, intervalMs: 100 });
  }
}

/** The dead letters on `<topic>.dlq` of the event `eventId`, one per consumer group that rejected it; waits until `groups` have. */
export async function deadLettersOf(topic: string, eventId: string, groups: string[]): Promise<{ group: string; kind: string; error: string }[]> {
  const env = useEnvironment(); // the dead letters are read as admin, like the dlq command
  const kafka = new Kafka({ clientId: "dlq-reader", brokers: env.brokers, sasl: saslOf(env.kafkaCredentials("admin")), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const found: { group: string; kind: string; error: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [`${topic}.dlq`], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const header = (name: string) => message.headers?.[name]?.toString() ?? "";
        if (header("event-id") !== eventId) return;
        found.push({ group: header("dlq-consumer-group"), kind: header("dlq-error-kind"), error: header("dlq-error") });
      },
    });
    await waitFor(`${groups.join(", ")} to dead-letter ${eventId}`, () => groups.every((group) => found.some((letter) => letter.group === group)),
      { timeoutMs: 30_000 });
  } finally {
    await consumer.disconnect();
  }
  return found.sort((a, b) => a.group.localeCompare(b.group));
}
