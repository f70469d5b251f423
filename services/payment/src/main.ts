// The payment service: charges an order through a simulated provider once its stock is
// reserved, and refunds it when shipping fails or the order is cancelled.
// Reading order: main.ts (wiring) → events.ts (what each event does) → payments.ts (the
// business) → provider.ts (the simulated provider) → db.ts (SQL) → migrations/ → http.ts (API).
import { telemetry } from "./telemetry"; // first: with an exporter set, it instruments http and pg as they load
import path from "node:path";
import { Pool } from "pg";
import { createLogger, exitOnStartupError, kafkaOf, onShutdown, schemaRegistryOf, startMetrics } from "@shop/observability";
import { lookupSchemaIds, topicOwners } from "@shop/contracts";
import { consume, createOutbox, kafkaReachable, messagingMigrations, migrate, migrationsIn, schemaRegistryCodec, startRelay } from "@shop/messaging";
import { loadConfig } from "./config";
import { consumedTopics, eventHandler } from "./events";
import { buildHttp } from "./http";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("payment", config.LOG_LEVEL);
  startMetrics("payment");
  const kafka = kafkaOf("payment", config); // its own principal; host:port names this instance in its consumer group

  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 10 });
  await migrate(pool, [...messagingMigrations, ...migrationsIn(path.join(__dirname, "..", "migrations"), "payment")]);
  const registry = schemaRegistryOf(config); // read-only: infra registered the schemas, the service looks up their ids
  const codec = schemaRegistryCodec({ ...registry, schemaIds: await lookupSchemaIds(registry) });
  const relay = startRelay({ databaseUrl: config.DATABASE_URL, kafka, logger }); // the leader publishes the outbox
  const outbox = createOutbox({ codec, wakeRelay: () => relay.wake() }); // a commit that adds rows wakes the relay in-process

  const consumer = await consume({
    kafka, pool, codec, logger, groupId: "payment", topics: consumedTopics, topicOwners, fromBeginning: true, handleBatch: eventHandler({ outbox, logger }),
  });

  const app = buildHttp({
    logger, pool,
    readiness: { database: () => pool.query("SELECT 1"), kafka: () => kafkaReachable(kafka) },
  });
  await app.listen({ port: config.PORT, host: config.HOST });

  onShutdown(logger, [
    () => app.close(), // stop taking requests
    () => consumer.stop(), // finish the batch in flight, commit its offsets
    () => relay.stop(), // publish what is left
    () => pool.end(),
    () => telemetry.shutdown(),
  ]);
}

main().catch(exitOnStartupError);
