/**
 * What every service's HTTP API has besides its own routes: health, metrics, one error handler
 * that answers bad input with 400 naming the field and hides internals behind 500, each handler
 * run in its request's trace, and Fastify's per-request log lines kept at debug.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { randomBytes } from "node:crypto";
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags, type Context } from "@opentelemetry/api";
import type { Logger } from "pino";
import { metricsResponse } from "./metrics";

/** A readiness check resolves when the dependency answers, and throws (or times out) when not. */
export type ReadinessCheck = () => Promise<unknown>;

const checkTimeoutMs = 2000;

export interface AppOptions {
  logger: Logger;
  /** What /health/ready checks, e.g. { database: () => pool.query("SELECT 1") }. */
  readiness?: Record<string, ReadinessCheck>;
  /** The service's own client errors (e.g. an unknown SKU): answered with 400 and their message. */
  isClientError?: (error: Error) => boolean;
}

/** A Fastify app with the service's logger, the error handler, health and metrics; the service adds its routes. */
export function createApp({ logger, readiness = {}, isClientError }: AppOptions): FastifyInstance {
  // pino's Logger is what Fastify logs with; the cast keeps Fastify's default generic types for the app.
  // Health checks and scrapes are never logged: they come every few seconds and say nothing.
  const logController = new RequestLogsAtDebug({ disableRequestLogging: (request) => /^\/(health|metrics)/.test(request.url) });
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, logController });
  continueEachRequestsTrace(app);
  setErrorHandler(app, isClientError);
  addOperationalRoutes(app, readiness);
  return app;
}

/**
 * Runs each handler in its request's trace, so the handler's log lines carry traceId and the
 * events it writes carry traceparent. Entered just before the handler rather than when the
 * request arrives: that spares binding the request's and response's event listeners to the
 * context, which cost more than the rest of tracing (docs/decisions/010-tracing-cost.md).
 */
function continueEachRequestsTrace(app: FastifyInstance): void {
  app.addHook("preHandler", (request, _reply, done) => {
    if (trace.getSpan(context.active())) return done(); // the HTTP instrumentation's (telemetry.ts, exporting)
    context.with(traceContextOf(request), done);
  });
}

const traceContexts = new WeakMap<FastifyRequest, Context>();

/**
 * The request's trace context, the same for the handler and Fastify's request lines: the HTTP
 * instrumentation's when it runs; otherwise the client's traceparent continued, or a new trace id,
 * in a span that carries the ids and records nothing.
 */
function traceContextOf(request: FastifyRequest): Context {
  let found = traceContexts.get(request);
  if (!found) {
    if (trace.getSpan(context.active())) {
      found = context.active();
    } else {
      const parent = propagation.extract(ROOT_CONTEXT, request.headers);
      const traceId = trace.getSpanContext(parent)?.traceId ?? randomBytes(16).toString("hex");
      found = trace.setSpan(parent, trace.wrapSpanContext({ traceId, spanId: randomBytes(8).toString("hex"), traceFlags: TraceFlags.NONE }));
    }
    traceContexts.set(request, found);
  }
  return found;
}

/**
 * Fastify's per-request lines ("incoming request", "request completed", "Route ... not found") at
 * debug rather than info: at the default level a request formats and writes no line. Failures
 * keep their levels (a request that errored, and the error handler's "request failed", log errors).
 * The lines carry the request's traceId, like the handler's.
 */
class RequestLogsAtDebug extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.logs(request)) context.with(traceContextOf(request), () => request.log.debug({ req: request }, "incoming request"));
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error && !this.isLogDisabled(request)) {
      context.with(traceContextOf(request), () => reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, "request errored"));
    } else if (this.logs(request)) {
      context.with(traceContextOf(request), () => reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, "request completed"));
    }
  }

  override routeNotFound(request: FastifyRequest): void {
    if (this.logs(request)) request.log.debug(`Route ${request.method}:${request.url} not found`);
  }

  /** Whether a debug line of this request is written; checked first, so nothing is prepared for a line that is not. */
  private logs(request: FastifyRequest): boolean {
    return (request.log as Logger).isLevelEnabled("debug") && !this.isLogDisabled(request);
  }
}

function addOperationalRoutes(app: FastifyInstance, checks: Record<string, ReadinessCheck>): void {
  app.get("/health/live", async () => ({ status: "ok" }));

  app.get("/health/ready", async (_request, reply) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer in ${checkTimeoutMs} ms`)), checkTimeoutMs).unref()),
          ]);
          return [name, "ok"] as const;
        } catch (error) {
          return [name, (error as Error).message] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result === "ok");
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks: Object.fromEntries(results) });
  });

  app.get("/metrics", async (_request, reply) => {
    const { contentType, body } = await metricsResponse();
    return reply.type(contentType).send(body);
  });
}

/**
 * One error handler: schema violations and the service's own client errors (`clientError`
 * returns true for them) become 400 with a message that names the field; anything else is a
 * 500 that says nothing internal, and is logged in full.
 */
function setErrorHandler(app: FastifyInstance, clientError: (error: Error) => boolean = () => false): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      // Fastify's message names the field: "body/items/0/quantity must be >= 1".
      return reply.code(400).send({ error: "Bad Request", message: error.message });
    }
    if (clientError(error)) return reply.code(400).send({ error: "Bad Request", message: error.message });
    if (error.statusCode && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: error.name, message: error.message });
    }
    request.log.error({ err: error }, "request failed");
    return reply.code(500).send({ error: "Internal Server Error", message: "Something went wrong; the error is in the service's log." });
  });
}
