/**
 * Whether an error means that the service cannot reach its database right now: PostgreSQL is
 * restarting, cut the session (57P01 admin shutdown), refuses connections (ECONNREFUSED), or the
 * connection broke mid-query ("Connection terminated unexpectedly"). The request is not at fault
 * and the same request works once the database is back, so the HTTP error handler (http.ts)
 * answers 503 with Retry-After, not 500. The consumers make the same call for messages
 * (packages/messaging/src/errors.ts, class `unavailable`): wait, never dead-letter.
 */

// PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html): class 08
// (connection exception), 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now.
const unavailableSqlState = /^(08|57P0[123])/;
const networkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
// node-postgres reports a lost or unusable connection with these messages and no code.
const lostConnection = /Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect/;

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === "string" && (unavailableSqlState.test(code) || networkCodes.has(code))) return true;
  if (typeof message === "string" && lostConnection.test(message)) return true;
  // One error per address tried (Node's connect to "localhost"), or an error wrapped by our own code.
  if (error instanceof AggregateError && error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}
