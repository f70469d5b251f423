/**
 * A relay in a process of its own, for tests that kill it with SIGKILL (a crash, not a stop).
 * Prints "leader" once it holds the relay lock. Env: DATABASE_URL, KAFKA_BROKERS, KAFKA_USERNAME, KAFKA_PASSWORD; with
 * CRASH_AFTER_SEND=1 it kills itself (SIGKILL) as soon as Kafka acknowledges its first batch,
 * i.e. between the send and the COMMIT that removes the rows.
 */
import { connectPublisher, type KafkaConfig } from "./kafka";
import { startRelay } from "./relay";

async function connectCrashingAfterSend(kafka: KafkaConfig) {
  const publisher = await connectPublisher(kafka);
  return {
    ...publisher,
    async send(messages: Parameters<typeof publisher.send>[0]) {
      await publisher.send(messages);
      process.kill(process.pid, "SIGKILL");
    },
  };
}

const relay = startRelay({
  databaseUrl: process.env.DATABASE_URL!,
  kafka: {
    brokers: process.env.KAFKA_BROKERS!.split(","), clientId: "relay-process",
    credentials: { username: process.env.KAFKA_USERNAME!, password: process.env.KAFKA_PASSWORD! },
  },
  pollIntervalMs: 100,
  ...(process.env.CRASH_AFTER_SEND === "1" ? { connect: connectCrashingAfterSend } : {}),
});
const timer = setInterval(() => {
  if (!relay.status().leader) return;
  console.log("leader");
  clearInterval(timer);
}, 20);
