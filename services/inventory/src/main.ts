// The inventory service. Owns the stock: publishes the catalogue, reserves stock for orders all-or-nothing, releases or commits reservations.
// Reading order: main.ts (wiring) → config.ts (environment) → http.ts (routes).
import { createLogger, exitOnStartupError, onShutdown } from "@shop/observability";
import { loadConfig } from "./config";
import { buildHttp } from "./http";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("inventory", config.LOG_LEVEL);
  const app = buildHttp({ logger });
  await app.listen({ port: config.PORT, host: config.HOST });
  onShutdown(logger, [() => app.close()]);
}

main().catch(exitOnStartupError);
