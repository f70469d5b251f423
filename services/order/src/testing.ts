/**
 * For this service's tests (not used by the service): a fresh database migrated the way the
 * service migrates its own, and an outbox that stores events as JSON, so tests read them back
 * with JSON.parse (the Avro codec is messaging's and contracts' to test).
 */
import path from "node:path";
import { createOutbox, messagingMigrations, migrate, migrationsIn, type Codec } from "@shop/messaging";
import { freshDatabase } from "@shop/testkit";

const jsonCodec: Codec = { encode: async (_topic, event) => Buffer.from(JSON.stringify(event)), decode: async (value) => JSON.parse(value.toString()) };

export const jsonOutbox = () => createOutbox({ codec: jsonCodec, notify: false });

export const testDatabase = (prefix: string) =>
  freshDatabase(prefix, (pool) => migrate(pool, [...messagingMigrations, ...migrationsIn(path.join(__dirname, "..", "migrations"), "order")]));
