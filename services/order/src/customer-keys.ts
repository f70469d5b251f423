/**
 * The customers' data keys (docs/decisions/014): order issues one per customer and category of
 * personal data the first time a customer's order needs it, seals the order's personal fields
 * with it, and publishes it, wrapped, on the datakeys topic for the services allowed to unwrap
 * it. Erasing a customer forgets their keys: every value they sealed, on every topic and in
 * order's own tables, can no longer be read (crypto-shredding). The table is the truth; nothing
 * is cached, so every order instance sees an erasure at once.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { ClientBase } from "pg";
import { newEvent, personalDataCategories, topics, type EventOf, type PersonalDataCategory } from "@shop/contracts";
import type { DataKey, KeyEncryptionKey, OutgoingEvent } from "@shop/messaging";

export type Keks = Readonly<Record<PersonalDataCategory, KeyEncryptionKey>>;
export type CustomerKeys = Record<PersonalDataCategory, DataKey>;

interface KeyRow { keyId: string; customerId: string; category: PersonalDataCategory; wrappedKey: string }

/**
 * Each customer's live keys, issuing the missing ones, inside the placement's transaction: the
 * CustomerDataKeyIssued events come back for the same outbox.addMany as the orders. One
 * statement when every customer has keys, two when some are new, whatever their number (three
 * when a concurrent placement issued one of them first). Two placements racing for a new
 * customer's first key: the unique index lets one insert win, the other reads the winner's.
 */
export async function keysOf(tx: ClientBase, keks: Keks, customerIds: readonly string[]): Promise<{ keys: Map<string, CustomerKeys>; issued: OutgoingEvent[] }> {
  const wanted = [...new Set(customerIds)];
  let rows = await liveKeys(tx, wanted);
  const missing = wanted.flatMap((customerId) => personalDataCategories
    .filter((category) => !rows.some((row) => row.customerId === customerId && row.category === category))
    .map((category) => ({ customerId, category })));
  const issued: OutgoingEvent[] = [];
  if (missing.length > 0) {
    const fresh = await Promise.all(missing.map(async ({ customerId, category }) => {
      const key = randomBytes(32);
      return { keyId: randomUUID(), customerId, category, kekId: keks[category].kekId, wrappedKey: await keks[category].wrap(key) };
    }));
    const inserted = await insertKeys(tx, fresh);
    for (const key of fresh.filter(({ keyId }) => inserted.has(keyId))) {
      const event: EventOf<"CustomerDataKeyIssued"> = newEvent("CustomerDataKeyIssued", key, { producer: "order" });
      issued.push({ event, topic: topics.datakeys, key: key.keyId });
    }
    // All ours: we know them. Some taken by a concurrent placement that committed first: read theirs.
    rows = inserted.size === fresh.length ? [...rows, ...fresh] : await liveKeys(tx, wanted);
  }
  const keys = new Map<string, CustomerKeys>();
  for (const row of rows) {
    const unwrapped = { keyId: row.keyId, key: await keks[row.category].unwrap(row.wrappedKey) };
    keys.set(row.customerId, { ...keys.get(row.customerId), [row.category]: unwrapped } as CustomerKeys);
  }
  return { keys, issued };
}

/**
 * Erases the customer's keys in the caller's transaction: wrapped keys forgotten, and one
 * CustomerDataKeyErased per key for the other services' keyrings (and the datakeys topic's
 * compaction, which then drops the wrapped key). Returns the events; none for a customer
 * without keys (nothing to erase, or erased before).
 */
export async function eraseKeys(tx: ClientBase, customerId: string): Promise<OutgoingEvent[]> {
  const { rows } = await tx.query<{ keyId: string; category: PersonalDataCategory }>(
    `UPDATE customer_data_keys SET wrapped_key = NULL, erased_at = now()
      WHERE customer_id = $1 AND erased_at IS NULL RETURNING key_id AS "keyId", category`, [customerId]);
  return rows.map(({ keyId, category }) => ({
    event: newEvent("CustomerDataKeyErased", { keyId, customerId, category }, { producer: "order" }), topic: topics.datakeys, key: keyId,
  }));
}

async function liveKeys(tx: ClientBase, customerIds: string[]): Promise<KeyRow[]> {
  if (customerIds.length === 0) return [];
  const { rows } = await tx.query<KeyRow>(
    `SELECT key_id AS "keyId", customer_id AS "customerId", category, wrapped_key AS "wrappedKey"
       FROM customer_data_keys WHERE customer_id = ANY($1::text[]) AND erased_at IS NULL`, [customerIds]);
  return rows;
}

async function insertKeys(tx: ClientBase, keys: readonly (KeyRow & { kekId: string })[]): Promise<Set<string>> {
  const { rows } = await tx.query<{ keyId: string }>(
    `INSERT INTO customer_data_keys (key_id, customer_id, category, kek_id, wrapped_key)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (customer_id, category) WHERE erased_at IS NULL DO NOTHING
     RETURNING key_id AS "keyId"`,
    [keys.map((k) => k.keyId), keys.map((k) => k.customerId), keys.map((k) => k.category), keys.map((k) => k.kekId), keys.map((k) => k.wrappedKey)]);
  return new Set(rows.map((row) => row.keyId));
}
