/** The schema files themselves: valid Avro, one envelope, the house rules, and the examples encode. */
import avro from "avsc";
import { examples } from "./examples";
import type { EventType } from "./generated";
import { schemaFiles, schemaFor, type AvroField } from "./schemas";
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

test("when the envelope is compared, then every schema starts with the same seven fields (ProductListed without orderId)", () => {
  expect(envelope.map((field) => field.name)).toEqual(["eventId", "eventType", "eventVersion", "occurredAt", "orderId", "causationId", "producer"]);
  for (const { eventType, schema } of schemaFiles()) {
    const expected = eventType === "ProductListed" ? envelope.filter((field) => field.name !== "orderId") : envelope;
    expect([eventType, schema.fields.slice(0, expected.length)]).toEqual([eventType, expected]);
  }
});

test("when a field holds money, then it is a long (integer cents)", () => {
  const money = schemaFiles().flatMap(({ schema }) => allFields(schema)).filter((field) => /^(price|unitPrice|total|amount)$/.test(field.name));

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
