import { readTraceContext, traceIdOf, writeTraceContext } from "./trace";

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

test("when a context is written to headers and read back, then it is the same context", () => {
  const context = { traceparent, tracestate: "congo=t61rcWkgMzE" };
  expect(writeTraceContext(context)).toEqual({ traceparent, tracestate: "congo=t61rcWkgMzE" });
  expect(readTraceContext(writeTraceContext(context))).toEqual(context);
  expect(readTraceContext({ traceparent })).toEqual({ traceparent });
  expect(traceIdOf(context)).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
});

test.each([
  ["missing", undefined],
  ["malformed", "not-a-traceparent"],
  ["an all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"],
  ["an all-zero parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"],
  ["version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
])("when the traceparent is %s, then there is no context and no header is written", (_, value) => {
  expect(readTraceContext({ traceparent: value })).toBeUndefined();
  expect(writeTraceContext(value ? { traceparent: value } : undefined)).toEqual({});
});
