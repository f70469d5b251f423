// The payment service. Charges orders through a simulated payment provider, and refunds them when a later step fails.
// Reading order: main.ts (wiring) → config.ts (environment) → http.ts (routes).
import { createLogger, exitOnStartupError, onShutdown } from "@shop/observability";
import { loadConfig } from "./config";
import { buildHttp } from "./http";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("payment", config.LOG_LEVEL);
  const app = buildHttp({ logger });
  await app.listen({ port: config.PORT, host: config.HOST });
  onShutdown(logger, [() => app.close()]);
}

main().catch(exitOnStartupError);
