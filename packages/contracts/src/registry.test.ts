/**
 * Registration and evolution against the real schema registry (Apicurio's Confluent-compatible
 * API, started by Jest's globalSetup). Other suites may register the same schemas in this run:
 * identical schemas get the same ids, so every assertion holds whoever registered first.
 */
import { randomUUID } from "node:crypto";
import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import { useEnvironment } from "@shop/testkit";
import { examples } from "./examples";
import { compatibility, lookupSchemaId, lookupSchemaIds, registerSchema, registerSchemas, SchemaNotRegisteredError, setCompatibility } from "./registry";
import { schemaFiles, schemaFor, subjectFor, type AvroRecord } from "./schemas";

// The real schema registry, a JVM: registering every schema took 14 s under a load average of 17 on 2 cores.
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

// Registering needs the admin credential; the services' reader credential only looks schemas up.
const admin = useEnvironment().schemaRegistryAdmin;
const reader = useEnvironment().schemaRegistry;
const url = admin.url;
const authorization = `Basic ${Buffer.from(`${reader.auth.username}:${reader.auth.password}`).toString("base64")}`;

async function get(path: string): Promise<unknown> {
  const response = await fetch(`${url}${path}`, { headers: { Authorization: authorization } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

const currentFiles = schemaFiles().filter((file) => file.current);

test("when every schema is registered, then each event type maps to the id of its current schema under <topic>-<namespace>.<Name>", async () => {
  const ids = await registerSchemas(admin);

  expect(Object.keys(ids)).toEqual(currentFiles.map((file) => file.eventType));
  for (const file of currentFiles) {
    const subject = subjectFor(file.eventType);
    expect(subject).toBe(`${file.topic}-shop.${file.topic}.${file.eventType}`);
    expect(await get(`/subjects/${subject}/versions/latest`)).toEqual(expect.objectContaining({ id: ids[file.eventType] }));
  }
}, 60_000); // registers all 16 schemas and reads each back

test("when registration runs again, then it returns the same ids and adds no version", async () => {
  const first = await registerSchemas(admin);

  const second = await registerSchemas(admin);

  expect(second).toEqual(first);
  for (const file of currentFiles) {
    expect(await get(`/subjects/${subjectFor(file.eventType)}/versions`)).toHaveLength(file.version);
  }
});

test(`when the schemas are registered, then every subject's compatibility is ${compatibility}`, async () => {
  await registerSchemas(admin);

  for (const file of currentFiles) {
    expect(await get(`/config/${subjectFor(file.eventType)}`)).toEqual(expect.objectContaining({ compatibilityLevel: compatibility }));
  }
});

test("when several registrations set a new subject's compatibility at once, then every one succeeds", async () => {
  const subject = `scratch-${randomUUID()}`;

  await Promise.all(Array.from({ length: 6 }, () => setCompatibility(admin, subject)));

  expect(await get(`/config/${subject}`)).toEqual(expect.objectContaining({ compatibilityLevel: compatibility }));
});

test("when a v1 consumer and a v2 consumer read OrderPlaced v1 and v2 messages, then both read both", async () => {
  await registerSchemas(admin);
  const producer = new SchemaRegistry({ host: url, auth: admin.auth });
  const v1Id = await producer.getRegistryIdBySchema(subjectFor("OrderPlaced"), schemaFor("OrderPlaced", 1));
  const v2Id = await producer.getRegistryIdBySchema(subjectFor("OrderPlaced"), schemaFor("OrderPlaced", 2));
  const { couponCode, ...v2Event } = examples.OrderPlaced;
  const v1Event = { ...v2Event, eventVersion: 1 };
  const messages = { v1: await producer.encode(v1Id, v1Event), v2: await producer.encode(v2Id, { ...v2Event, couponCode }) };
  // Fresh clients: nothing cached, so each fetches the writer schema by the id in the message.
  const read = (message: Buffer, readerSchema: AvroRecord) =>
    new SchemaRegistry({ host: url, auth: reader.auth }).decode(message, { [SchemaType.AVRO]: { readerSchema } });

  const v1Consumer = { v1: await read(messages.v1, schemaFor("OrderPlaced", 1)), v2: await read(messages.v2, schemaFor("OrderPlaced", 1)) };
  const v2Consumer = { v1: await read(messages.v1, schemaFor("OrderPlaced", 2)), v2: await read(messages.v2, schemaFor("OrderPlaced", 2)) };

  expect(v1Consumer).toEqual({ v1: v1Event, v2: { ...v2Event, eventVersion: 2 } }); // v2's couponCode is skipped
  expect(v2Consumer).toEqual({ v1: { ...v1Event, couponCode: null }, v2: { ...v2Event, couponCode } }); // v1 gets the default
});

test("when OrderPlaced gains a required field without a default, then the registry rejects it", async () => {
  await registerSchemas(admin);
  const current = schemaFor("OrderPlaced");
  const incompatible = { ...current, fields: [...current.fields, { name: "currency", type: "string" }] };

  await expect(registerSchema(admin, subjectFor("OrderPlaced"), incompatible)).rejects.toThrow(/409.*Incompatible/);
});

test("when OrderPlaced loses a field old consumers need, then the registry rejects it, where BACKWARD alone would accept it", async () => {
  await registerSchemas(admin);
  const current = schemaFor("OrderPlaced");
  const withoutPaymentMethod = { ...current, fields: current.fields.filter((field) => field.name !== "paymentMethod") };
  const scratch = `orders-${randomUUID()}-shop.orders.OrderPlaced`;
  await setCompatibility(admin, scratch, "BACKWARD");
  await registerSchema(admin, scratch, current);

  await expect(registerSchema(admin, subjectFor("OrderPlaced"), withoutPaymentMethod)).rejects.toThrow(/409.*Incompatible/);
  await expect(registerSchema(admin, scratch, withoutPaymentMethod)).resolves.toEqual(expect.any(Number));
});

test("when a version is compatible with the one before but not with the first, then the registry rejects it, where FULL alone would accept it", async () => {
  const record = (fields: AvroRecord["fields"]): AvroRecord => ({ type: "record", name: "Placed", namespace: "shop.scratch", fields });
  const v1 = record([{ name: "a", type: "string" }]);
  const v2 = record([{ name: "a", type: "string" }, { name: "b", type: "string", default: "" }]);
  const v3 = record([{ name: "a", type: "string" }, { name: "b", type: "string" }]); // a v3 reader cannot read v1: no b, no default
  const [transitive, full] = [`scratch-${randomUUID()}`, `scratch-${randomUUID()}`];
  await setCompatibility(admin, transitive);
  await setCompatibility(admin, full, "FULL");
  for (const subject of [transitive, full]) for (const schema of [v1, v2]) await registerSchema(admin, subject, schema);

  await expect(registerSchema(admin, transitive, v3)).rejects.toThrow(/409.*Incompatible/);
  await expect(registerSchema(admin, full, v3)).resolves.toEqual(expect.any(Number));
});

describe("when an enum gains a symbol", () => {
  const withReason = (symbols: string[], fallback?: string): AvroRecord => ({
    type: "record", name: "Cancelled", namespace: "shop.scratch",
    fields: [{ name: "reason", type: { type: "enum", name: "Reason", symbols, ...(fallback ? { default: fallback } : {}) } }],
  });

  async function evolve(v1: AvroRecord, v2: AvroRecord): Promise<number> {
    const subject = `scratch-${randomUUID()}`;
    await setCompatibility(admin, subject);
    await registerSchema(admin, subject, v1);
    return registerSchema(admin, subject, v2);
  }

  test("then the registry accepts it if the enum has a default for readers that lack the symbol", async () => {
    await expect(evolve(withReason(["a", "unknown"], "unknown"), withReason(["a", "b", "unknown"], "unknown"))).resolves.toEqual(expect.any(Number));
  });

  test("then the registry rejects it if the enum has no default", async () => {
    await expect(evolve(withReason(["a"]), withReason(["a", "b"]))).rejects.toThrow(/409.*Incompatible/);
  });
});

describe("when a service looks its schemas up with the read-only credential", () => {
  test("then it gets the ids registration returned", async () => {
    const registered = await registerSchemas(admin);

    expect(await lookupSchemaIds(reader)).toEqual(registered);
  });

  test("then a schema the registry lacks fails with an error that says what to run", async () => {
    const lookup = lookupSchemaId(reader, `scratch-${randomUUID()}`, schemaFor("OrderPlaced"));

    await expect(lookup).rejects.toThrow(SchemaNotRegisteredError);
    await expect(lookup).rejects.toThrow(/pnpm infra schemas/);
  });

  test("then it cannot register one (403)", async () => {
    await expect(registerSchema(reader, `scratch-${randomUUID()}`, schemaFor("OrderPlaced"))).rejects.toThrow(/: 403 /);
  });

  test("then a wrong password fails with an error that names the variables to check", async () => {
    const wrong = { url, auth: { ...reader.auth, password: "wrong" } };

    await expect(lookupSchemaIds(wrong)).rejects.toThrow(/401[\s\S]*SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD/);
  });
});
