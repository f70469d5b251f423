import { Type, type Static } from "@sinclair/typebox";
import { commonConfig, infrastructureConfig, readConfig } from "@shop/observability";

const configSchema = Type.Object({
  ...commonConfig(3001),
  ...infrastructureConfig(),
  SAGA_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 30_000, description: "an order still in flight this long after it was placed is cancelled (reason timeout)" }),
  DEADLINE_CHECK_MS: Type.Integer({ minimum: 10, default: 1_000, description: "how often overdue orders are looked for" }),
});

export type Config = Static<typeof configSchema>;

/** Reads and validates the environment once; throws a ConfigError listing every bad variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => readConfig(configSchema, env);
