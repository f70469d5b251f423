import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { Writable } from "node:stream";
import { createLogger } from "./logger";
import { startTelemetry, type Telemetry } from "./telemetry";

let telemetry: Telemetry;
const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter }); // exports asynchronously: forceFlush() before reading
beforeAll(() => {
  telemetry = startTelemetry("logger-test", [processor]);
});
afterAll(() => telemetry.shutdown());

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger("order", "info", destination) };
}

test("when a line is logged inside a span, then it carries that span's traceId and spanId", async () => {
  const { lines, logger } = capture();
  trace.getTracer("test").startActiveSpan("place order", (span) => {
    logger.child({ orderId: "o-1" }).info("order placed");
    span.end();
  });
  await processor.forceFlush();
  const [finished] = exporter.getFinishedSpans();
  expect(lines).toEqual([
    expect.objectContaining({
      service: "order", level: "info", msg: "order placed", orderId: "o-1",
      traceId: finished!.spanContext().traceId, spanId: finished!.spanContext().spanId,
    }),
  ]);
});

test("when a line is logged outside any span, then it has no trace fields", () => {
  const { lines, logger } = capture();
  logger.info("starting");
  expect(lines[0]).not.toHaveProperty("traceId");
  expect(lines[0]).toMatchObject({ service: "order", msg: "starting" });
});

test("when a logged object holds a personal field (an event, or an event inside the fields), then the value is redacted", () => {
  const { lines, logger } = capture();
  const event = { orderId: "o-1", customerEmail: "ada@example.com", shippingAddress: { name: "Ada Lovelace", line1: "1 Main St", city: "London", country: "GB" } };

  logger.info(event, "top level");
  logger.info({ event }, "inside");

  expect(JSON.stringify(lines)).not.toMatch(/ada@example|Lovelace|Main St|London/);
  expect(lines[0]).toMatchObject({ orderId: "o-1", customerEmail: "[personal data]", shippingAddress: { name: "[personal data]", country: "GB" } });
  expect(lines[1]).toMatchObject({ event: { customerEmail: "[personal data]", shippingAddress: { line1: "[personal data]" } } });
});
