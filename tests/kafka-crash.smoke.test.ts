/**
 * Kafka under a crash: SIGKILL, then a start on the same data keeps every message. Uses the
 * broker of this test run: natively that is infra/src/kafka.ts restarting on the same data dir;
 * with containers, the same container started again.
 */
import { randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { waitFor } from "@shop/infra";
import { saslOf, useEnvironment } from "@shop/testkit";

const env = useEnvironment();
const kafka = new Kafka({ clientId: "kafka-crash-test", brokers: env.brokers, sasl: saslOf(env.kafkaCredentials("admin")), logLevel: logLevel.NOTHING });

test("when the broker is killed with SIGKILL and started again on the same data, then every message produced before is there", async () => {
  const topic = `crash-${randomUUID()}`;
  const sent = Array.from({ length: 20 }, (_, i) => `message-${i}`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  // acks=all + idempotent, as the services use: a send resolves only once the broker has the message.
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: sent.map((value) => ({ key: value, value })) });
  await producer.disconnect();

  await env.stopBroker({ kill: true });
  await env.startBroker();

  const received: string[] = [];
  // Short fetch wait: disconnect() waits for the fetch in flight (default up to 5 s).
  const consumer = kafka.consumer({ groupId: `crash-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(String(message.value)) });
    await waitFor("all messages to be consumed", () => received.length >= sent.length, { timeoutMs: 60_000 });
  } finally {
    await consumer.disconnect();
  }
  expect([...received].sort()).toEqual([...sent].sort());

  // Exactly those: the partitions hold no more messages than were sent.
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  expect(offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)).toBe(sent.length);
}, 120_000); // a broker restart on the same data, then up to 60 s to consume
