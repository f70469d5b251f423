// The analytics service: a read model (CQRS) of every topic, built only from events, that
// answers GET /kpis; it publishes nothing. `pnpm --filter @shop/analytics rebuild-read-model` replays it.
// Reading order: main.ts (wiring) → http.ts (API) → events.ts (a batch of events) →
// read-model-batch.ts (what a batch says, folded in memory) → kpis.ts (the KPIs) → db.ts (SQL) →
// migrations/ → rebuild.ts (the rebuild command).
// The start-up and shutdown every service shares are runService's (packages/service-kit/src/run-service.ts).
import { runService } from "@shop/service-kit";
import { loadConfig } from "./config";
import { eventHandler, readModelGroup } from "./events";
import { buildHttp } from "./http";
import { holdInstanceLock } from "./rebuild";

runService({
  service: "analytics",
  loadConfig,
  async compose({ config, logger, pool, readiness, registryCodec, onStop }) {
    const instanceLock = await holdInstanceLock(config.DATABASE_URL, logger); // the rebuild command refuses while it is held
    onStop(() => instanceLock.release());
    const groupId = await readModelGroup(pool); // named after the read model's build: a rebuild starts a new group
    logger.info({ groupId }, "consuming into the read model");
    // No outbox: analytics publishes nothing (its database has the table, from messaging's migrations, unused).
    return { codec: registryCodec, groupId, handleBatch: eventHandler(), http: buildHttp({ logger, pool, readiness }) };
  },
});
