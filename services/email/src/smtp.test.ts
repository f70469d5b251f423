/** What a failed send means for delivery. Real servers produce these in emails.test.ts; here every branch, from nodemailer's error fields. */
import { describeError, failureOf } from "./smtp";

test.each([
  [{ code: "ESOCKET", originalCode: "ECONNREFUSED", command: "CONN" }, "unreachable"],
  [{ code: "EDNS", originalCode: "ENOTFOUND", command: "CONN" }, "unreachable"],
  [{ code: "ETIMEDOUT", timeoutType: "CONNECT_TIMEOUT", command: "CONN" }, "unreachable"],
  [{ code: "ETIMEDOUT", timeoutType: "GREETING_TIMEOUT", command: "CONN" }, "unreachable"],
  [{ code: "EENVELOPE", responseCode: 451, permanent: false, command: "MAIL FROM" }, "deferred"],
  [{ code: "ECONNECTION", responseCode: 421, permanent: false, command: "CONN" }, "deferred"],
  [{ code: "EMESSAGE", responseCode: 554, permanent: true, command: "DATA" }, "rejected"],
  [{ code: "EENVELOPE", command: "API" }, "rejected"],
  [{ code: "ECONNECTION", command: "CONN" }, "unknown"], // the connection closed: before DATA, or after it
  [{ code: "ETIMEDOUT", timeoutType: "SOCKET_TIMEOUT", command: "CONN" }, "unknown"], // no answer to the end of DATA, say
  [{ code: "ESOCKET", originalCode: "ECONNRESET", command: "CONN" }, "unknown"],
])("when nodemailer fails with %j, then the failure is %s", (error, failure) => {
  expect(failureOf(Object.assign(new Error("failed"), error))).toBe(failure);
});

test("when the server quotes the address back, then the error's description leaves it out", () => {
  const error = Object.assign(new Error("Can't send mail - all recipients were rejected: 550 5.1.1 <ada@example.com>: user unknown"), { code: "EENVELOPE" });
  expect(describeError(error)).toBe("EENVELOPE: Can't send mail - all recipients were rejected: 550 5.1.1 <[address]>: user unknown");
});
