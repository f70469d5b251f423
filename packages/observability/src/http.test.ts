import { Writable } from "node:stream";
import { createApp } from "./http";
import { createLogger } from "./logger";

function appLoggingAt(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const app = createApp({ logger: createLogger("order", level, destination) });
  app.get("/orders/:id", async (request) => ({ orderId: (request.params as { id: string }).id }));
  app.get("/broken", async () => {
    throw new Error("the database went away");
  });
  return { app, lines };
}

test("when the level is info, then a request writes no line", async () => {
  const { app, lines } = appLoggingAt("info");
  expect((await app.inject({ method: "GET", url: "/orders/o-1" })).statusCode).toBe(200);
  expect((await app.inject({ method: "GET", url: "/nowhere" })).statusCode).toBe(404);
  expect(lines).toEqual([]);
});

test("when the level is debug, then a request writes its incoming and completed lines", async () => {
  const { app, lines } = appLoggingAt("debug");
  await app.inject({ method: "GET", url: "/orders/o-1" });
  expect(lines.map(({ level, msg }) => ({ level, msg }))).toEqual([
    { level: "debug", msg: "incoming request" },
    { level: "debug", msg: "request completed" },
  ]);
  expect(lines[1]).toMatchObject({ res: { statusCode: 200 }, responseTime: expect.any(Number) });
});

test("when a request fails, then the error is logged at the default level", async () => {
  const { app, lines } = appLoggingAt("info");
  expect((await app.inject({ method: "GET", url: "/broken" })).statusCode).toBe(500);
  expect(lines).toEqual([expect.objectContaining({ level: "error", msg: "request failed", err: expect.objectContaining({ message: "the database went away" }) })]);
});

test("when health checks and scrapes come in, then they write no line, even at debug", async () => {
  const { app, lines } = appLoggingAt("debug");
  await app.inject({ method: "GET", url: "/health/live" });
  await app.inject({ method: "GET", url: "/metrics" });
  expect(lines).toEqual([]);
});
