// The email service: sends the receipt when an order is confirmed and a cancellation notice when
// it is cancelled, at most once per order, over SMTP.
// Reading order: main.ts (wiring) → events.ts (what each event does) → emails.ts (the mails and
// the at-most-once protocol) → one-outcome.ts (a receipt or a cancellation notice, never both) →
// smtp.ts (sending, and what a failure means) → db.ts (SQL) →
// migrations/ → http.ts (API).
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
import { watchUnconfirmed } from "./emails";
import { consumedTopics, eventHandler } from "./events";
import { buildHttp } from "./http";
import { createMailer } from "./smtp";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("email", config.LOG_LEVEL);
  startMetrics("email");
  const kafka = kafkaOf("email", config); // its own principal; host:port names this instance in its consumer group

  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 10 });
  await migrate(pool, [...messagingMigrations, ...migrationsIn(path.join(__dirname, "..", "migrations"), "email")]);
  const registry = schemaRegistryOf(config); // read-only: infra registered the schemas, the service looks up their ids
  const registryCodec = schemaRegistryCodec({ ...registry, schemaIds: await lookupSchemaIds(registry) });
  // The customers' e-mail keys, read from datakeys before consuming (decision 014); events keep
  // the address sealed, a mail opens it to send.
  const keyring = createKeyring({ contact: localKek("contact", config.PERSONAL_DATA_KEK_CONTACT) });
  const keys = await followKeyTopic({ kafka, service: "email", topic: topics.datakeys, producer: topicOwners.datakeys, codec: registryCodec, keyring });
  const codec = personalDataCodec(registryCodec, { fields: personalFields(), keyring });
  const relay = startRelay({ databaseUrl: config.DATABASE_URL, kafka, logger }); // the leader publishes the outbox
  const outbox = createOutbox({ codec, wakeRelay: () => relay.wake() }); // a commit that adds rows wakes the relay in-process
  const mailer = createMailer({ url: config.SMTP_URL, from: config.EMAIL_FROM });
  watchUnconfirmed(pool);

  const consumer = await consume({
    kafka, pool, codec, logger, groupId: "email", topics: consumedTopics, topicOwners, fromBeginning: true,
    handleBatch: eventHandler({ pool, outbox, mailer, logger, keyring }),
  });

  const app = buildHttp({
    logger, pool, keyring, adminToken: config.EMAIL_ADMIN_TOKEN,
    readiness: { database: () => pool.query("SELECT 1"), kafka: () => kafkaReachable(kafka) },
  });
  await app.listen({ port: config.PORT, host: config.HOST });

  onShutdown(logger, [
    () => app.close(), // stop taking requests
    () => consumer.stop(), // finish the batch in flight (its mails included), commit its offsets
    () => keys.stop(),
    () => relay.stop(), // publish what is left
    async () => mailer.close(),
    () => pool.end(),
    () => telemetry.shutdown(),
  ]);
}

main().catch(exitOnStartupError);
