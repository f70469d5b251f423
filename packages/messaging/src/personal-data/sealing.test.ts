import { randomBytes, randomUUID } from "node:crypto";
import { createKeyring } from "./keyring";
import { localKek } from "./local-kek";
import { isSealed, keyIdOf, open, seal, sealFields, SealError, type DataKey } from "./sealing";

const newKey = (): DataKey => ({ keyId: randomUUID(), key: randomBytes(32) });
const kekSecret = () => randomBytes(32).toString("hex");

test("when a value is sealed and opened with the same key and field, then it comes back, and the sealed form names the key only", () => {
  const key = newKey();

  const sealed = seal("ada@example.com", key, "customerEmail");

  expect(sealed).toMatch(new RegExp(`^pii:v1:${key.keyId}:[A-Za-z0-9+/=]+$`));
  expect(sealed).not.toContain("ada");
  expect(isSealed(sealed)).toBe(true);
  expect(keyIdOf(sealed, "customerEmail")).toBe(key.keyId);
  expect(open(sealed, key, "customerEmail")).toBe("ada@example.com");
});

test("when the same value is sealed twice, then the two sealed forms differ (a fresh IV each time)", () => {
  const key = newKey();
  expect(seal("London", key, "shippingAddress.city")).not.toBe(seal("London", key, "shippingAddress.city"));
});

test("when one character of the ciphertext is altered, then opening fails with a SealError that does not quote the value", () => {
  const key = newKey();
  const sealed = seal("12 St James's Square", key, "shippingAddress.line1");
  const body = sealed.slice(sealed.lastIndexOf(":") + 1);
  const flipped = Buffer.from(body, "base64");
  flipped[14]! ^= 1;
  const tampered = sealed.slice(0, sealed.lastIndexOf(":") + 1) + flipped.toString("base64");

  expect(() => open(tampered, key, "shippingAddress.line1")).toThrow(SealError);
  expect(() => open(tampered, key, "shippingAddress.line1")).not.toThrow(/James/);
});

test("when a sealed value is moved to another field, then it does not open there (the field path is authenticated)", () => {
  const key = newKey();
  const sealed = seal("Ada Lovelace", key, "shippingAddress.name");

  expect(() => open(sealed, key, "shippingAddress.city")).toThrow(/does not authenticate/);
});

test("when a value is opened with another key, or is not sealed, then it is a SealError", () => {
  const sealed = seal("x", newKey(), "customerEmail");

  expect(() => open(sealed, newKey(), "customerEmail")).toThrow(/another key/);
  expect(() => keyIdOf("ada@example.com", "customerEmail")).toThrow("customerEmail is personal data and is not sealed");
  expect(isSealed("ada@example.com")).toBe(false);
});

test("when a KEK wraps a data key, then only the same KEK unwraps it", async () => {
  const kek = localKek("contact", kekSecret());
  const other = localKek("contact", kekSecret());
  const dataKey = randomBytes(32);

  const wrapped = await kek.wrap(dataKey);

  expect(await kek.unwrap(wrapped)).toEqual(dataKey);
  await expect(other.unwrap(wrapped)).rejects.toThrow();
  expect(kek.kekId).toMatch(/^contact-[0-9a-f]{12}$/);
  expect(() => localKek("address", Buffer.alloc(16).toString("hex"))).toThrow("the address key-encryption key must be 32 bytes as 64 hex digits");
});

describe("a keyring", () => {
  const contactSecret = kekSecret();
  const issue = async (category: "contact" | "address", secret: string) => {
    const key = newKey();
    const kek = localKek(category, secret);
    return { key, issued: { keyId: key.keyId, category, kekId: kek.kekId, wrappedKey: await kek.wrap(key.key) } };
  };

  test("when a key was issued for a category whose KEK it holds, then it opens the values that key sealed", async () => {
    const ring = createKeyring({ contact: localKek("contact", contactSecret) });
    const { key, issued } = await issue("contact", contactSecret);
    const sealed = seal("ada@example.com", key, "customerEmail");

    expect(ring.status(key.keyId)).toBe("unknown");
    await ring.issued(issued);

    expect(ring.status(key.keyId)).toBe("usable");
    expect(ring.open(sealed, "customerEmail")).toBe("ada@example.com");
  });

  test("when the key is erased, then the value stays sealed (undefined), and a late copy of the issued key does not bring it back", async () => {
    const ring = createKeyring({ contact: localKek("contact", contactSecret) });
    const { key, issued } = await issue("contact", contactSecret);
    await ring.issued(issued);
    const sealed = seal("ada@example.com", key, "customerEmail");

    ring.erased(key.keyId);
    await ring.issued(issued);

    expect(ring.status(key.keyId)).toBe("erased");
    expect(ring.open(sealed, "customerEmail")).toBeUndefined();
  });

  test("when a key of a category it holds no KEK for arrives, then it is not ours: nothing opens with it", async () => {
    const ring = createKeyring({ contact: localKek("contact", contactSecret) });
    const { key, issued } = await issue("address", kekSecret());
    await ring.issued(issued);

    expect(ring.categories).toEqual(["contact"]);
    expect(ring.status(key.keyId)).toBe("not-ours");
    expect(() => ring.open(seal("London", key, "shippingAddress.city"), "shippingAddress.city")).toThrow(SealError);
  });
});

test("when an event's marked fields are sealed, then each is sealed for its own path and category, and the rest is untouched", () => {
  const keys = { contact: newKey(), address: newKey() };
  const event = { orderId: "o-1", customerEmail: "ada@example.com", shippingAddress: { city: "London", country: "GB" } };
  const fields = [{ path: "customerEmail", category: "contact" }, { path: "shippingAddress.city", category: "address" }];

  const sealed = sealFields(event, fields, (category) => keys[category as "contact" | "address"]);

  expect(sealed.orderId).toBe("o-1");
  expect(sealed.shippingAddress.country).toBe("GB");
  expect(open(sealed.customerEmail, keys.contact, "customerEmail")).toBe("ada@example.com");
  expect(open(sealed.shippingAddress.city, keys.address, "shippingAddress.city")).toBe("London");
  expect(event.customerEmail).toBe("ada@example.com"); // a copy: the caller's object is left as it was
});
