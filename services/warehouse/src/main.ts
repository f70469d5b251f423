// The warehouse service: books the shipment of a paid order with a simulated carrier, or
// reports that it cannot ship there.
// Reading order: main.ts (wiring) → events.ts (what each event does) → shipments.ts (the
// business) → carrier.ts (the simulated carrier) → db.ts (SQL) → migrations/ → http.ts (API).
import { telemetry } from "./telemetry"; // first: with an exporter set, it instruments http and pg as they load
import path from "node:path";
import { Pool } from "pg";
import { createLogger, exitOnStartupError, kafkaOf, onShutdown, schemaRegistryOf, startMetrics } from "@shop/observability";
import { lookupSchemaIds, personalFields, topicOwners, topics } from "@shop/contracts";
import {
  consume, createKeyring, createOutbox, followKeyTopic, kafkaReachable, localKek, messagingMigrations, migrate, migrationsIn,
  personalDataCodec, schemaRegistryCodec, startRelay,
} from "@shop/messaging";
import { loadConfig } from "./config";
import { consumedTopics, eventHandler } from "./events";
import { buildHttp } from "./http";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("warehouse", config.LOG_LEVEL);
  startMetrics("warehouse");
  const kafka = kafkaOf("warehouse", config); // its own principal; host:port names this instance in its consumer group

  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 10 });
  await migrate(pool, [...messagingMigrations, ...migrationsIn(path.join(__dirname, "..", "migrations"), "warehouse")]);
  const registry = schemaRegistryOf(config); // read-only: infra registered the schemas, the service looks up their ids
  const registryCodec = schemaRegistryCodec({ ...registry, schemaIds: await lookupSchemaIds(registry) });
  // The customers' address keys, read from datakeys before consuming (decision 014); events keep
  // the address sealed, a booking opens it.
  const keyring = createKeyring({ address: localKek("address", config.PERSONAL_DATA_KEK_ADDRESS) });
  const keys = await followKeyTopic({ kafka, service: "warehouse", topic: topics.datakeys, producer: topicOwners.datakeys, codec: registryCodec, keyring });
  const codec = personalDataCodec(registryCodec, { fields: personalFields(), keyring });
  const relay = startRelay({ databaseUrl: config.DATABASE_URL, kafka, logger }); // the leader publishes the outbox
  const outbox = createOutbox({ codec, wakeRelay: () => relay.wake() }); // a commit that adds rows wakes the relay in-process

  const consumer = await consume({
    kafka, pool, codec, logger, groupId: "warehouse", topics: consumedTopics, topicOwners, fromBeginning: true, handleBatch: eventHandler({ outbox, logger, keyring }),
  });

  const app = buildHttp({
    logger, pool,
    readiness: { database: () => pool.query("SELECT 1"), kafka: () => kafkaReachable(kafka) },
  });
  await app.listen({ port: config.PORT, host: config.HOST });

  onShutdown(logger, [
    () => app.close(), // stop taking requests
    () => consumer.stop(), // finish the batch in flight, commit its offsets
    () => keys.stop(),
    () => relay.stop(), // publish what is left
    () => pool.end(),
    () => telemetry.shutdown(),
  ]);
}

main().catch(exitOnStartupError);
