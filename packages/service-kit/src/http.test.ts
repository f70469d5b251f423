import { Writable } from "node:stream";
import { createApp } from "./http";
import { createLogger } from "@shop/observability";

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

/** An app with one route that takes a body, a param and a query, each with a schema, and a service error answered with 422. */
function strictApp() {
  class ConflictingRequestError extends Error {}
  const app = createApp({
    logger: createLogger("order", "silent"),
    clientErrorStatus: (error) => (error instanceof ConflictingRequestError ? 422 : undefined),
  });
  app.post("/things/:id", {
    schema: {
      params: { type: "object", properties: { id: { type: "string", maxLength: 10 } }, additionalProperties: false },
      querystring: { type: "object", properties: { page: { type: "string", maxLength: 10 } }, additionalProperties: false },
      body: {
        type: "object", required: ["name", "count"], additionalProperties: false,
        properties: { name: { type: "string", maxLength: 20 }, count: { type: "integer" }, tags: { type: "array", items: { type: "string", maxLength: 20 } } },
      },
    },
  }, async (request) => {
    if ((request.body as { name: string }).name === "conflict") throw new ConflictingRequestError("name: already taken by another request");
    return { body: request.body, params: request.params, query: request.query };
  });
  return app;
}

const post = (url: string, payload: unknown) => strictApp().inject({ method: "POST", url, payload: payload as object });

test("when params, query and body are all valid, then the route answers 200 and gets them unchanged", async () => {
  const response = await post("/things/t-1?page=2", { name: "Ada", count: 3, tags: ["a"] });
  expect(response.statusCode).toBe(200);
  expect(response.json()).toEqual({ body: { name: "Ada", count: 3, tags: ["a"] }, params: { id: "t-1" }, query: { page: "2" } });
});

test.each([
  ["a number where a string belongs", { name: 42, count: 1 }, "body/name must be string"],
  ["a string where an integer belongs", { name: "Ada", count: "1" }, "body/count must be integer"],
  ["a boolean where an integer belongs", { name: "Ada", count: true }, "body/count must be integer"],
  ["a string where an array belongs", { name: "Ada", count: 1, tags: "a" }, "body/tags must be array"],
  ["an unknown field", { name: "Ada", count: 1, admin: true }, "body/admin is not a known field"],
  ["a string past its maxLength", { name: "A".repeat(21), count: 1 }, "body/name must NOT have more than 20 characters"],
  ["NUL in a string", { name: "Ada\u0000", count: 1 }, "body/name must not contain NUL (\\u0000) or a lone UTF-16 surrogate"],
  ["NUL in an array's string", { name: "Ada", count: 1, tags: ["ok", "\u0000"] }, "body/tags/1 must not contain NUL"],
  ["a lone high surrogate", { name: "Ada\ud800", count: 1 }, "body/name must not contain NUL (\\u0000) or a lone UTF-16 surrogate"],
  ["a lone low surrogate", { name: "\udc00Ada", count: 1 }, "body/name must not contain NUL"],
])("when the body has %s, then 400 Bad Request naming the field", async (_what, payload, message) => {
  const response = await post("/things/t-1", payload);
  expect(response.statusCode).toBe(400);
  expect(response.json()).toEqual({ error: "Bad Request", message: expect.stringContaining(message) });
});

test("when a string holds a whole character outside the BMP (a surrogate pair), then it is accepted", async () => {
  const response = await post("/things/t-1", { name: "Ada \u{1F600}", count: 1 });
  expect(response.statusCode).toBe(200);
  expect(response.json().body.name).toBe("Ada \u{1F600}");
});

test.each([
  ["NUL in a param", "/things/t%00", "params/id must not contain NUL"],
  ["a param past its maxLength", `/things/${"t".repeat(11)}`, "params/id must NOT have more than 10 characters"],
  ["NUL in the query", "/things/t-1?page=%00", "querystring/page must not contain NUL"],
  ["an unknown query parameter", "/things/t-1?page=1&debug=1", "querystring/debug is not a known field"],
  ["a query parameter given twice (an array)", "/things/t-1?page=1&page=2", "querystring/page must be string"],
])("when the request has %s, then 400 Bad Request naming it", async (_what, url, message) => {
  const response = await post(url, { name: "Ada", count: 1 });
  expect(response.statusCode).toBe(400);
  expect(response.json()).toEqual({ error: "Bad Request", message: expect.stringContaining(message) });
});

test("when a header carries NUL (a client that is not Node's HTTP parser), then 400 naming the header", async () => {
  const response = await strictApp().inject({ method: "POST", url: "/things/t-1", payload: { name: "Ada", count: 1 }, headers: { "x-request-id": "a\u0000b" } });
  expect(response.statusCode).toBe(400);
  expect(response.json()).toEqual({ error: "Bad Request", message: "headers/x-request-id must not contain NUL (\\u0000) or a lone UTF-16 surrogate" });
});

test("when the service throws one of its client errors, then it answers the status clientErrorStatus gives, with the error's message", async () => {
  const response = await post("/things/t-1", { name: "conflict", count: 1 });
  expect(response.statusCode).toBe(422);
  expect(response.json()).toEqual({ error: "Unprocessable Entity", message: "name: already taken by another request" });
});

/** An app whose one route fails with `error`, as a route does when its query fails. */
function appFailingWith(error: unknown) {
  const app = createApp({ logger: createLogger("order", "silent") });
  app.get("/orders/:id", async () => {
    throw error;
  });
  return app;
}

const sqlError = (code: string, message: string) => Object.assign(new Error(message), { code });

test.each<[string, unknown]>([
  ["PostgreSQL cut the session (57P01 admin shutdown)", sqlError("57P01", "terminating connection due to administrator command")],
  ["PostgreSQL is starting up (57P03)", sqlError("57P03", "the database system is starting up")],
  ["nobody listens on the database's port", sqlError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432")],
  ["the connection broke mid-query", new Error("Connection terminated unexpectedly")],
  ["each address tried refused (AggregateError)", Object.assign(new AggregateError([sqlError("ECONNREFUSED", "connect ECONNREFUSED ::1:5432")], ""), { code: "ECONNREFUSED" })],
  ["our own error wraps a lost connection", new Error("placing the order failed", { cause: new Error("Connection terminated unexpectedly") })],
])("when the database is unavailable (%s), then 503 with Retry-After and a message that says so and nothing internal", async (_, error) => {
  const response = await appFailingWith(error).inject({ method: "GET", url: "/orders/o-1" });
  expect(response.statusCode).toBe(503);
  expect(response.headers["retry-after"]).toBe("2");
  expect(response.json()).toEqual({ error: "Service Unavailable", message: expect.stringMatching(/cannot reach its database.*Send it again in 2 s/) });
  expect(response.body).not.toMatch(/5432|ECONNREFUSED|terminated|administrator/);
});

test.each<[string, unknown]>([
  ["a unique violation (23505)", sqlError("23505", "duplicate key value violates unique constraint")],
  ["a bug", new TypeError("undefined is not a function")],
])("when a query fails for another reason (%s), then it stays a 500 without Retry-After", async (_, error) => {
  const response = await appFailingWith(error).inject({ method: "GET", url: "/orders/o-1" });
  expect(response.statusCode).toBe(500);
  expect(response.headers["retry-after"]).toBeUndefined();
});
