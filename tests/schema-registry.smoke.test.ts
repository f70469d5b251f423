/**
 * Apicurio Registry's Confluent-compatible API, driven by the client the services use
 * (@kafkajs/confluent-schema-registry), the way ARCHITECTURE §4 describes: one subject per record
 * (`<topic>-<RecordName>`), compatibility set explicitly, payloads in the Confluent wire format.
 */
import { randomUUID } from "node:crypto";
import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import { basicAuthorization } from "@shop/infra";
import { useEnvironment } from "@shop/testkit";

// The real schema registry: a few HTTP round trips per test.
jest.setTimeout(15_000);

// The registry started for this test run (by infra/src/schema-registry.ts when native); subjects
// are unique per run, so the tests do not depend on what other suites registered.
// Writes with the admin credential, reads with the reader's (schema-registry-auth.smoke.test.ts
// shows what each may do).
const { url, auth: admin } = useEnvironment().schemaRegistryAdmin;
const { auth: reader } = useEnvironment().schemaRegistry;
const subject = `orders-${randomUUID()}-OrderPlaced`;
const orderPlacedV1 = {
  type: "record", name: "OrderPlaced", namespace: "shop.orders",
  fields: [
    { name: "orderId", type: "string" },
    { name: "total", type: "long" },
  ],
};

const client = new SchemaRegistry({ host: url, auth: admin });

/** PUT /config/{subject}: the client has no call for it (it sets the level only after a first registration). */
async function setCompatibility(url: string, name: string, compatibility: string): Promise<void> {
  const response = await fetch(`${url}/config/${encodeURIComponent(name)}`, {
    method: "PUT",
    headers: { "Content-Type": "application/vnd.schemaregistry.v1+json", Authorization: basicAuthorization(admin) },
    body: JSON.stringify({ compatibility }),
  });
  if (!response.ok) throw new Error(`PUT /config/${name}: ${response.status} ${await response.text()}`);
}

function register(fields: object[]) {
  return client.register({ type: SchemaType.AVRO, schema: JSON.stringify({ ...orderPlacedV1, fields }) }, { subject });
}

beforeAll(async () => {
  // Set explicitly, before the first register(): see the last test for why.
  await setCompatibility(url, subject, "BACKWARD");
});

test("when an Avro record is encoded with a registered schema, then it is in the Confluent wire format and decodes to the same record", async () => {
  const { id } = await register(orderPlacedV1.fields);
  const record = { orderId: "o-1", total: 4200 };

  const encoded = await client.encode(id, record);

  expect(encoded.readUInt8(0)).toBe(0); // magic byte
  expect(encoded.readUInt32BE(1)).toBe(id); // schema id, big-endian
  // A fresh client has nothing cached, so decoding fetches the schema by id from the registry.
  expect(await new SchemaRegistry({ host: url, auth: reader }).decode(encoded)).toEqual(record);
});

test("when the subject's compatibility was set, then GET /config/{subject} answers BACKWARD", async () => {
  const response = await fetch(`${url}/config/${subject}`, { headers: { Authorization: basicAuthorization(reader) } });

  expect(response.status).toBe(200);
  expect(await response.json()).toEqual(expect.objectContaining({ compatibilityLevel: "BACKWARD" }));
});

test("when a new version adds an optional field with a default, then it is accepted under BACKWARD", async () => {
  await register(orderPlacedV1.fields);

  const v2 = await register([...orderPlacedV1.fields, { name: "couponCode", type: ["null", "string"], default: null }]);

  expect(v2.id).toEqual(expect.any(Number));
});

test("when a new version adds a required field without a default, then the registry rejects it", async () => {
  await register(orderPlacedV1.fields);

  await expect(register([...orderPlacedV1.fields, { name: "currency", type: "string" }])).rejects.toThrow(/incompatible|409/i);
});

test("when a subject exists without a level of its own, then Apicurio answers NONE and the client refuses to register", async () => {
  // register() reads GET /config/{subject} and throws unless it says BACKWARD (its default) or 404.
  // A new subject answers 404, so the client registers and then sets the level itself; but a subject
  // created another way (a raw POST, another tool) answers NONE, where Confluent would answer 404.
  const other = `orders-${randomUUID()}-OrderConfirmed`;
  const schema = JSON.stringify({ type: "record", name: "OrderConfirmed", fields: [{ name: "orderId", type: "string" }] });
  await fetch(`${url}/subjects/${other}/versions`, {
    method: "POST", headers: { "Content-Type": "application/vnd.schemaregistry.v1+json", Authorization: basicAuthorization(admin) }, body: JSON.stringify({ schema }),
  });

  expect(await (await fetch(`${url}/config/${other}`, { headers: { Authorization: basicAuthorization(reader) } })).json()).toEqual(expect.objectContaining({ compatibilityLevel: "NONE" }));
  await expect(client.register({ type: SchemaType.AVRO, schema }, { subject: other })).rejects.toThrow("BACKWARD != NONE");
});
