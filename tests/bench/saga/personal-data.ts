/**
 * The cost of personal data per checkout (docs/decisions/014), measured in this process: what the
 * services do for one checkout's personal fields. Order seals the 4 address lines and the e-mail
 * and unwraps the customer's 2 data keys (once per placement batch: counted per checkout here,
 * the worst case); warehouse opens the 4 lines, email the e-mail. A new customer adds 2 key
 * wraps, 2 key rows and 2 datakeys events (the benchmark's orders share one customer).
 * CPU only: the same AES-256-GCM calls the services make, timed over many checkouts.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { personalFields } from "@shop/contracts";
import { localKek, open, sealFields, type DataKey } from "@shop/messaging";

export async function personalDataMicrosPerCheckout(checkouts = 20_000): Promise<number> {
  const kek = localKek("address", randomBytes(32).toString("hex"));
  const key: DataKey = { keyId: randomUUID(), key: randomBytes(32) };
  const wrapped = await kek.wrap(key.key);
  const fields = [...(personalFields().OrderPlaced ?? []), ...(personalFields().OrderConfirmed ?? [])];
  const checkout = {
    customerEmail: "ada@example.com",
    shippingAddress: { name: "Ada Lovelace", line1: "12 St James's Square", city: "London", postalCode: "SW1Y 4JH", country: "GB" },
  };
  const started = process.cpuUsage();
  for (let i = 0; i < checkouts; i++) {
    await kek.unwrap(wrapped); // order: the customer's keys, from its table
    await kek.unwrap(wrapped);
    const sealed = sealFields(checkout, fields, () => key); // order
    for (const { path } of fields) {
      const value = path.split(".").reduce<unknown>((record, name) => (record as Record<string, unknown>)[name], sealed) as string;
      open(value, key, path); // warehouse (the address lines), email (the e-mail)
    }
  }
  const { user, system } = process.cpuUsage(started);
  return (user + system) / checkouts;
}
