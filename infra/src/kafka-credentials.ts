/**
 * Who may talk to Kafka (decision 011): one SCRAM user per service, and `admin`, the principal of
 * the broker itself (its links to itself and to its controller), of infra (topics, ACLs) and of the
 * tools (pnpm peek, the dlq command, tests, benches). The passwords are random per environment,
 * made on the broker's first start, and kept beside its data in a file only its owner can read.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { services, type Service } from "@shop/contracts";
import type { NativeState } from "./native-environment";

export interface KafkaCredentials {
  username: string;
  password: string;
}

export type KafkaPrincipal = "admin" | Service;
export const kafkaPrincipals: readonly KafkaPrincipal[] = ["admin", ...services];

/** The SASL mechanism of every client listener; the one place infra names it (messaging's kafka.ts names it for the services). */
export const scramMechanism = "SCRAM-SHA-256";

export const credentialsFileOf = (kafkaDataDir: string) => path.join(kafkaDataDir, "credentials.json");

/** A random password for every principal. Hex: no character needs quoting in server.properties, in `--add-scram` or in an env file. */
export function newKafkaCredentials(): Record<KafkaPrincipal, KafkaCredentials> {
  return Object.fromEntries(kafkaPrincipals.map((username) => [username, { username, password: randomBytes(24).toString("hex") }])) as
    Record<KafkaPrincipal, KafkaCredentials>;
}

/** Reads the environment's credentials, or makes new ones if this broker has none yet. */
export function ensureKafkaCredentials(kafkaDataDir: string): Record<KafkaPrincipal, KafkaCredentials> {
  if (fs.existsSync(credentialsFileOf(kafkaDataDir))) return readKafkaCredentials(kafkaDataDir);
  const credentials = newKafkaCredentials();
  fs.mkdirSync(kafkaDataDir, { recursive: true });
  // 0600 from the first byte: the file never exists with wider permissions.
  fs.writeFileSync(credentialsFileOf(kafkaDataDir), JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}

export function readKafkaCredentials(kafkaDataDir: string): Record<KafkaPrincipal, KafkaCredentials> {
  const file = credentialsFileOf(kafkaDataDir);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<KafkaPrincipal, KafkaCredentials>;
  } catch (error) {
    throw new Error(`Cannot read the Kafka credentials in ${file} (${(error as Error).message}): was this environment started by infra?`);
  }
}

/** The credentials of a native environment (dev, tests). */
export const kafkaCredentialsOf = (state: NativeState) => readKafkaCredentials(state.kafka.dataDir);

/** The environment variables a service (or, for admin, a tool) reads its Kafka principal from. */
export function kafkaEnv({ username, password }: KafkaCredentials): { KAFKA_USERNAME: string; KAFKA_PASSWORD: string } {
  return { KAFKA_USERNAME: username, KAFKA_PASSWORD: password };
}

/**
 * infra.env's Kafka lines: KAFKA_USERNAME and KAFKA_PASSWORD are admin's, for the tools
 * (`set -a; . .cache/infra/dev/infra.env` before the dlq command), and KAFKA_PASSWORD_<SERVICE>
 * each service's, for a service started by hand (KAFKA_USERNAME=payment KAFKA_PASSWORD=$KAFKA_PASSWORD_PAYMENT).
 */
export function kafkaEnvFileLines(state: NativeState): string[] {
  const credentials = kafkaCredentialsOf(state);
  return [
    `KAFKA_USERNAME=${credentials.admin.username}`,
    `KAFKA_PASSWORD=${credentials.admin.password}`,
    ...services.map((service) => `KAFKA_PASSWORD_${service.toUpperCase()}=${credentials[service].password}`),
  ];
}

/** kafkajs's `sasl` option for these credentials (infra's own clients, tools and tests). */
export function saslOf({ username, password }: KafkaCredentials) {
  return { mechanism: "scram-sha-256" as const, username, password };
}
