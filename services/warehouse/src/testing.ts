/**
 * For this service's tests (not used by the service): a fresh database migrated the way the
 * service migrates its own, and an outbox with the real schema-registry codec, so every event
 * is checked against its Avro schema as it goes in.
 */
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { lookupSchemaIds, personalFields, type ShopEvent } from "@shop/contracts";
import { createKeyring, createOutbox, localKek, messagingMigrations, migrate, migrationsIn, schemaRegistryCodec, sealFields } from "@shop/messaging";
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

/**
 * A keyring holding the address KEK, as the service's, and customers whose data keys it has read:
 * `customer()` issues one and gives back how an order seals OrderPlaced, and the key's erasure.
 */
export function testKeyring() {
  const kek = localKek("address", randomBytes(32).toString("hex"));
  const keyring = createKeyring({ address: kek });
  return {
    keyring,
    async customer() {
      const key = { keyId: randomUUID(), key: randomBytes(32) };
      await keyring.issued({ keyId: key.keyId, category: "address", kekId: kek.kekId, wrappedKey: await kek.wrap(key.key) });
      const addressFields = (personalFields().OrderPlaced ?? []).filter(({ category }) => category === "address");
      return { seal: <T>(event: T) => sealFields(event, addressFields, () => key), erase: () => keyring.erased(key.keyId) };
    },
  };
}
