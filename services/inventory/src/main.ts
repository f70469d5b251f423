// The inventory service: owns the stock. Publishes the catalogue, reserves stock for each order
// all-or-nothing, and releases (compensation) or commits (sale) the reservation as the saga ends.
// Reading order: main.ts (wiring) → http.ts (API) → events.ts (what each event does) →
// stock.ts (the business) → db.ts (SQL) → migrations/.
import { telemetry } from "./telemetry"; // first: with an exporter set, it instruments http and pg as they load
import path from "node:path";
import { Pool } from "pg";
import { createLogger, exitOnStartupError, kafkaOf, onShutdown, schemaRegistryOf, startMetrics } from "@shop/observability";
import { lookupSchemaIds, topicOwners } from "@shop/contracts";
import { consume, createOutbox, kafkaReachable, messagingMigrations, migrate, migrationsIn, schemaRegistryCodec, startRelay } from "@shop/messaging";
import { loadConfig } from "./config";
import { consumedTopics, eventHandler } from "./events";
import { buildHttp } from "./http";
import { readCatalog, seedCatalog } from "./stock";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("inventory", config.LOG_LEVEL);
  startMetrics("inventory");
  const catalogue = readCatalog(config.CATALOG_FILE); // a bad file stops the start before anything connects
  const kafka = kafkaOf("inventory", config); // its own principal; host:port names this instance in its consumer group

  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 10 });
  await migrate(pool, [...messagingMigrations, ...migrationsIn(path.join(__dirname, "..", "migrations"), "inventory")]);
  const registry = schemaRegistryOf(config); // read-only: infra registered the schemas, the service looks up their ids
  const codec = schemaRegistryCodec({ ...registry, schemaIds: await lookupSchemaIds(registry) });
  const relay = startRelay({ databaseUrl: config.DATABASE_URL, kafka, logger }); // the leader publishes the outbox
  const outbox = createOutbox({ codec, wakeRelay: () => relay.wake() }); // a commit that adds rows wakes the relay in-process
  const listed = await seedCatalog(pool, outbox, catalogue);
  if (listed > 0) logger.info({ products: listed, file: config.CATALOG_FILE }, "catalogue seeded and listed");

  const consumer = await consume({
    kafka, pool, codec, logger, groupId: "inventory", topics: consumedTopics, topicOwners, fromBeginning: true, handleBatch: eventHandler({ outbox, logger }),
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
