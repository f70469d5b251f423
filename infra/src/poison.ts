/**
 * pnpm poison <topic>: writes one message that is not Avro (no Confluent wire format, no schema)
 * to a topic the services consume, against the running `pnpm start` system: the "Send a poison
 * message" experiment of docs/break-it.md. Only the admin principal may write a topic it does
 * not own (decision 011), so it connects as admin, with the credential from .cache/infra/dev.
 * Every consumer group of the topic dead-letters it to <topic>.dlq, and its partition moves on.
 */
import { randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { topicsConsumedBy, type Topic } from "@shop/contracts";
import { devDir } from "./dev-environment";
import { kafkaCredentialsOf, saslOf } from "./kafka-credentials";
import { brokersOf, readState } from "./native-environment";

const consumedTopics = [...new Set(Object.values(topicsConsumedBy).flat())].sort();
const consumersOf = (topic: string) => Object.entries(topicsConsumedBy).filter(([, read]) => read.includes(topic as Topic)).map(([service]) => service);

async function main(): Promise<void> {
  const [topic] = process.argv.slice(2);
  if (!topic || !consumedTopics.includes(topic as Topic)) {
    console.error(`usage: pnpm poison <topic>   (a topic the services consume: ${consumedTopics.join(", ")}; docs/break-it.md)`);
    process.exitCode = 2;
    return;
  }
  const state = readState(devDir);
  if (!state) throw new Error("Nothing running: start the system with `pnpm start` first.");
  const key = `poison-${randomUUID()}`;
  const kafka = new Kafka({ clientId: "poison", brokers: brokersOf(state), sasl: saslOf(kafkaCredentialsOf(state).admin), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key, value: Buffer.from(`not Avro: a poison message (${key})`) }] });
  } finally {
    await producer.disconnect();
  }
  console.log(`Sent a poison message to ${topic}, key ${key}.`);
  console.log(`Watch: ${consumersOf(topic).join(", ")} log \`message dead-lettered\`; it waits in ${topic}.dlq: pnpm --filter @shop/messaging dlq list ${topic}`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
