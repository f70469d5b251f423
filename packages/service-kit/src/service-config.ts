import os from "node:os";
import { Type, type Static, type TObject, type TProperties } from "@sinclair/typebox";
import { readConfig } from "./config";

/** Variables every service reads, with the same names everywhere (see .env.example). */
export function commonConfig(defaultPort: number) {
  return {
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort, description: "HTTP port; 0 picks a free one" }),
    HOST: Type.String({ default: "127.0.0.1", description: "HTTP interface; 0.0.0.0 in containers" }),
    LOG_LEVEL: Type.Union(
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((level) => Type.Literal(level)),
      { default: "info", description: "one of fatal, error, warn, info, debug, trace, silent" },
    ),
  };
}

/** Where a service finds its database, Kafka and the schema registry. */
export function infrastructureConfig() {
  return {
    DATABASE_URL: Type.String({ pattern: "^postgres(ql)?://", description: "the service's own PostgreSQL database, postgres://user@host:port/name" }),
    KAFKA_BROKERS: Type.String({ pattern: "^[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*$", description: "comma-separated host:port list" }),
    KAFKA_USERNAME: Type.String({ minLength: 1, description: "the service's own Kafka principal (SASL/SCRAM), e.g. payment" }),
    KAFKA_PASSWORD: Type.String({ minLength: 1, description: "that principal's password (pnpm start generates one per environment)" }),
    SCHEMA_REGISTRY_URL: Type.String({ pattern: "^https?://", description: "Confluent-compatible API root, e.g. http://127.0.0.1:8080/apis/ccompat/v7" }),
    // Services only read the registry (docs/decisions/012-schema-registry-credentials.md).
    SCHEMA_REGISTRY_USERNAME: Type.String({ minLength: 1, description: "the registry user the service reads as: reader, read-only" }),
    SCHEMA_REGISTRY_PASSWORD: Type.String({ minLength: 1, description: "the registry password of SCHEMA_REGISTRY_USERNAME (pnpm start: .cache/infra/dev/registry-credentials.json; compose: .env)" }),
  };
}

/**
 * The key-encryption key of a category of personal data (docs/decisions/014): only services
 * allowed to read or issue that category are given it.
 */
export function personalDataKekConfig(category: "contact" | "address") {
  return {
    [`PERSONAL_DATA_KEK_${category.toUpperCase()}`]: Type.String({
      pattern: "^[0-9a-fA-F]{64}$",
      description: `the ${category} key-encryption key, 64 hex digits (pnpm start: .cache/infra/dev/infra.env; compose: .env via pnpm compose:secrets)`,
    }),
  } as Record<`PERSONAL_DATA_KEK_${Uppercase<typeof category>}`, ReturnType<typeof Type.String>>;
}

/** The registry's address and the service's read-only credential, as @shop/contracts and the codec take them. */
export function schemaRegistryOf(config: { SCHEMA_REGISTRY_URL: string; SCHEMA_REGISTRY_USERNAME: string; SCHEMA_REGISTRY_PASSWORD: string }) {
  return { url: config.SCHEMA_REGISTRY_URL, auth: { username: config.SCHEMA_REGISTRY_USERNAME, password: config.SCHEMA_REGISTRY_PASSWORD } };
}

/**
 * How a service connects to Kafka: its name as client id, its own principal, and its instance's
 * stable name in its consumer group. host:port names one running instance (two instances on one
 * machine have two ports; containers have their own host names), and stays the same when the
 * instance is restarted in its place, which then takes its partitions back at once (decision 016).
 * PORT 0 (a free port each time) has no stable name: the process id stands in.
 */
export function kafkaOf(service: string, config: { KAFKA_BROKERS: string; KAFKA_USERNAME: string; KAFKA_PASSWORD: string; PORT: number }) {
  return {
    clientId: service,
    brokers: config.KAFKA_BROKERS.split(","),
    credentials: { username: config.KAFKA_USERNAME, password: config.KAFKA_PASSWORD },
    instanceId: `${os.hostname()}:${config.PORT || `pid-${process.pid}`}`,
  };
}

/**
 * A service's configuration: what every service reads (commonConfig, infrastructureConfig) and
 * its own variables. `load()` reads and validates the environment once, and throws a ConfigError
 * listing every bad variable.
 */
export function serviceConfig<Own extends TProperties = {}>(defaultPort: number, own: Own = {} as Own) {
  const schema = Type.Object({ ...commonConfig(defaultPort), ...infrastructureConfig(), ...own });
  // `as TObject`: TypeBox cannot work out `required` for properties not known yet (Own); each
  // caller's Own is known, and so is the type load() gives it.
  return { schema, load: (env: NodeJS.ProcessEnv = process.env) => readConfig(schema as TObject, env) as Readonly<Static<typeof schema>> };
}

/** What runService reads of every service's configuration. */
export type ServiceConfig = Static<TObject<ReturnType<typeof commonConfig> & ReturnType<typeof infrastructureConfig>>>;
