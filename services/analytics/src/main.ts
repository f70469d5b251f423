// The analytics service. A read model of every topic: counts by status and reason, revenue and saga durations.
// Reading order: main.ts (wiring) → config.ts (environment) → http.ts (routes).
import { createLogger, exitOnStartupError, onShutdown } from "@shop/observability";
import { loadConfig } from "./config";
import { buildHttp } from "./http";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("analytics", config.LOG_LEVEL);
  const app = buildHttp({ logger });
  await app.listen({ port: config.PORT, host: config.HOST });
  onShutdown(logger, [() => app.close()]);
}

main().catch(exitOnStartupError);
