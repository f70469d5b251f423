import path from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { commonConfig, infrastructureConfig, readConfig } from "@shop/observability";

const configSchema = Type.Object({
  ...commonConfig(3002),
  ...infrastructureConfig(),
  CATALOG_FILE: Type.String({
    minLength: 1,
    default: path.join(__dirname, "..", "catalog.json"),
    description: "the products (sku, name, price in cents, quantity) seeded into an empty database",
  }),
});

export type Config = Static<typeof configSchema>;

/** Reads and validates the environment once; throws a ConfigError listing every bad variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => readConfig(configSchema, env);
