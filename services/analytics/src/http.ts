import type { Pool } from "pg";
import { createApp, type Logger, type ReadinessCheck } from "@shop/observability";
import { getKpis } from "./kpis";

export interface HttpDeps {
  logger: Logger;
  pool: Pool;
  readiness: Record<string, ReadinessCheck>;
}

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: HttpDeps) {
  const app = createApp({ logger: deps.logger, readiness: deps.readiness });

  app.get("/kpis", () => getKpis(deps.pool));

  return app;
}
