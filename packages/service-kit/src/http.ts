/**
 * What every service's HTTP API has besides its own routes: strict validation (no coercion, no
 * unknown fields, only text PostgreSQL can store), health, metrics, one error handler that
 * answers bad input with 400 naming the field, an unreachable database with 503 and Retry-After,
 * and hides internals behind 500, each handler run
 * in its request's trace, and Fastify's per-request log lines kept at debug.
 */
import { STATUS_CODES } from "node:http";
import Fastify, {
  LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest,
  type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault,
} from "fastify";
import { randomBytes } from "node:crypto";
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags, type Context } from "@opentelemetry/api";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Pool } from "pg";
import { metricsResponse, type Logger } from "@shop/observability";
import { isDatabaseUnavailable } from "./database-unavailable";

/** A readiness check resolves when the dependency answers, and throws (or times out) when not. */
export type ReadinessCheck = () => Promise<unknown>;

const checkTimeoutMs = 2000;

/** What a client waits before it sends a request again that failed because the database was unavailable: a restart takes seconds. */
export const databaseRetryAfterSeconds = 2;

export interface AppOptions {
  logger: Logger;
  /** What /health/ready checks, e.g. { database: () => pool.query("SELECT 1") }. */
  readiness?: Record<string, ReadinessCheck>;
  /**
   * The status of the service's own client errors (e.g. 400 for an unknown SKU), answered with
   * their message; undefined for any other error, which is a 500.
   */
  clientErrorStatus?: (error: Error) => number | undefined;
}

/** What a service's buildHttp takes at the least: the app's options and the service's database. */
export interface ServiceHttpDeps extends AppOptions {
  pool: Pool;
}

/**
 * Ajv as Fastify sets it up, made strict. Fastify's defaults coerce types ("1" passes as an
 * integer, 42 as a string) and silently remove properties a schema does not list; here a wrong
 * type and an unknown field are 400s naming them, so the schema says exactly what is accepted.
 * Route params and query strings arrive as strings, which their string schemas accept as they are.
 */
const strictValidation = {
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: true, // as Fastify's default
  allErrors: false, // as Fastify's default: stop at the first error (collecting every error of a crafted body is a DoS vector)
} as const;

/**
 * A Fastify app with the service's logger, the error handler, health and metrics; the service adds its routes.
 * Its routes' request types come from their TypeBox schemas (the type provider): a route states
 * `{ schema: { params: OrderParams } }` and `request.params` has that type, stated nowhere else.
 */
export function createApp({ logger, readiness = {}, clientErrorStatus }: AppOptions): App {
  // pino's Logger is what Fastify logs with; the cast keeps Fastify's default generic types for the app.
  // Health checks and scrapes are never logged: they come every few seconds and say nothing.
  const logController = new RequestLogsAtDebug({ disableRequestLogging: (request) => /^\/(health|metrics)/.test(request.url) });
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, logController, ajv: { customOptions: strictValidation } });
  continueEachRequestsTrace(app);
  refuseTextPostgresCannotStore(app);
  setErrorHandler(app, clientErrorStatus);
  addOperationalRoutes(app, readiness);
  return app.withTypeProvider<TypeBoxTypeProvider>(); // types only: validation stays Ajv's, made strict above
}

/** What createApp returns: a Fastify instance whose routes take their request types from their TypeBox schemas. */
export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

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
 * A string PostgreSQL cannot store is a 400 naming its field: text columns refuse NUL (\u0000),
 * jsonb refuses the escape "\u0000" and a lone UTF-16 surrogate (half of a character, e.g.
 * "\ud800"), and either would otherwise surface as a 500 from the database. Headers are checked
 * first, before the route's own onRequest hooks read them (order's load shedder looks up the
 * Idempotency-Key); body, params and query after the schema, so the field is one the route knows.
 */
function refuseTextPostgresCannotStore(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    const field = firstUnstorableString(request.headers, "headers");
    if (field) throw new UnstorableTextError(`${field} must not contain NUL (\\u0000) or a lone UTF-16 surrogate`);
  });
  app.addHook("preHandler", async (request) => {
    const field = firstUnstorableString(request.body, "body") ?? firstUnstorableString(request.params, "params")
      ?? firstUnstorableString(request.query, "querystring");
    if (field) throw new UnstorableTextError(`${field} must not contain NUL (\\u0000) or a lone UTF-16 surrogate`);
  });
}

class UnstorableTextError extends Error {}

/** NUL, or a lone surrogate: with the u flag a pair is one character, so \p{Surrogate} matches only halves on their own. */
const unstorableCharacter = /[\u0000\p{Surrogate}]/u;

/** The path of the first string in `value` (searched in depth) with NUL or a lone surrogate, as Fastify names fields: "body/items/0/sku". */
function firstUnstorableString(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return unstorableCharacter.test(value) ? path : undefined;
  if (value !== null && typeof value === "object") {
    // An array's entries are its indexes and items: "body/items/0".
    for (const [key, item] of Object.entries(value)) {
      const found = firstUnstorableString(item, `${path}/${key}`);
      if (found) return found;
    }
  }
  return undefined;
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
 * One error handler: schema violations and text PostgreSQL cannot store become 400 with a
 * message that names the field; the service's own client errors get the status
 * `clientErrorStatus` gives them (400, 422), with their message; a database that cannot be
 * reached (restarting, connections cut) is a 503 with Retry-After: nothing was done, try again
 * (each route writes in one transaction, so a failed request leaves nothing half-written);
 * anything else is a 500 that says nothing internal, and is logged in full.
 */
function setErrorHandler(app: FastifyInstance, clientErrorStatus: (error: Error) => number | undefined = () => undefined): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) return reply.code(400).send({ error: "Bad Request", message: validationMessage(error) });
    if (error instanceof UnstorableTextError) return reply.code(400).send({ error: "Bad Request", message: error.message });
    const status = clientErrorStatus(error);
    if (status) return reply.code(status).send({ error: STATUS_CODES[status], message: error.message });
    if (error.statusCode && error.statusCode < 500) {
      // Fastify's own: a body that is not JSON, too large, of an unsupported media type.
      return reply.code(error.statusCode).send({ error: STATUS_CODES[error.statusCode], message: error.message });
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, "request refused: the database is unavailable");
      return reply.code(503).header("retry-after", String(databaseRetryAfterSeconds)).send({
        error: "Service Unavailable",
        message: `The service cannot reach its database right now (it may be restarting); the request was not carried out. Send it again in ${databaseRetryAfterSeconds} s.`,
      });
    }
    request.log.error({ err: error }, "request failed");
    return reply.code(500).send({ error: "Internal Server Error", message: "Something went wrong; the error is in the service's log." });
  });
}

/**
 * Fastify's message names the field: "body/items/0/quantity must be >= 1". For an unknown field
 * it names only the object ("body must NOT have additional properties"), so that one is told here.
 */
function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (first?.keyword === "additionalProperties") {
    return `${error.validationContext}${first.instancePath}/${String(first.params.additionalProperty)} is not a known field`;
  }
  return error.message;
}
