import { ValidationError } from "./errors";
import { checkOwnersKnown, wrongProducer } from "./producer-check";

const owners = { payments: "payment", orders: "order" };
const captured = (producer: unknown) => ({ eventId: "5f0c1d2e-0000-4000-8000-000000000001", eventType: "PaymentCaptured", producer });

test("when an event names its topic's owner as producer, then it passes", () => {
  expect(wrongProducer(owners, "payments", captured("payment"))).toBeUndefined();
});

test("when an event names another service as producer, then the reason names the event, the topic, the producer and the owner", () => {
  const wrong = wrongProducer(owners, "payments", captured("order"));
  expect(wrong).toBeInstanceOf(ValidationError);
  expect(wrong?.message).toBe(
    'wrong producer: PaymentCaptured 5f0c1d2e-0000-4000-8000-000000000001 on topic payments names producer "order", but the topic\'s owner is "payment"');
});

test("when an event names no producer at all, then it is rejected too", () => {
  expect(wrongProducer(owners, "payments", { eventId: "e", eventType: "PaymentCaptured" })?.message).toMatch(/names producer undefined/);
});

test("when a consumer reads a topic with no known owner, then it refuses to start, naming the topic", () => {
  expect(() => checkOwnersKnown(owners, ["payments", "shipments"])).toThrow("consume(): topicOwners names no owner for shipments");
  expect(() => checkOwnersKnown(owners, ["payments", "orders"])).not.toThrow();
});
