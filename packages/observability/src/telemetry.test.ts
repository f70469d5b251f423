/**
 * startTelemetry off (no exporter): nothing is recorded, yet a client's traceparent reaches the
 * handler, the request's log lines and what the handler would write to the outbox.
 */
import { Writable } from "node:stream";
import { context, propagation, trace } from "@opentelemetry/api";
import { createApp } from "./http";
import { createLogger } from "./logger";
import { startTelemetry } from "./telemetry";

const clientTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const clientTraceparent = `00-${clientTraceId}-00f067aa0ba902b7-01`;

test("when no exporter is configured, then no span is recorded, yet the handler and the request's log lines continue the client's trace", async () => {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const telemetry = startTelemetry("telemetry-test");
  if (endpoint !== undefined) process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const app = createApp({ logger: createLogger("order", "debug", destination) });
  app.post("/orders", async (request) => {
    await new Promise((resolve) => setTimeout(resolve, 5)); // the context must outlive an await
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier); // what outbox.add stores with the row
    request.log.info("order placed");
    return { recording: trace.getActiveSpan()?.isRecording() ?? null, traceparent: carrier.traceparent ?? null };
  });
  const post = async (headers: Record<string, string>) =>
    (await app.inject({ method: "POST", url: "/orders", headers, payload: { items: [] } })).json<{ recording: boolean | null; traceparent: string | null }>();
  try {
    const continued = await post({ traceparent: clientTraceparent });
    const started = await post({});

    expect(continued.recording).toBe(false);
    expect(continued.traceparent).toMatch(new RegExp(`^00-${clientTraceId}-[0-9a-f]{16}-00$`));
    // Without a client's traceparent, the request starts a trace of its own.
    const startedTraceId = started.traceparent?.split("-")[1];
    expect(startedTraceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    expect(startedTraceId).not.toBe(clientTraceId);
    expect(lines.map(({ msg, traceId }) => ({ msg, traceId }))).toEqual([
      { msg: "incoming request", traceId: clientTraceId }, { msg: "order placed", traceId: clientTraceId }, { msg: "request completed", traceId: clientTraceId },
      { msg: "incoming request", traceId: startedTraceId }, { msg: "order placed", traceId: startedTraceId }, { msg: "request completed", traceId: startedTraceId },
    ]);
    // What packages/messaging's consumer spans are made with records nothing either.
    expect(trace.getTracer("@shop/messaging").startSpan("process OrderPlaced").isRecording()).toBe(false);
  } finally {
    await app.close();
    await telemetry.shutdown();
  }
});
