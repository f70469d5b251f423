import { createSpanStore, spansOf } from "./spans";

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const request = (ids: { traceId: string; spanId: string; parentSpanId?: string }, start: unknown = "1700000000000000000") => ({
  resourceSpans: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "payment" } }] },
    scopeSpans: [{ spans: [{ ...ids, name: "process StockReserved", kind: 5, startTimeUnixNano: start, endTimeUnixNano: "1700000000002500000", status: { code: 2 } }] }],
  }],
});

test("when the exporter sends hex ids, then the span keeps them with its service, times in ms and error status", () => {
  expect(spansOf(request({ traceId, spanId: "00f067aa0ba902b7", parentSpanId: "" }))).toEqual([{
    traceId, spanId: "00f067aa0ba902b7", parentSpanId: null, service: "payment", name: "process StockReserved", kind: 5,
    startMs: 1700000000000, durationMs: 2.5, error: true,
  }]);
});

test("when ids come base64-encoded (protobuf's JSON mapping) and times as two 32-bit halves, then they are read the same", () => {
  const [span] = spansOf(request(
    { traceId: Buffer.from(traceId, "hex").toString("base64"), spanId: Buffer.from("00f067aa0ba902b7", "hex").toString("base64") },
    { low: Number(1700000000000000000n & 0xffffffffn), high: Number(1700000000000000000n >> 32n) },
  ));
  expect(span).toMatchObject({ traceId, spanId: "00f067aa0ba902b7", startMs: 1700000000000 });
});

test("when a body is not OTLP, then it yields no spans and does not throw", () => {
  expect(spansOf({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "nope" }] }] }] })).toEqual([]);
  expect(spansOf("text")).toEqual([]);
  expect(spansOf(null)).toEqual([]);
});

test("when more spans arrive than it keeps, then the oldest go and a trace is found earliest first", () => {
  const store = createSpanStore(3);
  const span = (n: number) => ({ traceId, spanId: `${n}`.padStart(16, "0"), parentSpanId: null, service: "order", name: `s${n}`, kind: 1, startMs: 10 - n, durationMs: 1, error: false });
  store.add([span(1), span(2), span(3), span(4)]);
  expect(store.size()).toBe(3);
  expect(store.trace(traceId).map((s) => s.name)).toEqual(["s4", "s3", "s2"]);
});
