/**
 * For this service's tests (not used by the service): a fresh database migrated the way the
 * service migrates its own, and an outbox with the real schema-registry codec, so every event
 * is checked against its Avro schema as it goes in.
 */
import path from "node:path";
import { lookupSchemaIds, type ShopEvent } from "@shop/contracts";
import { createOutbox, messagingMigrations, migrate, migrationsIn, schemaRegistryCodec } from "@shop/messaging";
import { freshDatabase, useEnvironment } from "@shop/testkit";

export async function testDatabase(service: string) {
  const db = await freshDatabase(`${service}_test`, (pool) =>
    migrate(pool, [...messagingMigrations, ...migrationsIn(path.join(__dirname, "..", "migrations"), service)]));
  const { schemaRegistry } = useEnvironment(); // the read-only credential, as the service has
  const codec = schemaRegistryCodec({ ...schemaRegistry, schemaIds: await lookupSchemaIds(schemaRegistry) });
  return {
    ...db,
    outbox: createOutbox({ codec }),
    /** The events in the outbox for this order, oldest first, decoded. */
    async outboxEvents(orderId: string): Promise<ShopEvent[]> {
      const { rows } = await db.pool.query<{ payload: Buffer }>("SELECT payload FROM outbox WHERE key = $1 ORDER BY id", [orderId]);
      return Promise.all(rows.map(async (row) => (await codec.decode(row.payload)) as ShopEvent));
    },
  };
}
