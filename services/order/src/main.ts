// The order service: takes orders over HTTP and owns the saga's state, moving each order from
// PENDING to CONFIRMED or CANCELLED as the other services' facts arrive.
// Reading order: main.ts (wiring) → http.ts (API) → events.ts (what each event does) →
// placement-queue.ts → orders.ts (the business) → order-saga.ts (the state table) →
// load-shedding.ts → db.ts (SQL) → migrations/.
// The start-up and shutdown every service shares are runService's (packages/service-kit/src/run-service.ts).
import { personalFields } from "@shop/contracts";
import { localKek, personalDataCodec } from "@shop/messaging";
import { runService } from "@shop/service-kit";
import { loadConfig } from "./config";
import { eventHandler } from "./events";
import { buildHttp } from "./http";
import { idleRefreshEveryMs, loadShedder, refreshEveryMs } from "./load-shedding";
import { cancelOverdue, type OrdersDeps } from "./orders";

runService({
  service: "order",
  loadConfig,
  async compose({ config, logger, pool, readiness, registryCodec, startOutbox, onStop }) {
    // Refuses to encode a personal field left in clear (decision 014); order seals them itself (customer-keys.ts).
    const codec = personalDataCodec(registryCodec, { fields: personalFields() });
    const outbox = startOutbox(codec);
    const keks = { contact: localKek("contact", config.PERSONAL_DATA_KEK_CONTACT), address: localKek("address", config.PERSONAL_DATA_KEK_ADDRESS) };
    const orders: OrdersDeps = { pool, outbox, keks, sagaTimeoutMs: config.SAGA_TIMEOUT_MS };

    // Load shedding: POST /orders refuses new orders while a new order would wait MAX_SAGA_WAIT_MS
    // for the sagas ahead of it, or MAX_SAGAS_IN_FLIGHT sagas are in flight.
    const shedder = loadShedder(pool, { maxSagaWaitMs: config.MAX_SAGA_WAIT_MS, maxSagasInFlight: config.MAX_SAGAS_IN_FLIGHT });
    await shedder.refresh(); // know the load before the first request
    let lastReadAt = Date.now();
    const loadWatch = setInterval(() => {
      // Every 200 ms while sagas are in flight; every 5 s while the shop is idle.
      if (shedder.idle() && Date.now() - lastReadAt < idleRefreshEveryMs) return;
      lastReadAt = Date.now();
      shedder.refresh().catch((error: unknown) => logger.warn({ err: error }, "counting sagas in flight failed; next try soon"));
    }, refreshEveryMs);
    // The saga deadline: an order still in flight SAGA_TIMEOUT_MS after it was placed is cancelled.
    // Nothing in flight (the shedder's reading), nothing to cancel: an idle shop runs no query.
    const deadlineWatch = setInterval(() => {
      if (shedder.idle()) return;
      cancelOverdue(orders).catch((error: unknown) => logger.warn({ err: error }, "deadline check failed; next try soon"));
    }, config.DEADLINE_CHECK_MS);
    onStop(async () => { clearInterval(deadlineWatch); clearInterval(loadWatch); }); // stop the timers

    return {
      codec,
      handleBatch: eventHandler({ outbox, logger }),
      http: buildHttp({ logger, orders, pool, shedder, readiness }),
    };
  },
});
