/** The few Kafka helpers services call directly. */
import { kafkaReachable } from "./kafka";
import { env } from "./testing";

// Real Kafka, and a connection to a port where none answers, which fails after its own retries.
jest.setTimeout(15_000);

test("when a broker answers, then Kafka is reachable; when none does, then the check fails within seconds", async () => {
  const credentials = env.kafkaCredentials("admin");
  await expect(kafkaReachable({ brokers: env.brokers, clientId: "ready-check", credentials })).resolves.toBeUndefined();
  const started = Date.now();
  await expect(kafkaReachable({ brokers: ["127.0.0.1:9"], clientId: "ready-check", credentials })).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(10_000);
});
