import { createApp, type Logger } from "@shop/observability";

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: { logger: Logger }) {
  return createApp({ logger: deps.logger });
}
