/**
 * Helpers for this package's tests (not exported from index.ts): a fresh database per test,
 * small Avro test schemas in the real registry, unique topics, a raw topic reader.
 */
import { randomUUID } from "node:crypto";
import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import { basicAuthorization } from "@shop/infra";
import { freshDatabase as testkitFreshDatabase, useEnvironment, type FreshDatabase } from "@shop/testkit";
import { schemaRegistryCodec, type Codec } from "./codec";
import { ensureTopics, subscribe, type IncomingMessage, type KafkaConfig } from "./kafka";
import { migrate } from "./migrations";

export const env = useEnvironment();

export function kafkaConfig(clientId = "messaging-test"): KafkaConfig {
  return { brokers: env.brokers, clientId, credentials: env.kafkaCredentials("admin") };
}

/** A new database (migrated unless told otherwise), so tests share nothing: advisory locks and NOTIFY are per database. */
export function freshDatabase({ migrated = true } = {}): Promise<FreshDatabase> {
  return testkitFreshDatabase("messaging", migrated ? (pool) => migrate(pool) : undefined);
}

/** A topic no other test uses, created with `partitions` partitions (and its DLQ). */
export async function freshTopic(prefix: string, partitions = 3): Promise<string> {
  const topic = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureTopics(kafkaConfig(), [topic, `${topic}.dlq`], partitions);
  return topic;
}

const field = (name: string, type: string) => ({ name, type });

/** A test event: `key` and `sequence` let tests check order and effects. */
export interface ThingHappened {
  eventId: string;
  eventType: "ThingHappened";
  key: string;
  sequence: number;
}

const schemas = {
  ThingHappened: [field("eventId", "string"), field("eventType", "string"), field("key", "string"), field("sequence", "int")],
  // ThingHappened with the name of the service that wrote it, for the producer check.
  ProducedThing: [field("eventId", "string"), field("eventType", "string"), field("key", "string"), field("sequence", "int"), field("producer", "string")],
  // Registered and decodable, but not an event: no eventId. The consumer must dead-letter it as invalid.
  NotAnEvent: [field("eventType", "string"), field("note", "string")],
};

let schemaIds: Promise<Record<string, number>> | undefined;

/** Registers the test schemas once per test file (subjects "messaging-test-<Name>"); returns their ids. */
export function testSchemaIds(): Promise<Record<string, number>> {
  schemaIds ??= (async () => {
    // Registering needs the admin credential (the services' reader may only look schemas up).
    const { url, auth } = env.schemaRegistryAdmin;
    const registry = new SchemaRegistry({ host: url, auth });
    const ids: Record<string, number> = {};
    for (const [name, fields] of Object.entries(schemas)) {
      const subject = `messaging-test-${name}`;
      // Apicurio answers NONE for a subject without its own level, which register() rejects: set it first.
      const response = await fetch(`${url}/config/${subject}`, {
        method: "PUT",
        headers: { "Content-Type": "application/vnd.schemaregistry.v1+json", Authorization: basicAuthorization(auth) },
        body: JSON.stringify({ compatibility: "BACKWARD" }),
      });
      if (!response.ok) throw new Error(`setting compatibility of ${subject}: HTTP ${response.status}`);
      const schema = { type: "record", name, namespace: "shop.messaging.test", fields };
      ids[name] = (await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject })).id;
    }
    return ids;
  })();
  return schemaIds;
}

export async function testCodec(): Promise<Codec> {
  return schemaRegistryCodec({ ...env.schemaRegistry, schemaIds: await testSchemaIds() }); // as a service: read-only
}

export function thing(key: string, sequence: number): ThingHappened {
  return { eventId: randomUUID(), eventType: "ThingHappened", key, sequence };
}

/** Reads every message of a topic from the beginning as it arrives (a throwaway consumer group). */
export async function readTopic(topic: string): Promise<{ messages: IncomingMessage[]; stop(): Promise<void> }> {
  const messages: IncomingMessage[] = [];
  const subscription = await subscribe({
    ...kafkaConfig("topic-reader"),
    groupId: `reader-${randomUUID()}`,
    topics: [topic],
    maxWaitTimeInMs: 200,
    onBatch: async (batch) => {
      messages.push(...batch.messages);
      return batch.messages.length;
    },
  });
  return { messages, stop: () => subscription.stop() };
}
