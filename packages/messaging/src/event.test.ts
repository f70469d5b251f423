import { ValidationError } from "./errors";
import { validateEvent } from "./event";

const event = { eventId: "0b0e3d56-5f7d-4a32-9f2e-2f6b7f0e9a11", eventType: "OrderPlaced", orderId: "o-1" };

test("when a decoded value has a UUID eventId and an eventType, then it is an event", () => {
  expect(validateEvent(event)).toBe(event);
});

test.each([
  ["not a record", "OrderPlaced", /not a record/],
  ["without eventId", { eventType: "OrderPlaced" }, /eventId must be a UUID, got undefined/],
  ["with an eventId that is no UUID", { ...event, eventId: "42" }, /eventId must be a UUID, got "42"/],
  ["without eventType", { eventId: event.eventId }, /eventType must be a non-empty string/],
])("when a decoded value is %s, then it fails validation naming the field", (_, value, message) => {
  expect(() => validateEvent(value)).toThrow(ValidationError);
  expect(() => validateEvent(value)).toThrow(message);
});
