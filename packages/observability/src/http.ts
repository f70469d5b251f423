/**
 * What every service's HTTP API has besides its own routes: health, metrics, one error handler
 * that answers bad input with 400 naming the field and hides internals behind 500, and Fastify's
 * per-request log lines kept at debug.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
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
  setErrorHandler(app, isClientError);
  addOperationalRoutes(app, readiness);
  return app;
}

/**
 * Fastify's per-request lines ("incoming request", "request completed", "Route ... not found") at
 * debug rather than info: at the default level a request formats and writes no line. Failures
 * keep their levels (a request that errored, and the error handler's "request failed", log errors).
 */
class RequestLogsAtDebug extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, "incoming request");
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, "request errored");
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, "request completed");
  }

  override routeNotFound(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.debug(`Route ${request.method}:${request.url} not found`);
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
