/**
 * The explorer's HTTP API and its page. The page (public/) reads /api/* and the live feed;
 * the services post their spans to /v1/traces (OTLP/HTTP JSON) and the SMTP sink its mails.
 */
import fs from "node:fs";
import path from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { topics } from "@shop/contracts";
import { redrive, waitingDeadLetters, type KafkaConfig } from "@shop/messaging";
import type { Logger } from "@shop/observability";
import { createApp } from "@shop/service-kit";
import { burst, paths, placeOrder } from "./drive";
import type { LatestMessages } from "./ingest";
import type { KafkaReader } from "./kafka";
import type { LiveFeed } from "./live";
import type { createMailbox } from "./mails";
import { causationOrder, hopMs, kindOf, summarize, type SagaStore } from "./sagas";
import { kpis, orderRows, type ServiceUrls } from "./service-apis";
import { spansOf, type SpanStore } from "./spans";
import type { Status } from "./status";
import { infraActions, infraComponents, NoSupervisorError, serviceActions, type SupervisorClient } from "./supervisor-client";

export interface HttpDeps {
  logger: Logger;
  sagas: SagaStore;
  spans: SpanStore;
  latest: LatestMessages;
  mails: ReturnType<typeof createMailbox>;
  live: LiveFeed;
  reader: KafkaReader;
  kafka: KafkaConfig;
  supervisor: SupervisorClient;
  urls: ServiceUrls;
  status(): Status | undefined;
  jaegerUrl?: string;
}

const topicNames = Object.values(topics);
const Topic = Type.Union(topicNames.map((topic) => Type.Literal(topic)));
const OrderId = Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 64 }) });
const TraceId = Type.Object({ traceId: Type.String({ pattern: "^[0-9a-f]{32}$" }) });
const TopicParams = Type.Object({ topic: Topic });
const PlaceBody = Type.Object({ path: Type.Union(paths.map((p) => Type.Literal(p))) }, { additionalProperties: false });
const BurstBody = Type.Object({ count: Type.Integer({ minimum: 1, maximum: 5000 }) }, { additionalProperties: false });
const ServiceParams = Type.Object({ name: Type.String({ pattern: "^[a-z]+$" }), action: Type.Union(serviceActions.map((a) => Type.Literal(a))) });
const InfraParams = Type.Object({ component: Type.Union(infraComponents.map((c) => Type.Literal(c))), action: Type.Union(infraActions.map((a) => Type.Literal(a))) });
const MailBody = Type.Object({ to: Type.String({ maxLength: 500 }), subject: Type.String({ maxLength: 500 }), orderId: Type.Optional(Type.String({ maxLength: 64 })) });

const publicDir = path.join(__dirname, "..", "public");
const contentTypes: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png" };

/** The supervisor's errors: none running is a 503 the page explains; what it refused, a 409 with its reason. */
function supervisorError(error: unknown): { status: number; message: string } {
  return { status: error instanceof NoSupervisorError ? 503 : 409, message: (error as Error).message };
}

export function buildHttp(deps: HttpDeps) {
  const app = createApp({ logger: deps.logger });
  const { sagas, urls, supervisor } = deps;

  for (const file of fs.readdirSync(publicDir)) {
    const body = fs.readFileSync(path.join(publicDir, file));
    const type = contentTypes[path.extname(file)] ?? "application/octet-stream";
    app.get(file === "index.html" ? "/" : `/${file}`, (_request, reply) => reply.type(type).send(body));
  }

  app.get("/api/live", (_request, reply) => {
    reply.hijack(); // the response stays open: the live feed writes to it
    deps.live.attach(reply.raw);
    const status = deps.status();
    if (status) reply.raw.write(`event: status\ndata: ${JSON.stringify(status)}\n\n`);
  });
  app.get("/api/sagas", () => ({ sagas: sagas.list().map(summarize), total: sagas.size() }));
  app.get<{ Params: Static<typeof OrderId> }>("/api/sagas/:orderId", { schema: { params: OrderId } }, async (request, reply) => {
    const saga = sagas.get(request.params.orderId);
    const rows = await orderRows(urls, request.params.orderId);
    if (!saga && !rows.order) return reply.code(404).send({ message: `no order ${request.params.orderId} among the latest sagas nor in the order service` });
    const events = causationOrder(saga?.events ?? []).map((event) => ({ ...event, hopMs: hopMs(event, saga!.events), kind: kindOf(event.eventType) }));
    const traceId = saga?.traceId ?? null;
    return { ...(saga && summarize(saga)), orderId: request.params.orderId, traceId, events, rows,
      jaeger: traceId && deps.jaegerUrl ? `${deps.jaegerUrl}/trace/${traceId}` : null };
  });
  app.get<{ Params: Static<typeof TraceId> }>("/api/traces/:traceId", { schema: { params: TraceId } }, (request) =>
    ({ traceId: request.params.traceId, spans: deps.spans.trace(request.params.traceId) }));

  // OTLP/HTTP JSON, what the services' exporter sends (OTEL_EXPORTER_OTLP_ENDPOINT = this server).
  app.post("/v1/traces", { bodyLimit: 32 * 1024 * 1024 }, (request) => {
    deps.spans.add(spansOf(request.body));
    return {}; // an ExportTraceServiceResponse with nothing rejected
  });

  app.post<{ Body: Static<typeof PlaceBody> }>("/api/orders", { schema: { body: PlaceBody } }, async (request, reply) => {
    try {
      const placed = await placeOrder(urls, supervisor, request.body.path);
      return reply.code(placed.status === 202 ? 202 : 502).send(placed);
    } catch (error) {
      const { status, message } = supervisorError(error);
      return reply.code(status).send({ message: `the deadline path stops payment through the supervisor: ${message}` });
    }
  });
  app.post<{ Body: Static<typeof BurstBody> }>("/api/burst", { schema: { body: BurstBody } }, (request) => burst(urls, request.body.count));

  app.get("/api/status", () => deps.status() ?? {});
  app.post<{ Params: Static<typeof ServiceParams> }>("/api/services/:name/:action", { schema: { params: ServiceParams } }, async (request, reply) => {
    try {
      return reply.code(202).send(await supervisor.service(request.params.name, request.params.action));
    } catch (error) {
      const { status, message } = supervisorError(error);
      return reply.code(status).send({ message });
    }
  });
  app.post<{ Params: Static<typeof InfraParams> }>("/api/infra/:component/:action", { schema: { params: InfraParams } }, async (request, reply) => {
    try {
      return await supervisor.component(request.params.component, request.params.action);
    } catch (error) {
      const { status, message } = supervisorError(error);
      return reply.code(status).send({ message });
    }
  });

  app.get<{ Params: Static<typeof TopicParams> }>("/api/topics/:topic", { schema: { params: TopicParams } }, (request) =>
    ({ topic: request.params.topic, messages: deps.latest.of(request.params.topic) }));
  app.post<{ Params: Static<typeof TopicParams> }>("/api/topics/:topic/poison", { schema: { params: TopicParams } }, async (request, reply) =>
    reply.code(202).send(await deps.reader.sendPoison(request.params.topic)));
  app.get<{ Params: Static<typeof TopicParams> }>("/api/dlq/:topic", { schema: { params: TopicParams } }, async (request) => {
    const letters = await waitingDeadLetters(deps.kafka, request.params.topic);
    return { topic: request.params.topic, letters: letters.map(({ partition, offset, key, headers }) => ({ partition, offset, key: key?.toString() ?? null, headers })) };
  });
  app.post<{ Params: Static<typeof TopicParams> }>("/api/dlq/:topic/redrive", { schema: { params: TopicParams } }, async (request) =>
    ({ topic: request.params.topic, redriven: await redrive(deps.kafka, request.params.topic) }));

  app.get("/api/mails", () => ({ mails: deps.mails.list() }));
  app.post<{ Body: Static<typeof MailBody> }>("/api/mails", { schema: { body: MailBody } }, (request, reply) => {
    deps.mails.add({ at: new Date().toISOString(), to: request.body.to, subject: request.body.subject, orderId: request.body.orderId ?? null });
    deps.live.send("mail", {});
    return reply.code(202).send({});
  });
  app.get("/api/kpis", () => kpis(urls));
  app.get("/api/config", () => ({ topics: topicNames, paths, jaeger: deps.jaegerUrl ?? null, supervisor: supervisor.url() }));
  return app;
}
