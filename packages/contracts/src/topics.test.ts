import { newEvent } from "./events";
import { examples } from "./examples";
import { currentVersion, subjectFor, topicOf } from "./schemas";
import { dlqTopic, keyOf, topicOwners, topics } from "./topics";

test("when a topic's dead-letter topic is asked for, then it is the topic with a .dlq suffix", () => {
  expect(dlqTopic(topics.orders)).toBe("orders.dlq");
});

test("when a topic's owner is asked for, then it is the one service that writes it, and every example event names its topic's owner", () => {
  expect(topicOwners).toEqual({
    catalog: "inventory", orders: "order", inventory: "inventory", payments: "payment", shipments: "warehouse", notifications: "email",
    datakeys: "order",
  });
  for (const example of Object.values(examples)) expect({ type: example.eventType, producer: example.producer }).toEqual({ type: example.eventType, producer: topicOwners[topicOf(example.eventType)] });
});

test("when a saga event is keyed, then its key is the orderId; a catalog event's key is the sku; a data key's, its keyId", () => {
  expect(keyOf(examples.PaymentCaptured)).toBe(examples.PaymentCaptured.orderId);
  expect(keyOf(examples.ProductListed)).toBe("BOOK-1");
  expect(keyOf(examples.CustomerDataKeyErased)).toBe(examples.CustomerDataKeyErased.keyId);
});

test("when an event type is looked up, then its topic, current version and subject come from its schema file", () => {
  expect([topicOf("OrderPlaced"), currentVersion("OrderPlaced"), subjectFor("OrderPlaced")]).toEqual(["orders", 2, "orders-shop.orders.OrderPlaced"]);
  expect([topicOf("EmailSent"), currentVersion("EmailSent"), subjectFor("EmailSent")]).toEqual(["notifications", 1, "notifications-shop.notifications.EmailSent"]);
});

test("when an event is built in reaction to another, then the envelope is filled: new id, current version, UTC time in ms, causation, producer", () => {
  const cause = examples.StockReserved;

  const event = newEvent("PaymentFailed", { orderId: cause.orderId, reason: "card declined" }, {
    producer: "payment", causedBy: cause, now: () => new Date(Date.UTC(2025, 0, 31, 12, 0, 0, 7)), newId: () => "id-1",
  });

  expect(event).toEqual({
    eventId: "id-1", eventType: "PaymentFailed", eventVersion: 1, occurredAt: "2025-01-31T12:00:00.007Z",
    orderId: cause.orderId, causationId: cause.eventId, producer: "payment", reason: "card declined",
  });
});

test("when the first event of a saga is built, then it has no causation, a random UUID and the current version", () => {
  const { eventId, eventType, eventVersion, occurredAt, causationId, producer, ...body } = examples.OrderPlaced;

  const event = newEvent("OrderPlaced", body, { producer: "order" });

  expect(event).toEqual({ ...examples.OrderPlaced, eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), occurredAt: expect.any(String), causationId: null });
  expect(event.eventVersion).toBe(2);
  expect(new Date(event.occurredAt).toISOString()).toBe(event.occurredAt);
});
