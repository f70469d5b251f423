/** The schema files themselves: valid Avro, one envelope, the house rules, and the examples encode. */
import avro from "avsc";
import { examples } from "./examples";
import type { EventType } from "./generated";
import { personalFields } from "./personal-data";
import { isMoneyField, schemaFiles, schemaFor, type AvroField } from "./schemas";
import { topicSpecs } from "./topics";

const envelope = schemaFor("OrderConfirmed").fields.slice(0, 7);

test("when the files are read, then each topic holds exactly the events topicSpecs lists, and OrderPlaced has v1 and v2", () => {
  const current = schemaFiles().filter((file) => file.current);

  expect(current.map((file) => [file.topic, file.eventType])).toEqual(
    Object.entries(topicSpecs).flatMap(([topic, spec]) => spec.events.map((eventType) => [topic, eventType])),
  );
  expect(schemaFiles().filter((file) => file.eventType === "OrderPlaced").map((file) => file.file)).toEqual([
    "schemas/orders/OrderPlaced.v1.avsc",
    "schemas/orders/OrderPlaced.avsc",
  ]);
});

test.each(schemaFiles().map((file) => [file.file, file.schema] as const))("when %s is parsed, then it is valid Avro", (_, schema) => {
  expect(() => avro.Type.forSchema(schema as avro.Schema)).not.toThrow();
});

test("when the envelope is compared, then every schema starts with the same seven fields (the compacted topics' events without orderId)", () => {
  expect(envelope.map((field) => field.name)).toEqual(["eventId", "eventType", "eventVersion", "occurredAt", "orderId", "causationId", "producer"]);
  for (const { eventType, topic, schema } of schemaFiles()) {
    const expected = topicSpecs[topic].compacted ? envelope.filter((field) => field.name !== "orderId") : envelope;
    expect([eventType, schema.fields.slice(0, expected.length)]).toEqual([eventType, expected]);
  }
});

test("when a field holds money, then it is a long (integer cents)", () => {
  const money = schemaFiles().flatMap(({ schema }) => allFields(schema)).filter(isMoneyField);

  expect(money.length).toBeGreaterThan(0);
  expect(new Set(money.map((field) => field.type))).toEqual(new Set(["long"]));
});

test("when a field holds an e-mail address, then it is on the orders topic, in the events the e-mail service needs", () => {
  const holders = schemaFiles().filter(({ schema }) => allFields(schema).some((field) => /e-?mail/i.test(field.name)));

  expect(holders.map((file) => `${file.topic}/${file.eventType}`)).toEqual(["orders/OrderConfirmed", "orders/OrderCancelled"]);
});

test.each(Object.keys(examples) as EventType[])("when the %s example is encoded with its schema, then it decodes to the same event", (eventType) => {
  const type = avro.Type.forSchema(schemaFor(eventType) as avro.Schema);

  expect(type.fromBuffer(type.toBuffer(examples[eventType]))).toEqual(examples[eventType]);
});

test("when a reader's enum lacks a symbol the writer added later, then it reads the enum's default, unknown", () => {
  const cancelled = schemaFor("OrderCancelled");
  const newer = JSON.parse(JSON.stringify(cancelled).replace('"timeout"', '"timeout","fraud_suspected"'));
  const writer = avro.Type.forSchema(newer);
  const reader = avro.Type.forSchema(cancelled as avro.Schema);

  const read = reader.fromBuffer(writer.toBuffer({ ...examples.OrderCancelled, reason: "fraud_suspected" }), reader.createResolver(writer));

  expect(read.reason).toBe("unknown");
});

/** Every field of a record, nested records' fields included. */
function allFields(type: unknown): AvroField[] {
  if (Array.isArray(type)) return type.flatMap(allFields);
  if (typeof type !== "object" || type === null) return [];
  const { fields = [], items } = type as { fields?: AvroField[]; items?: unknown };
  return [...fields.flatMap((field) => [field, ...allFields(field.type)]), ...allFields(items)];
}

test("when the marks are read, then the e-mail is contact data and the address lines (not the country) address data, and every mark is on a string", () => {
  expect(personalFields()).toEqual({
    OrderPlaced: ["name", "line1", "city", "postalCode"].map((line) => ({ path: `shippingAddress.${line}`, category: "address" })),
    OrderConfirmed: [{ path: "customerEmail", category: "contact" }],
    OrderCancelled: [{ path: "customerEmail", category: "contact" }],
  });
  const marked = schemaFiles().flatMap(({ schema }) => allFields(schema)).filter((field) => "personalData" in field);
  expect(marked.every((field) => field.type === "string" && JSON.stringify((field as { "confluent:tags"?: unknown })["confluent:tags"]) === '["PII"]')).toBe(true);
});

test("when a field is named like personal data (email, name, line1, city, postalCode), then it is marked, except the catalogue's product name", () => {
  const unmarked = schemaFiles().flatMap(({ file, schema }) => allFields(schema)
    .filter((field) => /e-?mail|^(line1|city|postalCode)$/i.test(field.name) || (field.name === "name" && file.includes("orders/")))
    .filter((field) => !("personalData" in field)).map((field) => `${file}: ${field.name}`));
  expect(unmarked).toEqual([]);
});
