// The inventory service: owns the stock. Publishes the catalogue, reserves stock for each order
// all-or-nothing, and releases (compensation) or commits (sale) the reservation as the saga ends.
// Reading order: main.ts (wiring) → http.ts (API) → events.ts (what each event does) →
// stock.ts (the business) → stock-book.ts (the rules, in memory) → db.ts (SQL) → migrations/.
// The start-up and shutdown every service shares are runService's (packages/service-kit/src/run-service.ts).
import { runService } from "@shop/service-kit";
import { loadConfig } from "./config";
import { eventHandler } from "./events";
import { buildHttp } from "./http";
import { readCatalog, seedCatalog } from "./stock";

runService({
  service: "inventory",
  loadConfig,
  async compose({ config, logger, pool, readiness, registryCodec, startOutbox }) {
    const catalogue = readCatalog(config.CATALOG_FILE); // a bad file stops the start before anything is listed
    const outbox = startOutbox(registryCodec);
    const listed = await seedCatalog(pool, outbox, catalogue);
    if (listed > 0) logger.info({ products: listed, file: config.CATALOG_FILE }, "catalogue seeded and listed");
    return {
      codec: registryCodec,
      handleBatch: eventHandler({ outbox, logger }),
      http: buildHttp({ logger, pool, readiness }),
    };
  },
});
