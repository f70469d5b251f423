/**
 * A relay in a process of its own, for tests that kill it with SIGKILL (a crash, not a stop).
 * Prints "leader" once it holds the relay lock. Env: DATABASE_URL, KAFKA_BROKERS.
 */
import { startRelay } from "./relay";

const relay = startRelay({
  databaseUrl: process.env.DATABASE_URL!,
  kafka: { brokers: process.env.KAFKA_BROKERS!.split(","), clientId: "relay-process" },
  pollIntervalMs: 100,
});
const timer = setInterval(() => {
  if (!relay.status().leader) return;
  console.log("leader");
  clearInterval(timer);
}, 20);
