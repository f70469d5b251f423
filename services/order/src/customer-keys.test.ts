/** The customers' data keys in order's database: issued once, sealing what order stores and sends, erased on request. */
import { open, type DataKey } from "@shop/messaging";
import type { TestDatabase } from "@shop/service-kit/testing";
import { eraseCustomer, placeOrder, type OrderRequest, type OrdersDeps } from "./orders";
import { ordersTestSetup, testKeks } from "./testing";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let db: TestDatabase;
let deps: OrdersDeps;

beforeAll(async () => {
  ({ db, deps } = await ordersTestSetup());
});
afterAll(() => db.drop());

const request = (customerId: string): OrderRequest => ({
  customerId, items: [{ sku: "TEE-1", quantity: 1 }], paymentMethod: "tok_visa",
  shippingAddress: { name: "Ada Lovelace", line1: "12 St James's Square", city: "London", postalCode: "SW1Y 4JH", country: "GB" },
  email: "ada@example.com",
});

async function keysOf(customerId: string): Promise<{ keyId: string; category: "contact" | "address"; wrappedKey: string | null; erased: boolean }[]> {
  const { rows } = await db.pool.query(
    `SELECT key_id AS "keyId", category, wrapped_key AS "wrappedKey", erased_at IS NOT NULL AS erased
       FROM customer_data_keys WHERE customer_id = $1 ORDER BY created_at, category`, [customerId]);
  return rows;
}

async function liveKey(customerId: string, category: "contact" | "address"): Promise<DataKey> {
  const row = (await keysOf(customerId)).find((key) => key.category === category && !key.erased)!;
  return { keyId: row.keyId, key: await testKeks[category].unwrap(row.wrappedKey!) };
}

async function outboxEventTypes(): Promise<Record<string, unknown>[]> {
  return (await db.outboxRows()).map((row) => Object.fromEntries(Object.entries(row.event))); // plain records: any field can be asked for
}

test("when a customer orders twice, then one key per category is issued, once, and order's row holds only sealed values that open with it", async () => {
  const { orderId } = await placeOrder(deps, request("keys-1"));
  await placeOrder(deps, request("keys-1"));

  expect((await keysOf("keys-1")).map((key) => key.category).sort()).toEqual(["address", "contact"]);
  const issued = (await outboxEventTypes()).filter((event) => event.eventType === "CustomerDataKeyIssued" && event.customerId === "keys-1");
  expect(issued).toHaveLength(2);
  const { rows: [row] } = await db.pool.query("SELECT email, shipping_address FROM orders WHERE id = $1", [orderId]);
  expect(JSON.stringify(row)).not.toMatch(/ada@|Lovelace|James|London|SW1Y/);
  expect(open(row.email, await liveKey("keys-1", "contact"), "customerEmail")).toBe("ada@example.com");
  expect(open(row.shipping_address.line1, await liveKey("keys-1", "address"), "shippingAddress.line1")).toBe("12 St James's Square");
  expect(row.shipping_address.country).toBe("GB");
});

test("when two first orders of a customer are placed at once, then both use the same keys (one per category)", async () => {
  await Promise.all([placeOrder(deps, request("keys-2")), placeOrder(deps, request("keys-2"))]);

  expect((await keysOf("keys-2")).map((key) => key.category).sort()).toEqual(["address", "contact"]);
});

test("when a customer is erased, then their keys are forgotten with an erasure event each, and a new order gets new keys", async () => {
  await placeOrder(deps, request("keys-3"));
  const before = await keysOf("keys-3");

  const erasure = await eraseCustomer(deps, "keys-3");
  const again = await eraseCustomer(deps, "keys-3");
  await placeOrder(deps, request("keys-3"));

  expect(erasure).toEqual({ customerId: "keys-3", erasedKeys: 2, orders: 1 });
  expect(again).toEqual({ customerId: "keys-3", erasedKeys: 0, orders: 1 });
  const after = await keysOf("keys-3");
  expect(after.filter((key) => key.erased)).toEqual(before.map((key) => ({ ...key, wrappedKey: null, erased: true })));
  expect(after.filter((key) => !key.erased).map((key) => key.keyId)).not.toContain(before[0]!.keyId);
  const erasedEvents = (await outboxEventTypes()).filter((event) => event.eventType === "CustomerDataKeyErased" && event.customerId === "keys-3");
  expect(erasedEvents.map((event) => event.keyId).sort()).toEqual(before.map((key) => key.keyId).sort());
});
