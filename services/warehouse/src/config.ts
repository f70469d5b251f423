import { Type, type Static } from "@sinclair/typebox";
import { commonConfig, infrastructureConfig, personalDataKekConfig, readConfig } from "@shop/observability";

const configSchema = Type.Object({
  ...commonConfig(3005),
  ...infrastructureConfig(),
  ...personalDataKekConfig("address"), // shipping addresses only (decision 014)
});

export type Config = Static<typeof configSchema>;

/** Reads and validates the environment once; throws a ConfigError listing every bad variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => readConfig(configSchema, env);
