// The order service. Takes orders over HTTP and owns the saga's state: it moves each order from PENDING to CONFIRMED or CANCELLED as the other services' facts arrive.
// Reading order: main.ts (wiring) → config.ts (environment) → http.ts (routes).
import { createLogger, exitOnStartupError, onShutdown } from "@shop/observability";
import { loadConfig } from "./config";
import { buildHttp } from "./http";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("order", config.LOG_LEVEL);
  const app = buildHttp({ logger });
  await app.listen({ port: config.PORT, host: config.HOST });
  onShutdown(logger, [() => app.close()]);
}

main().catch(exitOnStartupError);
