import Fastify from "fastify";
import type { Logger } from "@shop/observability";

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: { logger: Logger }) {
  const app = Fastify({ loggerInstance: deps.logger });
  app.get("/health/live", async () => ({ status: "ok" }));
  return app;
}
