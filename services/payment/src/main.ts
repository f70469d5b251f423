// The payment service: charges an order through a simulated provider once its stock is
// reserved, and refunds it when shipping fails or the order is cancelled.
// Reading order: main.ts (wiring) → http.ts (API) → events.ts (what each event does) →
// payments.ts (the business) → provider.ts (the simulated provider) → db.ts (SQL) → migrations/.
// The start-up and shutdown every service shares are runService's (packages/service-kit/src/run-service.ts).
import { runService } from "@shop/service-kit";
import { loadConfig } from "./config";
import { eventHandler } from "./events";
import { buildHttp } from "./http";

runService({
  service: "payment",
  loadConfig,
  async compose({ logger, pool, readiness, registryCodec, startOutbox }) {
    const outbox = startOutbox(registryCodec);
    return {
      codec: registryCodec,
      handleBatch: eventHandler({ outbox, logger }),
      http: buildHttp({ logger, pool, readiness }),
    };
  },
});
