import { Type, type Static } from "@sinclair/typebox";
import { commonConfig, infrastructureConfig, readConfig } from "@shop/service-kit";

const url = (service: string, port: number) =>
  Type.String({ pattern: "^https?://", default: `http://127.0.0.1:${port}`, description: `the ${service} service's HTTP API` });

/**
 * The explorer reads the system from outside: Kafka as the admin principal (a tool that reads
 * every topic and group, like `pnpm peek` and the dlq command), the registry as its read-only
 * user, and the services' HTTP APIs. `pnpm start` passes all of it; .env.example lists it.
 */
const { PORT: _servicePort, ...common } = commonConfig(3000); // HOST, LOG_LEVEL; the port is EXPLORER_PORT
const { DATABASE_URL: _noDatabase, ...infrastructure } = infrastructureConfig(); // Kafka and the registry, as services read them

const configSchema = Type.Object({
  EXPLORER_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: "the page's port; 0 picks a free one" }),
  ...common,
  ...infrastructure,
  KAFKA_USERNAME: Type.String({ minLength: 1, description: "the admin principal (it reads every topic and group, and writes the poison message)" }),
  KAFKA_PASSWORD: Type.String({ minLength: 1, description: "the admin principal's password (pnpm start: KAFKA_PASSWORD in infra.env)" }),
  ORDER_URL: url("order", 3001), INVENTORY_URL: url("inventory", 3002), PAYMENT_URL: url("payment", 3003),
  EMAIL_URL: url("email", 3004), WAREHOUSE_URL: url("warehouse", 3005), ANALYTICS_URL: url("analytics", 3006),
  SUPERVISOR_URL: Type.Optional(Type.String({ pattern: "^https?://", description: "pnpm start's control API; unset: read from SUPERVISOR_FILE" })),
  SUPERVISOR_FILE: Type.Optional(Type.String({ minLength: 1, description: "where pnpm start writes its control API's address (.cache/infra/dev/supervisor.json)" })),
  JAEGER_URL: Type.Optional(Type.String({ pattern: "^https?://", description: "Jaeger's UI (docker compose: http://localhost:16686): each trace gets a link to it" })),
  SAGAS_KEPT: Type.Integer({ minimum: 1, default: 500, description: "how many of the latest sagas the explorer keeps in memory" }),
  SPANS_KEPT: Type.Integer({ minimum: 1, default: 50_000, description: "how many of the latest spans the OTLP receiver keeps in memory" }),
});

export type Config = Static<typeof configSchema>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => readConfig(configSchema, env);
