/**
 * pnpm bench:idle — CPU used by an idle, connected kafkajs consumer and producer, with the
 * idle-timer patch (packages/messaging/patches) and, for comparison, with kafkajs's original
 * code put back at run time. Prints figures; asserts nothing.
 */
import { Kafka, logLevel } from "kafkajs";
import { saslOf, startEnvironment, type Environment } from "@shop/testkit";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require("kafkajs/src/network/requestQueue") as { prototype: Record<string, unknown> };
const patched = RequestQueue.prototype.scheduleCheckPendingRequests;

/** kafkajs 2.2.4's original method: re-arms a timer even when nothing is pending. */
function original(this: { throttledUntil: number; throttleCheckTimeoutId: unknown; pending: unknown[]; checkPendingRequests(): void }) {
  let scheduleAt = this.throttledUntil - Date.now();
  if (!this.throttleCheckTimeoutId) {
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : 10;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, scheduleAt);
  }
}

async function idleCpuPercent(environment: Environment, seconds: number): Promise<number> {
  const kafka = new Kafka({ clientId: "bench-idle", brokers: environment.brokers, sasl: saslOf(environment.kafkaCredentials("admin")), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "bench-idle", numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `bench-idle-${Date.now()}` });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: ["bench-idle"] });
  await consumer.run({ eachMessage: async () => {} });
  await producer.send({ topic: "bench-idle", messages: [{ value: "warm-up" }] });
  await new Promise((resolve) => setTimeout(resolve, 2000)); // let the group settle before measuring

  const before = process.cpuUsage();
  const startedAt = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const used = process.cpuUsage(before);
  const elapsedUs = Number(process.hrtime.bigint() - startedAt) / 1000;
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return ((used.user + used.system) / elapsedUs) * 100;
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  console.log("Starting infrastructure...");
  const { environment } = await startEnvironment((line) => console.log(`  ${line}`));
  try {
    const withPatch = await idleCpuPercent(environment, seconds);
    RequestQueue.prototype.scheduleCheckPendingRequests = original;
    const withoutPatch = await idleCpuPercent(environment, seconds);
    RequestQueue.prototype.scheduleCheckPendingRequests = patched;
    console.log(`\nIdle kafkajs producer + consumer (3 partitions), ${seconds} s each, one process:`);
    console.log(`  with the patch:    ${withPatch.toFixed(2)} % of one core`);
    console.log(`  kafkajs original:  ${withoutPatch.toFixed(2)} % of one core`);
    console.log("(A TimeoutNegativeWarning above comes from kafkajs's original code: it arms its timer with a negative delay.)");
  } finally {
    await environment.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
