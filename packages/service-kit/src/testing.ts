/**
 * For services' tests (the services never load this file): a fresh database migrated as the
 * service migrates its own, and an outbox with the real schema-registry codec, so every event is
 * checked against its Avro schema as it goes in and read back decoded; and a keyring for a
 * service that opens personal data.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { lookupSchemaIds, type PersonalDataCategory, type Service, type ShopEvent } from "@shop/contracts";
import { createKeyring, createOutbox, localKek, migrate, schemaRegistryCodec, type DataKey } from "@shop/messaging";
import { freshDatabase, useEnvironment } from "@shop/testkit";
import { serviceMigrations } from "./migrations";

export async function testDatabase(service: Service) {
  const db = await freshDatabase(`${service}_test`, (pool) => migrate(pool, serviceMigrations(service)));
  const { schemaRegistry } = useEnvironment(); // the read-only credential, as the service has
  const codec = schemaRegistryCodec({ ...schemaRegistry, schemaIds: await lookupSchemaIds(schemaRegistry) });
  /** Every outbox row, oldest first, its event decoded. */
  async function outboxRows(): Promise<{ topic: string; key: string; event: ShopEvent }[]> {
    const { rows } = await db.pool.query<{ topic: string; key: string; payload: Buffer }>("SELECT topic, key, payload FROM outbox ORDER BY id");
    return Promise.all(rows.map(async ({ topic, key, payload }) => ({ topic, key, event: (await codec.decode(payload)) as ShopEvent })));
  }
  return {
    ...db,
    codec,
    outbox: createOutbox({ codec }),
    outboxRows,
    /** The events in the outbox for this key (an orderId, or a sku), oldest first, decoded. */
    outboxEvents: async (key: string): Promise<ShopEvent[]> => (await outboxRows()).filter((row) => row.key === key).map((row) => row.event),
  };
}

export type TestDatabase = Awaited<ReturnType<typeof testDatabase>>;

/**
 * A keyring holding a new key-encryption key of `category`, as the service's, and customers whose
 * data keys it has read: `customer()` issues one, and gives it back with its erasure.
 */
export function testKeyring(category: PersonalDataCategory) {
  const kek = localKek(category, randomBytes(32).toString("hex"));
  const keyring = createKeyring({ [category]: kek });
  return {
    keyring,
    async customer(): Promise<{ key: DataKey; erase: () => void }> {
      const key = { keyId: randomUUID(), key: randomBytes(32) };
      await keyring.issued({ keyId: key.keyId, category, kekId: kek.kekId, wrappedKey: await kek.wrap(key.key) });
      return { key, erase: () => keyring.erased(key.keyId) };
    },
  };
}
