import { Type, type Static } from "@sinclair/typebox";
import { commonConfig, infrastructureConfig, readConfig } from "@shop/observability";

const configSchema = Type.Object({
  ...commonConfig(3001),
  ...infrastructureConfig(),
  SAGA_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 30_000, description: "an order still in flight this long after it was placed is cancelled (reason timeout)" }),
  DEADLINE_CHECK_MS: Type.Integer({ minimum: 10, default: 1_000, description: "how often overdue orders are looked for" }),
  // 500: at the capacity pnpm bench:saga measured (~50 checkouts/s) a full shop finishes what it
  // took in 500 / 50 = 10 s (Little's law), a third of SAGA_TIMEOUT_MS; a normal load (100/s, p99
  // 250 ms) keeps ~25 in flight, far below. See load-shedding.ts and docs/decisions/009-shed-load-at-the-door.md.
  MAX_SAGAS_IN_FLIGHT: Type.Integer({ minimum: 0, default: 500, description: "POST /orders answers 503 while this many orders are in flight (all instances together); 0 = no limit" }),
});

export type Config = Static<typeof configSchema>;

/** Reads and validates the environment once; throws a ConfigError listing every bad variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => readConfig(configSchema, env);
