/** The schema-registry codec against the real registry (Apicurio, Confluent-compatible API). */
import { readEvent, schemaRegistryCodec } from "./codec";
import { classifyError, DecodeError, EncodeError, ValidationError } from "./errors";
import { validateEvent } from "./event";
import { env, testCodec, testSchemaIds, thing } from "./testing";

// The real schema registry: a few HTTP round trips per test.
jest.setTimeout(15_000);

test("when an event is encoded and decoded, then it comes back equal, in the Confluent wire format", async () => {
  const codec = await testCodec();
  const event = thing("order-1", 3);
  const bytes = await codec.encode("orders", event);
  expect(bytes.readUInt8(0)).toBe(0); // magic byte, then the 4-byte schema id
  expect(bytes.readInt32BE(1)).toBe((await testSchemaIds()).ThingHappened);
  expect(await codec.decode(bytes)).toEqual(event);
});

test("when an event type has no schema id, or the event does not match its schema, then encoding fails for good", async () => {
  const codec = await testCodec();
  const unknown = codec.encode("orders", { eventId: thing("k", 1).eventId, eventType: "Unheard" });
  await expect(unknown).rejects.toThrow(EncodeError);
  await expect(unknown).rejects.toThrow("no schema id for that event type");
  const wrong = codec.encode("orders", { ...thing("k", 1), sequence: "three" } as never);
  await expect(wrong).rejects.toMatchObject({ name: "EncodeError", retriable: false });
});

test.each([
  ["not in the wire format", Buffer.from("{\"eventId\":\"json\"}"), /magic byte/],
  ["in the wire format with an unknown schema id", Buffer.from([0, 0x7f, 0xff, 0xff, 0x00, 2, 3]), /cannot decode/],
])("when the bytes are %s, then decoding fails with a DecodeError that is not retriable", async (_, bytes, message) => {
  const codec = await testCodec();
  const decoding = codec.decode(bytes);
  await expect(decoding).rejects.toThrow(DecodeError);
  await expect(decoding).rejects.toThrow(message);
  expect(classifyError(await decoding.catch((error: unknown) => error))).toBe("permanent");
});

test("when the registry cannot be reached, then decoding fails with a retriable DecodeError (the bytes may be fine)", async () => {
  const good = await (await testCodec()).encode("orders", thing("k", 1));
  const cut = schemaRegistryCodec({ url: "http://127.0.0.1:9/apis/ccompat/v7", schemaIds: await testSchemaIds() });
  const error = await cut.decode(good).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DecodeError);
  expect(classifyError(error)).toBe("unavailable");
  expect(env.schemaRegistryUrl).not.toContain(":9/");
});

test("when a message is read as an event, then it is the event, or undecodable, or invalid, each with its reason", async () => {
  const codec = await testCodec();
  const event = thing("k", 1);
  expect(await readEvent(codec, validateEvent, await codec.encode("t", event))).toEqual({ event });
  expect(await readEvent(codec, validateEvent, Buffer.from("junk"))).toMatchObject({ kind: "undecodable", error: expect.any(DecodeError) });
  expect(await readEvent(codec, validateEvent, null)).toMatchObject({ kind: "undecodable", error: { message: "the message has no value" } });
  const notAnEvent = { ...event, eventId: "nope" };
  const loose = { encode: codec.encode, decode: async () => notAnEvent };
  expect(await readEvent(loose, validateEvent, Buffer.from([0]))).toMatchObject({ kind: "invalid", error: expect.any(ValidationError) });
});
