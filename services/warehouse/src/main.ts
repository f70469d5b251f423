// The warehouse service: books the shipment of a paid order with a simulated carrier, or
// reports that it cannot ship there.
// Reading order: main.ts (wiring) → http.ts (API) → events.ts (what each event does) →
// shipments.ts (the business) → carrier.ts (the simulated carrier) → db.ts (SQL) → migrations/.
// The start-up and shutdown every service shares are runService's (packages/service-kit/src/run-service.ts).
import { personalFields, topicOwners, topics } from "@shop/contracts";
import { createKeyring, followKeyTopic, localKek, personalDataCodec } from "@shop/messaging";
import { runService } from "@shop/service-kit";
import { loadConfig } from "./config";
import { eventHandler } from "./events";
import { buildHttp } from "./http";

runService({
  service: "warehouse",
  loadConfig,
  async compose({ config, kafka, logger, pool, readiness, registryCodec, startOutbox, onStop }) {
    // The customers' address keys, read from datakeys before consuming (decision 014); events keep
    // the address sealed, a booking opens it.
    const keyring = createKeyring({ address: localKek("address", config.PERSONAL_DATA_KEK_ADDRESS) });
    const keys = await followKeyTopic({ kafka, service: "warehouse", topic: topics.datakeys, producer: topicOwners.datakeys, codec: registryCodec, keyring });
    onStop(() => keys.stop());
    const codec = personalDataCodec(registryCodec, { fields: personalFields(), keyring });
    const outbox = startOutbox(codec);
    return {
      codec,
      handleBatch: eventHandler({ outbox, logger, keyring }),
      http: buildHttp({ logger, pool, readiness }),
    };
  },
});
