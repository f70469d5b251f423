// The analytics service: a read model (CQRS) of every topic, built only from events, that
// answers GET /kpis; it publishes nothing. `pnpm --filter @shop/analytics rebuild-read-model` replays it.
// Reading order: main.ts (wiring) → events.ts (a batch of events) → read-model-batch.ts (what a
// batch says, folded in memory) → db.ts (SQL) → migrations/ → kpis.ts (the KPIs) → http.ts (API)
// → rebuild.ts (the rebuild command).
import { telemetry } from "./telemetry"; // first: with an exporter set, it instruments http and pg as they load
import { Pool } from "pg";
import { createLogger, exitOnStartupError, kafkaOf, onShutdown, schemaRegistryOf, startMetrics } from "@shop/observability";
import { lookupSchemaIds, topicOwners } from "@shop/contracts";
import { kafkaReachable, migrate, schemaRegistryCodec } from "@shop/messaging";
import { loadConfig } from "./config";
import { consumeEvents, consumedTopics } from "./events";
import { buildHttp } from "./http";
import { migrations } from "./db";
import { holdInstanceLock } from "./rebuild";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("analytics", config.LOG_LEVEL);
  startMetrics("analytics");
  const kafka = kafkaOf("analytics", config); // its own principal; host:port names this instance in its consumer group

  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 10 });
  await migrate(pool, migrations); // the read model, and processed_events for the inbox (no outbox: nothing to publish)
  const instanceLock = await holdInstanceLock(config.DATABASE_URL, logger); // the rebuild command refuses while it is held
  const registry = schemaRegistryOf(config); // read-only: infra registered the schemas, the service looks up their ids
  const codec = schemaRegistryCodec({ ...registry, schemaIds: await lookupSchemaIds(registry) });

  const consumer = await consumeEvents({ kafka, pool, codec, logger, topics: consumedTopics, topicOwners });

  const app = buildHttp({
    logger, pool,
    readiness: { database: () => pool.query("SELECT 1"), kafka: () => kafkaReachable(kafka) },
  });
  await app.listen({ port: config.PORT, host: config.HOST });

  onShutdown(logger, [
    () => app.close(), // stop taking requests
    () => consumer.stop(), // finish the batch in flight, commit its offsets
    () => instanceLock.release(),
    () => pool.end(),
    () => telemetry.shutdown(),
  ]);
}

main().catch(exitOnStartupError);
