// The order service: takes orders over HTTP and owns the saga's state, moving each order from
// PENDING to CONFIRMED or CANCELLED as the other services' facts arrive.
// Reading order: main.ts (wiring) → http.ts (API) → orders.ts (the business) → order-saga.ts
// (the state table) → events.ts (what each event does) → db.ts (SQL) → migrations/.
import { telemetry } from "./telemetry"; // first: with an exporter set, it instruments http and pg as they load
import path from "node:path";
import { Pool } from "pg";
import { createLogger, exitOnStartupError, kafkaOf, onShutdown, schemaRegistryOf, startMetrics } from "@shop/observability";
import { lookupSchemaIds, personalFields, topicOwners } from "@shop/contracts";
import {
  consume, createOutbox, kafkaReachable, localKek, messagingMigrations, migrate, migrationsIn, personalDataCodec, schemaRegistryCodec, startRelay,
} from "@shop/messaging";
import { loadConfig } from "./config";
import { consumedTopics, eventHandler } from "./events";
import { buildHttp } from "./http";
import { idleRefreshEveryMs, loadShedder, refreshEveryMs } from "./load-shedding";
import { cancelOverdue, type OrdersDeps } from "./orders";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("order", config.LOG_LEVEL);
  startMetrics("order");
  const kafka = kafkaOf("order", config); // its own principal; host:port names this instance in its consumer group

  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 10 });
  await migrate(pool, [...messagingMigrations, ...migrationsIn(path.join(__dirname, "..", "migrations"), "order")]);
  const registry = schemaRegistryOf(config); // read-only: infra registered the schemas, the service looks up their ids
  // Refuses to encode a personal field left in clear (decision 014); order seals them itself (customer-keys.ts).
  const codec = personalDataCodec(schemaRegistryCodec({ ...registry, schemaIds: await lookupSchemaIds(registry) }), { fields: personalFields() });
  const relay = startRelay({ databaseUrl: config.DATABASE_URL, kafka, logger }); // the leader publishes the outbox
  const outbox = createOutbox({ codec, wakeRelay: () => relay.wake() }); // a commit that adds rows wakes the relay in-process
  const keks = { contact: localKek("contact", config.PERSONAL_DATA_KEK_CONTACT), address: localKek("address", config.PERSONAL_DATA_KEK_ADDRESS) };
  const orders: OrdersDeps = { pool, outbox, keks, sagaTimeoutMs: config.SAGA_TIMEOUT_MS };

  const consumer = await consume({
    kafka, pool, codec, logger, groupId: "order", topics: consumedTopics, topicOwners, fromBeginning: true, handleBatch: eventHandler({ outbox, logger }),
  });
  // Load shedding: POST /orders refuses new orders while a new order would wait MAX_SAGA_WAIT_MS
  // for the sagas ahead of it, or MAX_SAGAS_IN_FLIGHT sagas are in flight.
  const shedder = loadShedder(pool, { maxSagaWaitMs: config.MAX_SAGA_WAIT_MS, maxSagasInFlight: config.MAX_SAGAS_IN_FLIGHT });
  await shedder.refresh(); // know the load before the first request
  let lastReadAt = Date.now();
  const loadWatch = setInterval(() => {
    // Every 200 ms while sagas are in flight; every 5 s while the shop is idle.
    if (shedder.idle() && Date.now() - lastReadAt < idleRefreshEveryMs) return;
    lastReadAt = Date.now();
    shedder.refresh().catch((error: unknown) => logger.warn({ err: error }, "counting sagas in flight failed; next try soon"));
  }, refreshEveryMs);
  // The saga deadline: an order still in flight SAGA_TIMEOUT_MS after it was placed is cancelled.
  // Nothing in flight (the shedder's reading), nothing to cancel: an idle shop runs no query.
  const deadlineWatch = setInterval(() => {
    if (shedder.idle()) return;
    cancelOverdue(orders).catch((error: unknown) => logger.warn({ err: error }, "deadline check failed; next try soon"));
  }, config.DEADLINE_CHECK_MS);

  const app = buildHttp({
    logger, orders, pool, shedder,
    readiness: { database: () => pool.query("SELECT 1"), kafka: () => kafkaReachable(kafka) },
  });
  await app.listen({ port: config.PORT, host: config.HOST });

  onShutdown(logger, [
    () => app.close(), // stop taking requests
    async () => { clearInterval(deadlineWatch); clearInterval(loadWatch); }, // stop the timers
    () => consumer.stop(), // finish the batch in flight, commit its offsets
    () => relay.stop(), // publish what is left
    () => pool.end(),
    () => telemetry.shutdown(),
  ]);
}

main().catch(exitOnStartupError);
