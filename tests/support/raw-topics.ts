/**
 * Every message of some topics as raw bytes, read from the beginning to the end each partition
 * had when the call started, as admin: what a broker-level reader (or attacker) sees.
 */
import { Kafka, logLevel } from "kafkajs";
import { waitFor } from "@shop/infra";
import { saslOf, useEnvironment } from "@shop/testkit";

export interface RawMessage {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export async function readRawMessages(topics?: string[]): Promise<RawMessage[]> {
  const env = useEnvironment();
  const kafka = new Kafka({ clientId: "e2e-raw", brokers: env.brokers, sasl: saslOf(env.kafkaCredentials("admin")), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const names = topics ?? (await admin.listTopics()).filter((topic) => !topic.startsWith("__"));
  const remaining = new Map<string, number>(); // "topic/partition" → end offset not yet reached
  for (const topic of names) {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      if (Number(high) > Number(low)) remaining.set(`${topic}/${partition}`, Number(high));
    }
  }
  await admin.disconnect();

  const messages: RawMessage[] = [];
  const consumer = kafka.consumer({ groupId: `e2e-raw-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: names, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
        messages.push({ topic, key: message.key, value: message.value, headers });
        const end = remaining.get(`${topic}/${partition}`);
        if (end !== undefined && Number(message.offset) + 1 >= end) remaining.delete(`${topic}/${partition}`);
      },
    });
    await waitFor(`every message of ${names.length} topics`, () => remaining.size === 0, { timeoutMs: 60_000 });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** The message as text a grep would search: key, headers and value (latin1: every byte is one character). */
export const textOf = ({ key, value, headers }: RawMessage) =>
  [key?.toString("latin1") ?? "", JSON.stringify(headers), value?.toString("latin1") ?? ""].join("\n");
