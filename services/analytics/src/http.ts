import { createApp, type ServiceHttpDeps } from "@shop/service-kit";
import { getKpis } from "./kpis";

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: ServiceHttpDeps) {
  const app = createApp(deps);

  app.get("/kpis", () => getKpis(deps.pool));

  return app;
}
