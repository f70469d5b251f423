/**
 * The explorer's API answers bad input with a 400 naming the field, accepts OTLP/HTTP JSON, and
 * says plainly when no supervisor runs. No Kafka here: none of these requests reach it.
 */
import { createLogger } from "@shop/observability";
import { buildHttp } from "./http";
import { createLatestMessages } from "./ingest";
import type { KafkaReader } from "./kafka";
import { createLiveFeed } from "./live";
import { createMailbox } from "./mails";
import { createSagaStore } from "./sagas";
import { serviceNames } from "./service-apis";
import { createSpanStore } from "./spans";
import { supervisorClient } from "./supervisor-client";

const unreachable = "http://127.0.0.1:9"; // the discard port: nothing answers there
const sagas = createSagaStore(10);
const live = createLiveFeed(sagas);
const app = buildHttp({
  logger: createLogger("explorer", "silent"), sagas, live, spans: createSpanStore(100), latest: createLatestMessages(5), mails: createMailbox(5),
  reader: {} as KafkaReader, kafka: { brokers: [], clientId: "unused", credentials: { username: "-", password: "-" } },
  supervisor: supervisorClient(undefined, undefined), urls: Object.fromEntries(serviceNames.map((name) => [name, unreachable])) as never,
  status: () => undefined,
});
afterAll(async () => {
  live.close();
  await app.close();
});

test.each([
  ["POST", "/api/orders", "path", { path: "sideways" }],
  ["POST", "/api/burst", "count", { count: 0 }],
  ["POST", "/api/topics/nope/poison", "topic", undefined],
  ["POST", "/api/services/payment/explode", "action", undefined],
  ["POST", "/api/mails", "subject", { to: "a@example.com" }],
] as const)("when %s %s gets bad input, then it answers 400 naming %s", async (method, url, field, body) => {
  const response = await app.inject({ method, url, ...(body ? { payload: body } : {}) });
  expect(response.statusCode).toBe(400);
  expect(response.json().message).toContain(field);
});

test("when a service posts OTLP/HTTP JSON, then its spans are found by trace id", async () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const span = { traceId, spanId: "00f067aa0ba902b7", name: "POST", kind: 2, startTimeUnixNano: "1000000", endTimeUnixNano: "3000000" };
  const posted = await app.inject({ method: "POST", url: "/v1/traces", payload: { resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] } });
  expect(posted.statusCode).toBe(200);
  const found = await app.inject({ method: "GET", url: `/api/traces/${traceId}` });
  expect(found.json().spans).toMatchObject([{ spanId: "00f067aa0ba902b7", durationMs: 2 }]);
});

test("when no supervisor runs, then a break-it action answers 503 saying so", async () => {
  const response = await app.inject({ method: "POST", url: "/api/services/payment/kill" });
  expect(response.statusCode).toBe(503);
  expect(response.json().message).toContain("no supervisor");
});
