/**
 * pnpm peek <topic> [--follow]: prints the events on a topic, decoded from Avro, with their key
 * and headers (event-type, traceparent ...): what the services actually sent each other. Reads
 * from the beginning with a throw-away consumer group, so it never moves a service's offsets.
 * Uses the running `pnpm infra up` / `pnpm start` environment (Kafka as its admin principal, the
 * registry as reader), or KAFKA_BROKERS, KAFKA_USERNAME, KAFKA_PASSWORD (the admin principal's: it
 * reads with a group of its own), SCHEMA_REGISTRY_URL, SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD.
 */
import { randomUUID } from "node:crypto";
import { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import { Kafka, logLevel } from "kafkajs";
import { devDir } from "./dev-environment";
import { kafkaCredentialsOf, saslOf } from "./kafka-credentials";
import { brokersOf, readState, schemaRegistryUrlOf } from "./native-environment";
import { registryCredentialsOf } from "./registry-credentials";
import { untilStopped } from "./signals";

async function main(): Promise<void> {
  const [topic, ...flags] = process.argv.slice(2);
  if (!topic) {
    console.error("usage: pnpm peek <topic> [--follow]   e.g. pnpm peek orders (topics: catalog, orders, inventory, payments, shipments, notifications, <topic>.dlq)");
    process.exitCode = 2;
    return;
  }
  const state = readState(devDir);
  const brokers = process.env.KAFKA_BROKERS?.split(",") ?? (state && brokersOf(state));
  const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? (state && schemaRegistryUrlOf(state));
  const { KAFKA_USERNAME: username, KAFKA_PASSWORD: password } = process.env;
  const credentials = username && password ? { username, password } : state && kafkaCredentialsOf(state).admin;
  const { SCHEMA_REGISTRY_USERNAME: registryUser, SCHEMA_REGISTRY_PASSWORD: registryPassword } = process.env;
  const auth = registryUser && registryPassword ? { username: registryUser, password: registryPassword } : state && registryCredentialsOf(state).reader;
  if (!brokers || !registryUrl || !credentials) {
    throw new Error("Nothing running: start it with `pnpm start` (or set KAFKA_BROKERS, KAFKA_USERNAME, KAFKA_PASSWORD, SCHEMA_REGISTRY_URL and the registry's credentials).");
  }

  const kafka = new Kafka({ clientId: "peek", brokers, sasl: saslOf(credentials), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const end = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  await admin.disconnect();
  const registry = new SchemaRegistry({ host: registryUrl, auth });
  const consumer = kafka.consumer({ groupId: `peek-${randomUUID()}`, maxWaitTimeInMs: 500 });
  let seen = 0;
  let done: () => void = () => {};
  const allRead = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      let value: unknown;
      try {
        value = message.value ? await registry.decode(message.value) : null;
      } catch (error) {
        value = `(not decodable: ${(error as Error).message})`;
      }
      console.log(JSON.stringify({ partition, offset: message.offset, key: message.key?.toString(), headers, value }, null, 2));
      if (++seen >= end) done();
    },
  });
  if (flags.includes("--follow")) await untilStopped();
  else if (end > 0) await allRead;
  console.error(`${seen} message(s) on ${topic}`);
  await consumer.disconnect();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
