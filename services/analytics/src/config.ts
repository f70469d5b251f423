import { Type } from "@sinclair/typebox";
import { commonConfig, infrastructureConfig, readConfig, serviceConfig } from "@shop/service-kit";

export const { load: loadConfig } = serviceConfig(3006);

/** The rebuild command needs the database only (src/rebuild.ts). */
const rebuildSchema = Type.Object({
  LOG_LEVEL: commonConfig(3006).LOG_LEVEL,
  DATABASE_URL: infrastructureConfig().DATABASE_URL,
});

export const loadRebuildConfig = (env: NodeJS.ProcessEnv = process.env) => readConfig(rebuildSchema, env);
