import { classifyError, DecodeError, RetriableError, ValidationError } from "./errors";

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

test.each<[string, string, unknown]>([
  ["a terminated session (57P01)", "unavailable", pgError("57P01")],
  ["a connection failure (08006)", "unavailable", pgError("08006")],
  ["a refused connection", "unavailable", pgError("ECONNREFUSED")],
  ["a connection lost mid-query", "unavailable", new Error("Connection terminated unexpectedly")],
  ["an unreachable schema registry", "unavailable", new DecodeError("registry down", { retriable: true })],
  ["a serialization failure (40001)", "transient", pgError("40001")],
  ["a deadlock (40P01)", "transient", pgError("40P01")],
  ["a RetriableError", "transient", new RetriableError("provider timed out")],
  ["any error marked retriable (e.g. kafkajs)", "transient", Object.assign(new Error("leader not available"), { retriable: true })],
  ["a unique violation (23505)", "permanent", pgError("23505")],
  ["bytes that are not the wire format", "permanent", new DecodeError("magic byte")],
  ["an invalid event", "permanent", new ValidationError("no eventId")],
  ["a bug", "permanent", new TypeError("undefined is not a function")],
  ["a thrown string", "permanent", "oops"],
])("when the error is %s, then it is classified %s", (_, expected, error) => {
  expect(classifyError(error)).toBe(expected);
});

test("when an error is ours, then it carries its name and whether it is retriable", () => {
  const error = new RetriableError("busy", { cause: new Error("inner") });
  expect([error.name, error.retriable, (error.cause as Error).message]).toEqual(["RetriableError", true, "inner"]);
  expect(new ValidationError("x").retriable).toBe(false);
});
