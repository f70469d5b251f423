import { Type, type Static } from "@sinclair/typebox";
import { commonConfig, infrastructureConfig, readConfig } from "@shop/observability";

const configSchema = Type.Object({
  ...commonConfig(3006),
  ...infrastructureConfig(),
});

export type Config = Static<typeof configSchema>;

/** Reads and validates the environment once; throws a ConfigError listing every bad variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => readConfig(configSchema, env);

/** The rebuild command needs the database only (src/rebuild.ts). */
const rebuildSchema = Type.Object({
  LOG_LEVEL: commonConfig(3006).LOG_LEVEL,
  DATABASE_URL: infrastructureConfig().DATABASE_URL,
});

export const loadRebuildConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Static<typeof rebuildSchema>> =>
  readConfig(rebuildSchema, env);
