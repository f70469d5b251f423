import type { Pool } from "pg";
import { createApp, type AppOptions } from "@shop/service-kit";
import { getKpis } from "./kpis";

export interface HttpDeps extends AppOptions {
  pool: Pool;
}

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: HttpDeps) {
  const app = createApp(deps);

  app.get("/kpis", () => getKpis(deps.pool));

  return app;
}
