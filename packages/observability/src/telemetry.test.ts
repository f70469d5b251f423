/**
 * The two modes of startTelemetry. Off (no exporter): nothing is recorded, yet a client's
 * traceparent reaches the handler, its log lines and what it would write to the outbox.
 * Exporting (an OTLP endpoint): a service-shaped process exports the request's HTTP span and its
 * PostgreSQL spans, in the client's trace. That one runs as its own process because Jest loads
 * `http` and `pg` itself, where the instrumentations cannot patch them; the process is the
 * benchmark's server (bench/tracing-server.ts): createApp, startTelemetry and a pg transaction.
 */
import { fork } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { Writable } from "node:stream";
import { context, propagation, trace } from "@opentelemetry/api";
import { useEnvironment } from "@shop/testkit";
import { createApp } from "@shop/service-kit";
import { createLogger } from "./logger";
import { startTelemetry } from "./telemetry";

// One test forks a server under tsx (seconds to start on a loaded machine) that queries real PostgreSQL.
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

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

interface OtlpSpan { traceId: string; kind: number; name: string }

test("when an OTLP endpoint is configured, then a service process exports the request's HTTP span and its PostgreSQL spans, in the client's trace", async () => {
  const exported: OtlpSpan[] = [];
  const sink = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) exported.push(...scope.spans);
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const server = fork(path.join(__dirname, "..", "bench", "tracing-server.ts"), {
    execArgv: ["--import", "tsx"],
    env: {
      ...process.env, BENCH_VARIANT: "exporting", BENCH_QUERIES: "3", DATABASE_URL: useEnvironment().databaseUrl("order"),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as { port: number }).port}`,
    },
  });
  const answer = (message: string) => new Promise<unknown>((resolve) => {
    server.once("message", resolve);
    if (message) server.send(message);
  });
  try {
    const { port } = (await answer("")) as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/orders`, {
      method: "POST", headers: { "content-type": "application/json", traceparent: clientTraceparent }, body: "{}",
    });
    expect(((await response.json()) as { traceparent: string }).traceparent).toMatch(new RegExp(`^00-${clientTraceId}-[0-9a-f]{16}-01$`));
    await answer("stop"); // answers once every span recorded so far is exported
  } finally {
    server.send("exit");
    sink.close();
  }
  // OTLP's span kinds: 2 SERVER (the request), 3 CLIENT (PostgreSQL: connecting, then BEGIN, one SELECT, COMMIT).
  const inTrace = exported.filter((span) => span.traceId === clientTraceId);
  expect(inTrace.filter((span) => span.kind === 2).map((span) => span.name)).toEqual(["POST"]);
  expect(inTrace.filter((span) => span.kind === 3).map((span) => span.name)).toEqual(
    expect.arrayContaining(["pg.query:BEGIN order", "pg.query:SELECT order", "pg.query:COMMIT order"]));
});
