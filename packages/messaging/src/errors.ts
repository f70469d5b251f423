/**
 * A few named errors, each saying whether trying again can help (after kafkajs src/errors.js),
 * and `classifyError`, which puts any error (ours, pg's, the network's) in one of three classes.
 */
export class MessagingError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** Throw from a handler for a condition that may pass (a timeout, a busy dependency): the message is retried. */
export class RetriableError extends MessagingError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: true });
  }
}

/** The codec cannot encode an event (unknown event type, or the event does not match its schema). */
export class EncodeError extends MessagingError {}

/** The bytes are not a message the codec can read (not the wire format, unknown schema id). */
export class DecodeError extends MessagingError {}

/** Decoded, but not a valid event (e.g. no eventId). */
export class ValidationError extends MessagingError {}

/**
 * - `unavailable`: a dependency is down (database connection, registry); no message is at fault,
 *   so the consumer waits and tries again for as long as it takes, and never dead-letters for it.
 * - `transient`: this attempt failed but another may not (serialization failure, deadlock,
 *   `retriable: true`); retried a bounded number of times.
 * - `permanent`: trying again gives the same result (a bug, a rejected event).
 */
export type ErrorClass = "unavailable" | "transient" | "permanent";

// PostgreSQL SQLSTATEs: https://www.postgresql.org/docs/current/errcodes-appendix.html
const unavailableSqlStates = new Set(["57P01", "57P02", "57P03", "53300"]); // admin/crash shutdown, cannot connect now, too many connections
const transientSqlStates = new Set(["40001", "40P01", "55P03", "57014"]); // serialization failure, deadlock, lock not available, statement timeout
const networkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
// node-postgres reports a lost connection with these messages and no code.
const lostConnection = /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/;

export function classifyError(error: unknown): ErrorClass {
  if (error instanceof DecodeError) return error.retriable ? "unavailable" : "permanent";
  if (typeof error !== "object" || error === null) return "permanent";
  const { code, message, retriable } = error as { code?: unknown; message?: unknown; retriable?: unknown };
  if (typeof code === "string") {
    if (code.startsWith("08") || unavailableSqlStates.has(code) || networkCodes.has(code)) return "unavailable";
    if (transientSqlStates.has(code)) return "transient";
  }
  if (typeof message === "string" && lostConnection.test(message)) return "unavailable";
  if (retriable === true) return "transient";
  return "permanent";
}
