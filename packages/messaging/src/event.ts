/**
 * What this package needs to know about an event: its id (the idempotency key) and its type
 * (schema lookup, routing headers). The full envelope and every payload are defined once, in
 * packages/contracts.
 */
import { ValidationError } from "./errors";

export interface Event {
  eventId: string;
  eventType: string;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The default check after decoding: a record of some registered schema is not necessarily an
 * event (a schema-valid record without an eventId). Throws ValidationError naming the field.
 */
export function validateEvent(value: unknown): Event {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError("not an event: the decoded value is not a record");
  }
  const { eventId, eventType } = value as Record<string, unknown>;
  if (typeof eventId !== "string" || !uuidPattern.test(eventId)) {
    throw new ValidationError(`not an event: eventId must be a UUID, got ${JSON.stringify(eventId)}`);
  }
  if (typeof eventType !== "string" || eventType === "") {
    throw new ValidationError(`not an event: eventType must be a non-empty string, got ${JSON.stringify(eventType)}`);
  }
  return value as Event;
}
