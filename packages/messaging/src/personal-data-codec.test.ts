/** The personal-data codec around a codec that keeps events as JSON: what it checks on the way out and in. */
import { randomBytes, randomUUID } from "node:crypto";
import type { Codec } from "./codec";
import { DecodeError, EncodeError } from "./errors";
import { createKeyring } from "./personal-data/keyring";
import { localKek } from "./personal-data/local-kek";
import { seal } from "./personal-data/sealing";
import { personalDataCodec } from "./personal-data-codec";

const json: Codec = {
  encode: async (_topic, event) => Buffer.from(JSON.stringify(event)),
  decode: async (value) => JSON.parse(value.toString()),
};
const fields = { Confirmed: [{ path: "customerEmail", category: "contact" }], Placed: [{ path: "address.city", category: "address" }] };
const secret = randomBytes(32).toString("hex");
const kek = localKek("contact", secret);
const key = { keyId: randomUUID(), key: randomBytes(32) };
const event = (customerEmail: string) => ({ eventId: randomUUID(), eventType: "Confirmed", customerEmail });
const issued = async () => ({ keyId: key.keyId, category: "contact", kekId: kek.kekId, wrappedKey: await kek.wrap(key.key) });

test("when an event's personal field is not sealed, then encoding refuses it, naming the field and not the value", async () => {
  const codec = personalDataCodec(json, { fields });

  const encoding = codec.encode("orders", event("ada@example.com"));

  await expect(encoding).rejects.toThrow(EncodeError);
  await expect(encoding).rejects.toThrow("cannot encode Confirmed: customerEmail is personal data and is not sealed");
  const placed = { eventId: randomUUID(), eventType: "Placed", address: { city: "London" } };
  await expect(codec.encode("orders", placed)).rejects.toThrow("address.city");
});

test("when a sealed event is decoded by a service that holds the key, then the field is still sealed in the event, for the handler to open", async () => {
  const keyring = createKeyring({ contact: kek });
  await keyring.issued(await issued());
  const sealed = seal("ada@example.com", key, "customerEmail");
  const codec = personalDataCodec(json, { fields, keyring });

  const decoded = (await codec.decode(await codec.encode("orders", event(sealed)))) as { customerEmail: string };

  expect(decoded.customerEmail).toBe(sealed);
  expect(keyring.open(decoded.customerEmail, "customerEmail")).toBe("ada@example.com");
});

test("when the key a field was sealed with has not arrived yet, then decoding fails retriably (the consumer waits), until it arrives", async () => {
  const keyring = createKeyring({ contact: kek });
  const codec = personalDataCodec(json, { fields, keyring });
  const bytes = await codec.encode("orders", event(seal("ada@example.com", key, "customerEmail")));

  await expect(codec.decode(bytes)).rejects.toMatchObject({ name: "DecodeError", retriable: true });
  await keyring.issued(await issued());
  await expect(codec.decode(bytes)).resolves.toMatchObject({ eventType: "Confirmed" });
});

test("when the key was erased, then the event decodes and the field stays sealed; a service without the category decodes it as is", async () => {
  const keyring = createKeyring({ contact: kek });
  await keyring.issued(await issued());
  keyring.erased(key.keyId);
  const sealed = seal("ada@example.com", key, "customerEmail");
  const bytes = Buffer.from(JSON.stringify(event(sealed)));

  const decoded = (await personalDataCodec(json, { fields, keyring }).decode(bytes)) as { customerEmail: string };
  const byOther = (await personalDataCodec(json, { fields, keyring: createKeyring({}) }).decode(bytes)) as { customerEmail: string };

  expect(keyring.open(decoded.customerEmail, "customerEmail")).toBeUndefined();
  expect(byOther.customerEmail).toBe(sealed);
});

test("when a personal field arrives in clear (a forged or broken producer), then it is undecodable for good: the DLQ, not a retry", async () => {
  const decoding = personalDataCodec(json, { fields }).decode(Buffer.from(JSON.stringify(event("ada@example.com"))));

  await expect(decoding).rejects.toBeInstanceOf(DecodeError);
  await expect(decoding).rejects.toMatchObject({ retriable: false, message: "Confirmed: customerEmail is personal data and is not sealed" });
});
