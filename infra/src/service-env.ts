/**
 * What one service needs to run against the dev environment, in one place: the supervisor starts
 * each service with it, and `.cache/infra/dev/services/<service>.env` holds the same lines, so
 * that a learner can start one service by hand exactly as `pnpm start` does:
 *
 *   pnpm svc stop payment
 *   node --env-file=.cache/infra/dev/services/payment.env --import tsx --import ./services/payment/src/telemetry.ts services/payment/src/main.ts
 */
import fs from "node:fs";
import path from "node:path";
import { kafkaCredentialsOf, kafkaEnv, type KafkaPrincipal } from "./kafka-credentials";
import { brokersOf, databaseUrlOf, schemaRegistryUrlOf, type NativeState } from "./native-environment";
import { ensurePersonalDataSecrets, personalDataEnv } from "./personal-data-secrets";
import { writePrivateFile } from "./private-files";
import { registryCredentialsOf } from "./registry-credentials";

/** The default ports (docs/architecture.md): the same under `pnpm start` and docker compose. */
export const servicePorts = { order: 3001, inventory: 3002, payment: 3003, email: 3004, warehouse: 3005, analytics: 3006 } as const;
export type ServiceName = keyof typeof servicePorts;
export const serviceNames = Object.keys(servicePorts) as ServiceName[];

/** The port of instance `instance` (1..N) of a service: 3002 for inventory's first, 3102 its second, 3202 ... */
export const portOf = (name: ServiceName, instance: number) => servicePorts[name] + 100 * (instance - 1);

/** `smtpUrl`: where the email service sends mail (the SMTP sink of `pnpm start`). */
export function serviceEnvironment(state: NativeState, name: ServiceName, smtpUrl?: string): Record<string, string> {
  const { reader } = registryCredentialsOf(state); // services only read the registry (decision 012)
  return {
    PORT: String(servicePorts[name]),
    DATABASE_URL: databaseUrlOf(state, name), // as the service's own role (decision 013)
    KAFKA_BROKERS: brokersOf(state).join(","),
    ...kafkaEnv(kafkaCredentialsOf(state)[name as KafkaPrincipal]), // its own Kafka principal (decision 011)
    SCHEMA_REGISTRY_URL: schemaRegistryUrlOf(state),
    SCHEMA_REGISTRY_USERNAME: reader.username,
    SCHEMA_REGISTRY_PASSWORD: reader.password,
    ...personalDataEnv(name, ensurePersonalDataSecrets(state.kafka.dataDir)), // the KEKs it may hold (decision 014)
    ...(name === "email" && smtpUrl ? { SMTP_URL: smtpUrl } : {}),
  };
}

export const serviceEnvFileOf = (state: NativeState, name: ServiceName) => path.join(state.dir, "services", `${name}.env`);

/** Writes one env file per service (mode 0600: they hold passwords) and returns their folder. */
export function writeServiceEnvFiles(state: NativeState, smtpUrl?: string): string {
  const folder = path.join(state.dir, "services");
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  for (const name of serviceNames) {
    const lines = Object.entries(serviceEnvironment(state, name, smtpUrl)).map(([key, value]) => `${key}=${value}`);
    writePrivateFile(serviceEnvFileOf(state, name), `${lines.join("\n")}\n`);
  }
  return folder;
}
