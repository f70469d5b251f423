import { Type, type Static } from "@sinclair/typebox";
import type { Pool } from "pg";
import { createApp, type Logger, type ReadinessCheck } from "@shop/observability";
import { listEmails } from "./emails";

const EmailsQuery = Type.Object({ orderId: Type.String({ format: "uuid", maxLength: 36 }) }, { additionalProperties: false });

export interface HttpDeps {
  logger: Logger;
  pool: Pool;
  readiness: Record<string, ReadinessCheck>;
}

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: HttpDeps) {
  const app = createApp({ logger: deps.logger, readiness: deps.readiness });

  // A query, not a resource: an order with no mail yet is an empty list, not a 404.
  app.get<{ Querystring: Static<typeof EmailsQuery> }>("/emails", { schema: { querystring: EmailsQuery } },
    async (request) => listEmails(deps.pool, request.query.orderId));

  return app;
}
