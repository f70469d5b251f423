// The warehouse service: books the shipment of a paid order with a simulated carrier, or
// reports that it cannot ship there.
// Reading order: main.ts (wiring) → http.ts (API) → events.ts (what each event does) →
// shipments.ts (the business) → carrier.ts (the simulated carrier) → db.ts (SQL) → migrations/.
// The start-up and shutdown every service shares are runService's (packages/service-kit/src/run-service.ts).
import { localKek } from "@shop/messaging";
import { followPersonalData, runService } from "@shop/service-kit";
import { loadConfig } from "./config";
import { eventHandler } from "./events";
import { buildHttp } from "./http";

runService({
  service: "warehouse",
  loadConfig,
  async compose({ config, kafka, logger, pool, readiness, registryCodec, startOutbox, onStop }) {
    // The customers' address keys (the address category only, decision 014): a booking opens the address.
    const keks = { address: localKek("address", config.PERSONAL_DATA_KEK_ADDRESS) };
    const { keyring, codec } = await followPersonalData({ service: "warehouse", kafka, logger, registryCodec, keks, onStop });
    const outbox = startOutbox(codec);
    return {
      codec,
      handleBatch: eventHandler({ outbox, logger, keyring }),
      http: buildHttp({ logger, pool, readiness }),
    };
  },
});
