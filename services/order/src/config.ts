import { Type } from "@sinclair/typebox";
import { personalDataKekConfig, serviceConfig } from "@shop/service-kit";

export const { load: loadConfig } = serviceConfig(3001, {
  // Order issues every customer data key, so it holds every category's KEK (decision 014).
  ...personalDataKekConfig("contact"),
  ...personalDataKekConfig("address"),
  SAGA_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 30_000, description: "an order still in flight this long after it was placed is cancelled (reason timeout)" }),
  DEADLINE_CHECK_MS: Type.Integer({ minimum: 10, default: 1_000, description: "how often overdue orders are looked for" }),
  // 10 s, a third of SAGA_TIMEOUT_MS: what the door lets in finishes well before its deadline,
  // whatever this machine's capacity. See load-shedding.ts and docs/decisions/009-shed-load-at-the-door.md.
  MAX_SAGA_WAIT_MS: Type.Integer({ minimum: 0, default: 10_000, description: "POST /orders answers 503 while a new order would wait this long (ms) for the sagas in flight at the rate they finish, or the oldest has waited this long; keep it well below SAGA_TIMEOUT_MS; 0 = no limit" }),
  // A hard cap on top, whatever the rate.
  MAX_SAGAS_IN_FLIGHT: Type.Integer({ minimum: 0, default: 500, description: "POST /orders answers 503 while this many orders are in flight (all instances together); 0 = no limit" }),
});
